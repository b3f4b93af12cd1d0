import { randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { toDocumentClient } from '../../shared/clients.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import type { CostSource, DailyCost, HourUsage } from '../../shared/ports.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { accountPk, kindOfSortKey } from '../../shared/store/keys.ts';
import { ensureTable } from '../../shared/store/table.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';
import { seedAccount } from '../support/seed.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const FIRST_RUN = Date.parse('2024-01-01T09:30:00Z');
const YEARS = Number(process.env.BENCH_HISTORY_YEARS ?? 3);

/** $8-$14 a day; on the 15th of each month an $80 hour at 08:00 (a spike the 09:30 run sees). */
const dayUsd = (day: number) => 8 + (Math.floor(day / DAY) % 7);
const costs: CostSource = {
  async dailyCosts({ start, end }) {
    const out: DailyCost[] = [];
    for (let d = start.getTime(); d < end.getTime(); d += DAY) {
      const micros = dayUsd(d) * 1_000_000;
      out.push({
        day: new Date(d).toISOString().slice(0, 10),
        amountMicros: micros,
        byScope: { proj: micros },
      });
    }
    return out;
  },
  async usageEstimate({ start, end, countFrom }) {
    const hours: HourUsage[] = [];
    let amountMicros = 0;
    for (let h = start.getTime(); h < end.getTime(); h += HOUR) {
      const d = new Date(h);
      const usd = d.getUTCDate() === 15 && d.getUTCHours() === 8 ? 80 : 0.4;
      const micros = usd * 1_000_000;
      hours.push({
        start: d,
        amountMicros: micros,
        byScope: { proj: micros },
        byModel: {},
        byScopeModel: {},
        unknownModels: [],
      });
      if (h >= (countFrom ?? start).getTime()) amountMicros += micros;
    }
    return {
      amountMicros,
      byScope: { proj: amountMicros },
      byScopeModel: {},
      unknownModels: [],
      start,
      end,
      hours,
    };
  },
};

/**
 * Items and read capacity of the one Query a run makes, for an account with years of history: one
 * run a day (at 09:30) from 2024-01-01, with budgets, forecasts, expiry warnings, a monthly spike and
 * the weekly digest firing and delivered as they would be. Two copies of the account: one whose
 * expired `ttl`s are deleted (what DynamoDB's TTL does; the bench deletes them once a simulated day,
 * because its days run in the past while DynamoDB Local's own TTL, within a second here, goes by the
 * real clock), and one kept as before this TTL work (no `ttl` attribute at all).
 */
export async function historyBench(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  try {
    const client = localDynamoClient(ddb.endpoint);
    const reads: Array<{ count: number; rcu: number }> = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string; KeyConditionExpression?: string };
        const measured =
          context.commandName === 'QueryCommand' && input.KeyConditionExpression === 'pk = :pk';
        if (measured) input.ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        if (measured) {
          const o = out.output as { Count?: number; ConsumedCapacity?: { CapacityUnits?: number } };
          reads.push({ count: o.Count ?? 0, rcu: o.ConsumedCapacity?.CapacityUnits ?? 0 });
        }
        return out;
      },
      { step: 'initialize', name: 'measureReads' },
    );
    const doc = toDocumentClient(client);
    const table = 'burnrate-history';
    await ensureTable(client, table);
    const grants = Array.from({ length: 4 * YEARS + 1 }, (_, q) => ({
      id: `q${q}`,
      amountUsd: 1000,
      effectiveAt: new Date(Date.UTC(2024, 3 * q - 1, 20)).toISOString(),
    }));
    const config = {
      provider: 'openai',
      recipients: ['ops@example.com'],
      monthlyBudgetUsd: 300,
      lowBalanceUsd: [100],
      lowRunwayDays: 7,
    };
    for (const id of ['ttl', 'kept']) await seedAccount(doc, table, { id, ...config }, grants);
    let now = FIRST_RUN;
    let messages = 0;
    const common = {
      alerts: new DynamoAlertStore(doc, table),
      mailer: { send: async () => ({ messageId: `m-${++messages}` }) },
      sender: 'burnrate@example.com',
      now: () => new Date(now),
      newToken: randomUUID,
      claimTimeoutMs: 600_000,
    };
    const empty = { subject: '', html: '', text: '' };
    const deps = {
      store: new DynamoAccountStore(doc, table),
      secrets: new EnvSecretSource({ openai: 'sk-bench' }),
      costSource: () => costs,
      now: () => new Date(now),
      staleHours: 6,
      isAuthError: () => false,
      delivery: { ...common, render: () => empty, renderProject: () => empty },
      digest: { ...common, renderDigest: () => empty },
    };
    const sent: Record<string, number> = { ttl: 0, kept: 0 };
    const started = performance.now();
    const last = FIRST_RUN + Math.round(YEARS * 365.25) * DAY;
    for (; now < last; now += DAY) {
      for (const id of ['ttl', 'kept']) {
        const out = await processAccount(deps, id);
        if (out.status !== 'ok') throw new Error(`${id} at ${new Date(now).toISOString()}: ${out.status}`);
        sent[id] = (sent[id] ?? 0) + out.sent.length;
      }
      await expireItems(doc, table, 'ttl', now);
    }
    const simulatedMs = performance.now() - started;

    console.log(`## History: what one run reads after ${YEARS} years of daily runs (DynamoDB Local)`);
    for (const id of ['kept', 'ttl']) {
      reads.length = 0;
      await deps.store.loadAccount(id);
      const pages = reads.length;
      const items = reads.reduce((a, r) => a + r.count, 0);
      const rcu = reads.reduce((a, r) => a + r.rcu, 0);
      const kinds = await kindsIn(doc, table, id);
      console.log(
        `${id === 'ttl' ? 'with TTL   ' : 'without TTL'}: ${items} items, ${rcu} RCU per run (${pages} page(s); ${kinds}); ${(rcu * 96).toFixed(0)} RCU a day at 96 runs; ${sent[id]} keys delivered over the years`,
      );
    }
    console.log(
      `(${Math.round((last - FIRST_RUN) / DAY)} simulated days for 2 accounts in ${(simulatedMs / 1000).toFixed(0)} s)`,
    );
  } finally {
    await ddb.stop();
  }
}

/** What DynamoDB's TTL does for the account: delete the items whose `ttl` has passed. */
async function expireItems(doc: ReturnType<typeof toDocumentClient>, table: string, id: string, now: number) {
  const out = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
      FilterExpression: '#ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': accountPk(id), ':a': 'ALERT#', ':now': Math.floor(now / 1000) },
    }),
  );
  for (const item of out.Items ?? [])
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
}

async function kindsIn(doc: ReturnType<typeof toDocumentClient>, table: string, id: string): Promise<string> {
  const counts = new Map<string, number>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': accountPk(id) },
        ProjectionExpression: 'sk',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const kind = kindOfSortKey(String(item.sk)) ?? 'other';
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}
