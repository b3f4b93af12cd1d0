import { toDocumentClient } from '../../shared/clients.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import type { RecordedRequest } from '../../shared/local/fakes/http-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { AnthropicSpendLimits } from '../../shared/providers/anthropic/spend-limits.ts';
import { AnthropicWorkspaceDirectory } from '../../shared/providers/anthropic/workspaces.ts';
import { OpenAiProjectDirectory } from '../../shared/providers/openai/projects.ts';
import { OpenAiSpendLimits } from '../../shared/providers/openai/spend-limits.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoUpkeepStore } from '../../shared/store/dynamo-upkeep-store.ts';
import { ensureTable } from '../../shared/store/table.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';
import { upkeepAccount } from '../../shared/use-cases/upkeep-account.ts';
import { PROVIDERS } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAY_ONE = Date.parse('2026-11-24T00:00:00Z');

/** Which side of burnrate a request belongs to: the sync's two, or the upkeep's daily ones. */
function kind(r: RecordedRequest): string {
  if (/\/(costs|cost_report|usage\/completions|usage_report\/messages)$/.test(r.path)) return 'sync';
  if (/\/(projects|workspaces)$/.test(r.path)) return 'upkeep: list names';
  if (/spend_limit/.test(r.path)) return `upkeep: limit ${r.method}`;
  return `other ${r.method} ${r.path}`;
}

/**
 * `npm run bench -- upkeep`: provider requests per day with projects on (two projects with budgets,
 * hard limits on the organization and one project), per provider, against the live-mode fakes and
 * DynamoDB Local: 96 sync runs a day (every 15 minutes) with the upkeep before each (as `burnrate
 * run` does; in AWS it runs hourly), on a first day (limits set) and a steady day (limits equal).
 */
export async function upkeepBench(): Promise<void> {
  console.log('upkeep: provider requests per day with projects on (96 runs/day, upkeep before each run)');
  const db = await startDynamoDbLocal();
  const client = localDynamoClient(db.endpoint);
  const doc = toDocumentClient(client);
  try {
    for (const p of PROVIDERS) {
      const fake =
        p.name === 'openai'
          ? await startOpenAiFake({ mode: 'live' })
          : await startAnthropicFake({ mode: 'live', spendLimits: 'available' });
      const [a, b] = p.name === 'openai' ? ['proj_search', 'proj_batch'] : ['wrkspc_search', 'wrkspc_batch'];
      if ('setProjects' in fake)
        fake.setProjects([
          { id: a, name: 'Search' },
          { id: b, name: 'Batch' },
        ]);
      else
        fake.setWorkspaces([
          { id: a, name: 'Search' },
          { id: b, name: 'Batch' },
        ]);
      const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
      for (let i = 1; i <= 40; i++)
        costs[new Date(DAY_ONE - i * DAY).toISOString().slice(0, 10)] = [
          { projectId: a, usd: 12 },
          { projectId: b, usd: 8 },
        ];
      fake.setCosts(costs);
      const table = `bench-upkeep-${p.name}`;
      await ensureTable(client, table);
      await seedAccount(doc, table, {
        id: 'acme',
        provider: p.name,
        recipients: ['ops@acme.example'],
        monthlyBudgetUsd: 600,
        hardLimitUsd: 1000,
        projects: { [a]: { monthlyBudgetUsd: 400, hardLimitUsd: 450 }, [b]: { monthlyBudgetUsd: 250 } },
      });
      let now = DAY_ONE;
      const http = { adminKey: fake.adminKey, baseUrl: fake.baseUrl };
      const store = new DynamoAccountStore(doc, table);
      const upkeepStore = new DynamoUpkeepStore(doc, table);
      const secrets = new EnvSecretSource({ [p.name]: fake.adminKey });
      const upkeep = {
        store: {
          loadAccount: (id: string) => store.loadAccount(id),
          putProjects: upkeepStore.putProjects.bind(upkeepStore),
          commitLimits: upkeepStore.commitLimits.bind(upkeepStore),
        },
        secrets,
        projectDirectory: () =>
          p.name === 'openai' ? new OpenAiProjectDirectory(http) : new AnthropicWorkspaceDirectory(http),
        spendLimits: () =>
          p.name === 'openai' ? new OpenAiSpendLimits(http) : new AnthropicSpendLimits(http),
        now: () => new Date(now),
      };
      const sync = {
        store,
        secrets,
        costSource: () => p.client(fake as never),
        now: () => new Date(now),
        staleHours: 6,
        isAuthError: () => false,
      };
      for (const label of ['day 1 (first: limits set)', 'day 2 (steady: limits equal)']) {
        const from = fake.requests.length;
        let due = 0;
        for (let run = 0; run < 96; run++) {
          now = DAY_ONE + (label.startsWith('day 2') ? DAY : 0) + run * 15 * MINUTE + 10 * MINUTE;
          if ((await upkeepAccount(upkeep, 'acme')).status !== 'not-due') due++;
          await processAccount(sync, 'acme');
        }
        const counts = new Map<string, number>();
        for (const r of fake.requests.slice(from)) counts.set(kind(r), (counts.get(kind(r)) ?? 0) + 1);
        const syncCount = counts.get('sync') ?? 0;
        counts.delete('sync');
        const extra = [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
        const upkeepTotal = [...counts.values()].reduce((s, n) => s + n, 0);
        console.log(
          `  ${p.name.padEnd(9)} ${label}: sync ${syncCount} requests (${(syncCount / 96).toFixed(2)} per run); upkeep ran in ${due} of 96 runs, ${upkeepTotal} requests (${extra || 'none'})`,
        );
      }
      await fake.stop();
    }
  } finally {
    client.destroy();
    await db.stop();
  }
}
