import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import type { UsageRow } from '../../shared/local/fakes/openai-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import type { SpendLimits } from '../../shared/ports.ts';
import { AnthropicApiKeys } from '../../shared/providers/anthropic/api-keys.ts';
import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { AnthropicSpendLimits } from '../../shared/providers/anthropic/spend-limits.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';
import { OpenAiSpendLimits } from '../../shared/providers/openai/spend-limits.ts';
import { MODES } from '../support/providers.ts';

/**
 * Issue 18 item 8: the fakes enforce hard limits like the providers, minutes late. A loop spends
 * every minute from 15:20; a limit written at 15:40 (fake clock) is in force from 15:45; the usage
 * report then stops growing, and grows again 5 minutes after the limit is deleted.
 */
const MIN = 60_000;
const at = (hhmm: string) => Date.parse(`2026-11-18T${hhmm}:00Z`);
const loop = (scope: string, model: string, from: string, to: string, apiKeyId?: string): UsageRow[] => {
  const rows: UsageRow[] = [];
  for (let t = at(from); t < at(to); t += MIN) {
    rows.push({
      hour: new Date(t).toISOString(),
      model,
      projectId: scope,
      input_tokens: 400_000,
      output_tokens: 100_000,
      ...(apiKeyId ? { apiKeyId } : {}),
    });
  }
  return rows;
};

const PROVIDERS = [
  {
    name: 'openai',
    scope: 'proj_loop',
    other: 'proj_quiet',
    model: 'gpt-4o',
    perRowMicros: 2_000_000, // 400k × $2.50 + 100k × $10 per 1M
    start: async (mode: 'spec' | 'live', now: () => number) => {
      const fake = await startOpenAiFake({ mode, now });
      fake.setProjects([
        { id: 'proj_loop', name: 'Loop' },
        { id: 'proj_quiet', name: 'Quiet' },
      ]);
      const o = { adminKey: fake.adminKey, baseUrl: fake.baseUrl };
      return { fake, costs: new OpenAiCostSource(o), limits: new OpenAiSpendLimits(o) as SpendLimits };
    },
  },
  {
    name: 'anthropic',
    scope: 'wrkspc_01Loop',
    other: 'wrkspc_01Quiet',
    model: 'claude-sonnet-4-5',
    perRowMicros: 2_700_000, // 400k × $3 + 100k × $15 per 1M
    start: async (mode: 'spec' | 'live', now: () => number) => {
      const fake = await startAnthropicFake({ mode, now, spendLimits: 'available' });
      fake.setWorkspaces([
        { id: 'wrkspc_01Loop', name: 'Loop' },
        { id: 'wrkspc_01Quiet', name: 'Quiet' },
      ]);
      const o = { adminKey: fake.adminKey, baseUrl: fake.baseUrl };
      return { fake, costs: new AnthropicCostSource(o), limits: new AnthropicSpendLimits(o) as SpendLimits };
    },
  },
] as const;

const CASES = PROVIDERS.flatMap((p) => MODES.map((mode) => ({ ...p, mode })));

describe.each(CASES)('$name fake enforces hard limits ($mode)', (p) => {
  let clock = at('15:40');
  let env: Awaited<ReturnType<(typeof p)['start']>>;
  const project = { type: 'project', id: p.scope } as const;
  /** Rows the usage report has for each hour 15:00-17:59, as the client prices them. */
  const hourly = async (scope: string = p.scope) => {
    const estimate = await env.costs.usageEstimate({
      start: new Date(at('15:00')),
      end: new Date(at('18:00')),
    });
    return [15, 16, 17].map((h) => {
      const hour = estimate.hours.find((x) => x.start.getUTCHours() === h);
      return Math.round((hour?.byScope[scope] ?? 0) / p.perRowMicros);
    });
  };

  // A fresh fake per test: each test's clock starts again at 15:40.
  beforeEach(async () => {
    clock = at('15:40');
    env = await p.start(p.mode, () => clock);
    env.fake.setUsage([
      ...loop(p.scope, p.model, '15:20', '18:00'),
      ...loop(p.other, p.model, '15:00', '18:00'),
    ]);
  });
  afterEach(() => env.fake.stop());

  it('without a limit the loop runs on', async () => {
    expect(await hourly()).toEqual([40, 60, 60]);
  });

  it('a limit at the spend stops the loop 5 minutes after it is set, and a DELETE lets it resume 5 minutes later', async () => {
    const spentCents = Math.ceil((20 * p.perRowMicros) / 10_000); // 15:20-15:39
    await env.limits.set(project, spentCents);
    expect(await hourly()).toEqual([25, 0, 0]); // 15:20-15:44 got through
    clock = at('16:30');
    await env.limits.remove(project);
    expect(await hourly()).toEqual([25, 25, 60]); // again from 16:35
    expect(await hourly(p.other)).toEqual([60, 60, 60]); // another project never stopped
  });

  it('a limit above the spend lets the loop run until its spend reaches it', async () => {
    await env.limits.set(project, Math.ceil((30 * p.perRowMicros) / 10_000));
    expect(await hourly()).toEqual([30, 0, 0]); // stopped at 15:50, when 30 rows had been spent
  });

  it("the propagation delay is the fake's to set", async () => {
    env.fake.enforcement.delayMs = 15 * MIN;
    await env.limits.set(project, 1);
    expect(await hourly()).toEqual([35, 0, 0]); // in force from 15:55
  });

  it("an organization limit counts the month's scripted costs and stops every project", async () => {
    env.fake.setCosts({ '2026-11-17': [{ projectId: p.other, usd: 1_000 }] });
    await env.limits.set({ type: 'organization' }, 100_000); // $1,000: already reached
    expect(await hourly()).toEqual([25, 0, 0]);
    expect(await hourly(p.other)).toEqual([45, 0, 0]);
  });
});

describe.each(MODES)("anthropic fake stops an inactive key's usage (%s)", (mode) => {
  let clock = at('15:40');
  let fake: Awaited<ReturnType<typeof startAnthropicFake>>;
  beforeAll(async () => {
    fake = await startAnthropicFake({ mode, now: () => clock });
    fake.setApiKeys([
      { id: 'apikey_01Runaway', name: 'batch', workspaceId: 'wrkspc_01Loop' },
      { id: 'apikey_01Steady', name: 'web', workspaceId: 'wrkspc_01Loop' },
    ]);
    fake.setUsage([
      ...loop('wrkspc_01Loop', 'claude-sonnet-4-5', '15:20', '17:00', 'apikey_01Runaway'),
      ...loop('wrkspc_01Loop', 'claude-sonnet-4-5', '15:00', '17:00', 'apikey_01Steady'),
    ]);
  });
  afterAll(() => fake.stop());

  it('the keys that spent in the runaway hour are found, switched off, and their usage stops; switched on, it resumes', async () => {
    const keys = new AnthropicApiKeys({ adminKey: fake.adminKey, baseUrl: fake.baseUrl });
    const spenders = await keys.spendByKey(new Date(at('15:00')));
    expect(spenders.map((s) => [s.apiKeyId, s.amountMicros])).toEqual([
      ['apikey_01Steady', 60 * 2_700_000],
      ['apikey_01Runaway', 40 * 2_700_000],
    ]);
    await keys.setStatus('apikey_01Runaway', 'inactive');
    const rows = async (hour: string) =>
      Object.fromEntries(
        (await keys.spendByKey(new Date(at(hour)))).map((s) => [s.apiKeyId, s.amountMicros / 2_700_000]),
      );
    expect(await rows('15:00')).toEqual({ apikey_01Steady: 60, apikey_01Runaway: 25 });
    clock = at('16:10');
    await keys.setStatus('apikey_01Runaway', 'active');
    expect(await rows('16:00')).toEqual({ apikey_01Steady: 60, apikey_01Runaway: 45 }); // from 16:15
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      { status: 'inactive' },
      { status: 'active' },
    ]);
  });
});
