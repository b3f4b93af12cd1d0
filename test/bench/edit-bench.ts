import { BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toDocumentClient } from '../../shared/clients.ts';
import { DAY_MS, dayKey } from '../../shared/core/time.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { accountPk, CONFIG_SK, costSk, STATE_SK } from '../../shared/store/keys.ts';
import { ensureTable } from '../../shared/store/table.ts';
import { checkConfigEdit } from '../../shared/use-cases/config-edit.ts';
import { seedAccount } from '../support/seed.ts';

const RUNS = 15;

/**
 * `npm run bench -- edit`: the config-edit check (load, validate, replay the stored costs, commit
 * what fired) against DynamoDB Local, for an account with a year of stored cost days: an edit that
 * fires nothing (no write) and one that fires a key (one transaction and its confirm). No delivery:
 * SES time is the sync's too. What "within a minute" leaves to the stream and Lambda's poller.
 */
export async function editBench(): Promise<void> {
  console.log('edit: the config-edit check from stored costs (DynamoDB Local, 365 cost days, no email)');
  const db = await startDynamoDbLocal();
  const client = localDynamoClient(db.endpoint);
  const doc = toDocumentClient(client);
  try {
    const table = 'bench-edit';
    await ensureTable(client, table);
    const now = Date.now();
    const id = 'acme';
    const effectiveAt = new Date(now - 366 * DAY_MS).toISOString();
    const expiresAt = new Date(now + 200 * DAY_MS).toISOString();
    const config = { id, provider: 'openai', recipients: ['ops@acme.example'], expiryWarningDays: [] };
    await seedAccount(doc, table, config, [{ id: 'g1', amountUsd: 20_000, effectiveAt, expiresAt }]);
    const days = Array.from({ length: 365 }, (_, i) => dayKey(now - (365 - i) * DAY_MS));
    for (let i = 0; i < days.length; i += 25) {
      const puts = days.slice(i, i + 25).map((day) => ({
        PutRequest: {
          Item: {
            pk: accountPk(id),
            sk: costSk(day),
            day,
            amountMicros: 40_000_000,
            byScope: { '(none)': 40_000_000 },
            kind: 'actual',
            fetchedAt: new Date(now).toISOString(),
          },
        },
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [table]: puts } }));
    }
    const at = new Date(now).toISOString();
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk(id),
          sk: STATE_SK,
          version: 1,
          costsFrom: days[0],
          costsThrough: days.at(-1),
          lastSyncAt: at,
          ledgerAt: at,
        },
      }),
    );
    const deps = { store: new DynamoAccountStore(doc, table), now: () => new Date() };
    const setThreshold = (usd: number) =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: accountPk(id), sk: CONFIG_SK },
          UpdateExpression: 'SET lowBalanceUsd = :v',
          ExpressionAttributeValues: { ':v': [usd] },
        }),
      );
    // $20,000 − 365 × $40 = $5,400 left: a threshold of $6,000 + i is crossed, one of $10 is not.
    const time = async (threshold: (i: number) => number) => {
      const ms: number[] = [];
      let fired = 0;
      for (let i = 0; i < RUNS; i++) {
        await setThreshold(threshold(i));
        const t = performance.now();
        const outcome = await checkConfigEdit(deps, id);
        ms.push(performance.now() - t);
        if (outcome.status === 'reevaluated') fired += outcome.due.length;
      }
      ms.sort((a, b) => a - b);
      return { median: ms[Math.floor(ms.length / 2)] ?? Number.NaN, max: ms.at(-1) ?? Number.NaN, fired };
    };
    const quiet = await time(() => 10);
    const firing = await time((i) => 6_000 + i);
    const row = (name: string, r: { median: number; max: number; fired: number }) =>
      console.log(
        `${name.padEnd(26)} median ${r.median.toFixed(0).padStart(4)} ms  max ${r.max.toFixed(0).padStart(4)} ms  (${r.fired} keys fired in ${RUNS} checks)`,
      );
    row('edit that fires nothing', quiet);
    row('edit that fires one key', firing);
  } finally {
    client.destroy();
    await db.stop();
  }
}
