import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import type { FakeMode } from '../../shared/local/fakes/http-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import type { CostSource } from '../../shared/ports.ts';
import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';

export type Fake =
  | Awaited<ReturnType<typeof startOpenAiFake>>
  | Awaited<ReturnType<typeof startAnthropicFake>>;

/** Options both fakes take; `mode: 'live'` answers like the live APIs (shared/providers/LIVE.md). */
export interface FakeOptions {
  maxPageSize?: number;
  mode?: FakeMode;
}

/** Every test that talks to a fake provider runs against both of its modes. */
export const MODES: FakeMode[] = ['spec', 'live'];

export interface ClientOptions {
  adminKey?: string;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  timeoutMs?: number;
  maxRetries?: number;
  fetch?: typeof fetch;
  deadline?: number;
  clock?: () => number;
}

/**
 * Each provider as the provider-generic tests see it: its fake, its client, its endpoint paths,
 * and a model with a known price (usage of 400k input and 100k output tokens costs `estimateMicros`).
 */
export const PROVIDERS = [
  {
    name: 'openai' as const,
    start: (o: FakeOptions = {}): Promise<Fake> => startOpenAiFake(o),
    client: (fake: Fake, o: ClientOptions = {}): CostSource =>
      new OpenAiCostSource({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...o }),
    costsPath: '/v1/organization/costs',
    usagePath: '/v1/organization/usage/completions',
    pageMax: 180,
    model: 'gpt-4o',
    estimateMicros: 2_000_000, // 400k × $2.50 + 100k × $10 per 1M
  },
  {
    name: 'anthropic' as const,
    start: (o: FakeOptions = {}): Promise<Fake> => startAnthropicFake(o),
    client: (fake: Fake, o: ClientOptions = {}): CostSource =>
      new AnthropicCostSource({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...o }),
    costsPath: '/v1/organizations/cost_report',
    usagePath: '/v1/organizations/usage_report/messages',
    pageMax: 31,
    model: 'claude-sonnet-4-5',
    estimateMicros: 2_700_000, // 400k × $3 + 100k × $15 per 1M
  },
];

export type ProviderUnderTest = (typeof PROVIDERS)[number];
