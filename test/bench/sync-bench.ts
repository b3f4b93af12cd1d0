import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toDocumentClient } from '../../shared/clients.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { ensureTable } from '../../shared/store/table.ts';
import { syncAccount } from '../../shared/use-cases/sync-account.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';
import { seedAccount } from '../support/seed.ts';

const NOW = '2026-11-24T09:00:00Z';
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);

function history() {
  const h: Record<string, Array<{ projectId: string; usd: number }>> = {};
  for (let i = 1; i <= 90; i++) {
    const day = new Date(Date.parse('2026-11-24T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10);
    h[day] = [{ projectId: 'proj_a', usd: 5 + (i % 7) }];
  }
  return h;
}

/** Steady-state request counts per account-run, and `burnrate run` over many accounts. */
export async function syncBench(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  const fake = await startOpenAiFake();
  // One secret for every account: `burnrate run` refuses to serve many accounts from OPENAI_ADMIN_KEY.
  const secrets = await startSecretsManagerFake({ 'burnrate/bench': fake.adminKey });
  try {
    fake.setCosts(history());
    fake.setUsage([
      { hour: '2026-11-24T02:00:00Z', model: 'gpt-4o-mini', input_tokens: 1_000_000, output_tokens: 200_000 },
    ]);
    const client = localDynamoClient(ddb.endpoint);
    const counts = new Map<string, number>();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        counts.set(context.commandName as string, (counts.get(context.commandName as string) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const doc = toDocumentClient(client);
    const table = 'burnrate-bench';
    await ensureTable(client, table);
    const seed = (id: string) =>
      seedAccount(
        doc,
        table,
        {
          id,
          provider: 'openai',
          recipients: ['ops@example.com'],
          monthlyBudgetUsd: 400,
          adminKeySecret: 'burnrate/bench',
        },
        [{ id: 'g1', amountUsd: 2000, effectiveAt: '2026-08-26T00:00:00Z' }],
      );
    await seed('steady');
    let now = new Date(NOW);
    const deps = {
      store: new DynamoAccountStore(doc, table),
      secrets: new EnvSecretSource({ openai: fake.adminKey }),
      costSource: (_c: unknown, adminKey: string) =>
        new OpenAiCostSource({ adminKey, baseUrl: fake.baseUrl }),
      now: () => now,
    };
    await syncAccount(deps, 'steady'); // first sync: backfill
    counts.clear();
    fake.requests.length = 0;
    now = new Date('2026-11-24T09:15:00Z');
    const r = await syncAccount(deps, 'steady');
    const reads = (counts.get('QueryCommand') ?? 0) + (counts.get('GetItemCommand') ?? 0);
    const writes = [...counts]
      .filter(([k]) => /Write|Put|Update|Delete/.test(k))
      .reduce((a, [, n]) => a + n, 0);
    console.log('## Sync: requests per account-run in steady state (one 15-minute step later)');
    console.log(
      `DynamoDB reads:  ${reads} (target <= 1); all requests: ${[...counts].map(([k, n]) => `${k.replace('Command', '')} ×${n}`).join(', ')}`,
    );
    console.log(
      `DynamoDB writes: ${writes} (target <= 2, alert claims aside); cost days rewritten: ${r.writtenDays}`,
    );
    console.log(
      `provider requests: ${fake.requests.length} (target <= 2)   ${fake.requests.map((q) => q.path.split('/').pop()).join(', ')}`,
    );

    for (let i = 0; i < ACCOUNTS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, ACCOUNTS - i) }, (_, j) =>
          seed(`acct-${String(i + j).padStart(4, '0')}`),
        ),
      );
    }
    console.log(
      `\n## burnrate run over ${ACCOUNTS} accounts (90 days each), DynamoDB Local + fake OpenAI, spawned CLI`,
    );
    for (const pass of ['first run (backfill 90 days each)', 'second run (steady state)']) {
      const { ms, peakMb, code } = await timeCli(['run', '--now', NOW, '--json'], {
        BURNRATE_TABLE: table,
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        OPENAI_BASE_URL: fake.baseUrl,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      });
      console.log(
        `${pass}: ${(ms / 1000).toFixed(1)} s wall, peak RSS ${peakMb.toFixed(0)} MB, exit ${code} (target <= 60 s)`,
      );
    }
  } finally {
    await fake.stop();
    await secrets.stop();
    await ddb.stop();
  }
}

async function timeCli(args: string[], env: Record<string, string>) {
  const bin = join(import.meta.dirname, '../../functions/cli/bin.mjs');
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited between ticks
    }
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  return { ms: performance.now() - t0, peakMb: peakKb / 1024, code };
}
