import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import type { FakeMode } from '../../shared/local/fakes/http-fake.ts';
import { startOpenAiFake, type UsageRow } from '../../shared/local/fakes/openai-fake.ts';
import type { ApiKeys, SpendLimits } from '../../shared/ports.ts';
import { AnthropicApiKeys } from '../../shared/providers/anthropic/api-keys.ts';
import { AnthropicSpendLimits } from '../../shared/providers/anthropic/spend-limits.ts';
import { OpenAiSpendLimits } from '../../shared/providers/openai/spend-limits.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoGuardStore } from '../../shared/store/dynamo-guard-store.ts';
import { accountPk, costSk } from '../../shared/store/keys.ts';
import type { GuardDeps } from '../../shared/use-cases/guard-context.ts';

export type GuardFake =
  | Awaited<ReturnType<typeof startOpenAiFake>>
  | Awaited<ReturnType<typeof startAnthropicFake>>;

const fast = { sleep: async () => {}, maxRetries: 1 };

/**
 * The three ways a freeze can go, each against its fake provider: OpenAI's project limit, Anthropic's
 * workspace limit through the spend-limits beta, and Anthropic without the beta (keys switched off).
 */
export const GUARD_SETUPS = [
  {
    name: 'openai',
    provider: 'openai' as const,
    project: 'proj_search',
    lever: 'limit' as const,
    model: 'gpt-4o',
    rowMicros: 2_000_000,
  },
  {
    name: 'anthropic with the beta',
    provider: 'anthropic' as const,
    project: 'wrkspc_search',
    lever: 'limit' as const,
    model: 'claude-sonnet-4-5',
    rowMicros: 2_700_000,
  },
  {
    name: 'anthropic without the beta',
    provider: 'anthropic' as const,
    project: 'wrkspc_search',
    lever: 'keys' as const,
    model: 'claude-sonnet-4-5',
    rowMicros: 2_700_000,
  },
];

export type GuardSetup = (typeof GUARD_SETUPS)[number];

/** The fake of a setup, with "Search" and "Web" listed and (Anthropic) four API keys. */
export async function startGuardFake(
  s: GuardSetup,
  mode: FakeMode,
  now: () => number,
  propagationDelayMs?: number,
): Promise<GuardFake> {
  const delay = propagationDelayMs === undefined ? {} : { propagationDelayMs };
  if (s.provider === 'openai') {
    const fake = await startOpenAiFake({ mode, now, ...delay });
    fake.setProjects([
      { id: 'proj_D3fau1tPr0ject', name: 'Default project' },
      { id: 'proj_search', name: 'Search' },
      { id: 'proj_web', name: 'Web' },
    ]);
    return fake;
  }
  const fake = await startAnthropicFake({
    mode,
    now,
    spendLimits: s.lever === 'limit' ? 'available' : 'forbidden',
    ...delay,
  });
  fake.setWorkspaces([
    { id: 'wrkspc_search', name: 'Search' },
    { id: 'wrkspc_web', name: 'Web' },
  ]);
  fake.setApiKeys([
    { id: 'apikey_loop1', name: 'batch worker', workspaceId: 'wrkspc_search' },
    { id: 'apikey_loop2', name: 'batch worker 2', workspaceId: 'wrkspc_search' },
    { id: 'apikey_idle', name: 'idle', workspaceId: 'wrkspc_search' },
    { id: 'apikey_web', name: 'web', workspaceId: 'wrkspc_web' },
  ]);
  return fake;
}

export function limitsOf(s: GuardSetup, fake: GuardFake): SpendLimits {
  const o = { adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...fast };
  return s.provider === 'openai' ? new OpenAiSpendLimits(o) : new AnthropicSpendLimits(o);
}

export function keysOf(s: GuardSetup, fake: GuardFake): ApiKeys | undefined {
  return s.provider === 'openai'
    ? undefined
    : new AnthropicApiKeys({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...fast });
}

/** The guard use case on DynamoDB Local and the fake. */
export function guardDepsFor(
  s: GuardSetup,
  fake: GuardFake,
  doc: DynamoDBDocumentClient,
  table: string,
  now: () => Date,
): GuardDeps {
  return {
    store: new DynamoGuardStore(doc, table),
    secrets: new EnvSecretSource({ [s.provider]: fake.adminKey }),
    spendLimits: () => limitsOf(s, fake),
    apiKeys: () => keysOf(s, fake),
    now,
  };
}

/**
 * Stored cost days the way a sync leaves them: $2 a day of Search and $1 of Web on Nov 1..23 and
 * today's estimate so far (Search $4.20): Search's month to date is $50.20 on 2026-11-24.
 */
export async function seedGuardCosts(
  doc: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  project: string,
) {
  const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}`;
  const put = (d: string, search: number, web: number, kind: 'actual' | 'estimate') =>
    doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk(accountId),
          sk: costSk(d),
          day: d,
          amountMicros: search + web,
          byScope: { [project]: search, [project.replace('search', 'web')]: web },
          kind,
          fetchedAt: '2026-11-24T15:30:00.000Z',
        },
      }),
    );
  for (let d = 1; d <= 23; d++) await put(day(d), 2_000_000, 1_000_000, 'actual');
  await put('2026-11-24', 4_200_000, 1_000_000, 'estimate');
}

/** Usage rows of a loop in `project` every minute of [from, to) (an API key each, for Anthropic). */
export function loopRows(
  s: GuardSetup,
  from: number,
  to: number,
  keys = ['apikey_loop1', 'apikey_loop2'],
): UsageRow[] {
  const rows: UsageRow[] = [];
  let i = 0;
  for (let t = from; t < to; t += 60_000, i++)
    rows.push({
      hour: new Date(t).toISOString(),
      model: s.model,
      projectId: s.project,
      input_tokens: 400_000,
      output_tokens: 100_000,
      ...(s.provider === 'anthropic' ? { apiKeyId: keys[i % keys.length] ?? null } : {}),
    });
  return rows;
}
