import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentSyncError, type SyncCommit } from '../ports.ts';
import { batchPut, inParallel, TRANSACTION_LIMIT, unlessConditionFails } from './dynamo-requests.ts';
import { CONFIG_FIELDS, GRANT_FIELDS, unchangedCondition } from './item-conditions.ts';
import { StoredItemError } from './item-schemas.ts';
import { accountPk, alertSk, CONFIG_SK, costSk, grantSk, STATE_SK } from './keys.ts';
import { grantsChangedSince, type LoadedItem, numbersThatCannotMatch } from './loaded-items.ts';
import { TTL_ATTRIBUTE } from './table.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction item, what to say when its condition fails, and for a check the item as loaded. */
interface Part {
  item: TransactItem;
  what: string;
  loaded?: LoadedItem;
}

const status = { '#s': 'status' };
const ifUnconfirmed = {
  ConditionExpression: '#s = :unconfirmed',
  ExpressionAttributeNames: status,
  ExpressionAttributeValues: { ':unconfirmed': 'unconfirmed' },
};
const newOrUnconfirmed = {
  ...ifUnconfirmed,
  ConditionExpression: 'attribute_not_exists(pk) OR #s = :unconfirmed',
};

/**
 * A sync's commit. Its result (the alert keys above all) holds only for the config item and grants
 * it was computed from, so it is recorded only if they are still stored as loaded:
 *
 * 1. ONE transaction, atomic with the STATE version check: ConditionChecks that the CONFIG item and
 *    the loaded GRANT items are unchanged (item-conditions.ts: a hand edit in the console is seen,
 *    it needs to bump nothing), the re-arm deletes, the fired keys as far as they fit, and the
 *    changed cost days if everything fits (else they are batch-written first: idempotent facts).
 * 2. Fired keys are written `unconfirmed` with this attempt's token: every reader (the next run, a
 *    concurrent one) treats them as ARMED, and delivery never claims them. So keys beyond the
 *    100-item transaction follow as single conditional puts, and a crash anywhere before step 4
 *    disarms nothing: the next run fires the same keys again.
 * 3. A grant ADDED during the sync has a key nobody knew, so no condition can name it. Once the
 *    keys are written, one consistent Query of GRANT# compares every grant with what was loaded
 *    (covering the checks that found no room in step 1 too). A difference throws
 *    ConcurrentSyncError: the sync starts over from a fresh load, and its transaction re-fires or
 *    discards (only while still unconfirmed) the keys this attempt left, as after a crash.
 * 4. Confirm: each key becomes `pending` (disarmed, due) only if it still carries this attempt's
 *    token (a concurrent sync that loaded it unconfirmed may have re-fired it as its own).
 *
 * So a key is disarmed only by a sync whose config and grants were, at its transaction, what it
 * loaded. Re-arm deletes that find no room follow the transaction: a crash before them leaves a key
 * disarmed that the next run re-arms (its condition still holds). Delivery's claim keeps "once".
 */
export async function commitSyncItems(
  doc: DynamoDBDocumentClient,
  table: string,
  commit: SyncCommit,
): Promise<{ writeRequests: number; recorded: string[] }> {
  const pk = accountPk(commit.accountId);
  const prefix = `account ${commit.accountId}`;
  const attempt = randomUUID();
  let writeRequests = 0;
  const write = (command: object) => {
    writeRequests++;
    return doc.send(command as never);
  };
  const alertKey = (key: string) => ({ pk, sk: alertSk(key) });
  const grants: LoadedItem[] = commit.loaded.grants.map((row, i) => ({
    sk: commit.loaded.grantKeys?.[i] ?? grantSk(String(row.id)),
    row,
  }));
  const records = new Map(commit.alertPuts.map((a) => [a.key, a]));
  const unconfirmed = (key: string) => ({
    ...alertKey(key),
    ...records.get(key),
    status: 'unconfirmed',
    attempt,
  });
  const stale = (commit.loaded.unconfirmed ?? []).filter((key) => !records.has(key));
  const check = (loaded: LoadedItem, fields: readonly string[], what: string): Part => ({
    item: {
      ConditionCheck: {
        TableName: table,
        Key: { pk, sk: loaded.sk },
        ...unchangedCondition(loaded.row, fields),
      },
    },
    what,
    loaded,
  });

  const parts: Part[] = [
    {
      item: {
        Put: {
          TableName: table,
          Item: { pk, sk: STATE_SK, ...commit.state },
          ConditionExpression: commit.expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues:
            commit.expectedVersion === 0 ? undefined : { ':v': commit.expectedVersion },
        },
      },
      what: 'another sync committed first',
    },
  ];
  if (commit.loaded.config)
    parts.push(
      check(
        { sk: CONFIG_SK, row: commit.loaded.config },
        CONFIG_FIELDS,
        'the config item changed during the sync',
      ),
    );
  let room = TRANSACTION_LIMIT - parts.length;
  const takeRoom = <T>(xs: readonly T[]): [T[], T[]] => {
    const n = Math.max(0, Math.min(room, xs.length));
    room -= n;
    return [xs.slice(0, n), xs.slice(n)];
  };
  const [deletes, lateDeletes] = takeRoom(commit.alertDeletes);
  const [discards, lateDiscards] = takeRoom(stale);
  const [checked, unchecked] = takeRoom(grants);
  const [puts, latePuts] = takeRoom([...records.keys()]);
  for (const key of deletes)
    parts.push({
      item: { Delete: { TableName: table, Key: alertKey(key) } },
      what: `key ${key} changed during the sync`,
    });
  for (const key of discards)
    parts.push({
      item: { Delete: { TableName: table, Key: alertKey(key), ...ifUnconfirmed } },
      what: `key ${key} was recorded by another sync`,
    });
  for (const g of checked)
    parts.push(check(g, GRANT_FIELDS, `grant item ${g.sk} changed or was removed during the sync`));
  for (const key of puts)
    parts.push({
      item: { Put: { TableName: table, Item: unconfirmed(key), ...newOrUnconfirmed } },
      what: `key ${key} was recorded by another sync`,
    });
  const costs = commit.costPuts.map((c) => ({ pk, sk: costSk(c.day), ...c }));
  if (costs.length <= room) {
    room -= costs.length;
    for (const Item of costs) parts.push({ item: { Put: { TableName: table, Item } }, what: Item.sk });
  } else {
    // A backfill: cost days are provider facts and idempotent, so they may land before the
    // version-checked part; a lost race only re-writes the same days.
    writeRequests += await batchPut(doc, table, costs);
  }
  // Retired keys' TTLs take what room is left: the next run sets the others.
  for (const { key, ttl } of takeRoom(commit.alertTtls ?? [])[0])
    parts.push({
      item: {
        Update: {
          TableName: table,
          Key: alertKey(key),
          UpdateExpression: 'SET #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':ttl': ttl },
        },
      },
      what: `key ${key} was deleted during the sync`,
    });

  try {
    await write(new TransactWriteCommand({ TransactItems: parts.map((p) => p.item) }));
  } catch (error) {
    throw await whyCanceled(error);
  }

  await inParallel(lateDeletes, (key) => write(new DeleteCommand({ TableName: table, Key: alertKey(key) })));
  await inParallel(lateDiscards, (key) =>
    unlessConditionFails(
      write(new DeleteCommand({ TableName: table, Key: alertKey(key), ...ifUnconfirmed })),
    ),
  );
  const written = [...puts];
  await inParallel(latePuts, async (key) => {
    const put = new PutCommand({ TableName: table, Item: unconfirmed(key), ...newOrUnconfirmed });
    if (await unlessConditionFails(write(put))) written.push(key);
  });

  if (written.length > 0 || unchecked.length > 0) {
    // This attempt's keys stay unconfirmed (armed): the next attempt re-fires or discards them.
    const changed = await grantsChangedSince(doc, table, pk, grants);
    if (changed) throw new ConcurrentSyncError(`${prefix}: ${changed}`);
  }

  const confirmed = new Set<string>();
  await inParallel(written, async (key) => {
    const confirm = new UpdateCommand({
      TableName: table,
      Key: alertKey(key),
      UpdateExpression: 'SET #s = :pending REMOVE attempt',
      ConditionExpression: 'attempt = :attempt',
      ExpressionAttributeNames: status,
      ExpressionAttributeValues: { ':pending': 'pending', ':attempt': attempt },
    });
    if (await unlessConditionFails(write(confirm))) confirmed.add(key);
  });
  return { writeRequests, recorded: [...records.keys()].filter((key) => confirmed.has(key)) };

  /** The transaction's failure as the sync sees it: a race to start over from, or a bad item. */
  async function whyCanceled(error: unknown): Promise<Error> {
    if (!(error instanceof TransactionCanceledException)) return error as Error;
    const failed = (error.CancellationReasons ?? []).flatMap((r, i) =>
      r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict' ? [parts[i] as Part] : [],
    );
    if (failed.length === 0) return error;
    for (const part of failed) {
      if (!part.loaded) continue;
      const problems = await numbersThatCannotMatch(doc, table, pk, part.loaded, prefix);
      if (problems.length > 0) return new StoredItemError(problems);
    }
    return new ConcurrentSyncError(`${prefix}: ${failed.map((p) => p.what).join('; ')}`);
  }
}
