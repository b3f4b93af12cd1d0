import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { impreciseNumbers, sameItem } from './item-conditions.ts';
import { GRANT_PREFIX } from './keys.ts';

type Row = Record<string, unknown>;

/** An item as a sync loaded it: its sort key and its attributes (pk and sk left out). */
export interface LoadedItem {
  sk: string;
  row: Row;
}

/**
 * Reads every GRANT# item of the partition again (consistent) and says which one was added,
 * changed or removed since `loaded`, or undefined if none was.
 */
export async function grantsChangedSince(
  doc: DynamoDBDocumentClient,
  table: string,
  pk: string,
  loaded: readonly LoadedItem[],
): Promise<string | undefined> {
  const stored = new Map<string, Row>();
  let startKey: Row | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :grant)',
        ExpressionAttributeValues: { ':pk': pk, ':grant': GRANT_PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const { pk: _pk, sk, ...row } of page.Items ?? []) stored.set(String(sk), row);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  for (const g of loaded) {
    const now = stored.get(g.sk);
    if (!now || !sameItem(now, g.row)) return `grant item ${g.sk} changed or was removed during the sync`;
    stored.delete(g.sk);
  }
  const [added] = stored.keys();
  return added === undefined ? undefined : `grant item ${added} was added during the sync`;
}

/**
 * A condition comparing an item with what was read fails on an item that reads back exactly as
 * read when one of its numbers has more digits than a JavaScript number holds (it was rounded on
 * the way in): it would fail at every run, so it is a bad edit to report, naming item and field.
 */
export async function numbersThatCannotMatch(
  doc: DynamoDBDocumentClient,
  table: string,
  pk: string,
  loaded: LoadedItem,
  prefix: string,
): Promise<string[]> {
  const key = { pk, sk: loaded.sk };
  const now = await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  if (!now.Item) return [];
  const { pk: _pk, sk: _sk, ...row } = now.Item;
  if (!sameItem(row, loaded.row)) return [];
  const raw = await doc.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: pk }, sk: { S: loaded.sk } },
      ConsistentRead: true,
    }),
  );
  const { pk: _rawPk, sk: _rawSk, ...attributes } = raw.Item ?? {};
  return impreciseNumbers(attributes).map(
    (number) =>
      `${prefix}: item ${loaded.sk}: ${number} has more digits than burnrate can compare (a JavaScript number holds 15 to 17); write it with fewer`,
  );
}
