import { PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDocumentClient } from '../../shared/clients.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';
import { startCountingProxy } from '../bench/cost/counting-proxy.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';

// The cost bench's DynamoDB figures come through this proxy: it must count every request by
// operation and sum the capacity DynamoDB Local answers when asked for ReturnConsumedCapacity.
const ddb = useDynamoDbLocal();
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let table: string;

beforeAll(async () => {
  proxy = await startCountingProxy(ddb.endpoint, { dynamo: true });
  table = await ddb.freshTable('proxy');
});
afterAll(() => proxy.stop());

describe('the cost bench counting proxy, in front of DynamoDB Local', () => {
  it('counts each request by operation and sums the units DynamoDB answers to a question the code never asked', async () => {
    const doc = toDocumentClient(localDynamoClient(proxy.endpoint));
    proxy.reset();
    const item = { TableName: table, Item: { pk: 'A#1', sk: 'X', v: 1 } };
    const created = await doc.send(new PutCommand(item));
    const overwritten = await doc.send(new PutCommand(item));
    const read = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'A#1' },
      }),
    );
    expect(read.Items).toHaveLength(1);
    expect([...proxy.counts.requests]).toEqual([
      ['PutItem', 2],
      ['Query', 1],
    ]);
    // The answers carry the capacity the proxy asked for, and it adds them up.
    const units = (r: { ConsumedCapacity?: { CapacityUnits?: number } }) =>
      r.ConsumedCapacity?.CapacityUnits ?? NaN;
    expect(units(overwritten)).toBe(1); // a small item: 1 write unit
    // DynamoDB Local also charges a new item a write to the byKind index it has no key for
    // (DynamoDB skips sparse-index writes), so the bench's write units are an upper bound.
    expect(units(created)).toBe(2);
    expect(proxy.counts.writeUnits).toBe(3);
    expect(proxy.counts.readUnits).toBe(0.5); // eventually consistent, under 4 KB
  });

  it('a transaction of two small puts is counted once, at two write units per item', async () => {
    const doc = toDocumentClient(localDynamoClient(proxy.endpoint));
    proxy.reset();
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: 'A#2', sk: 'X' } } },
          { Put: { TableName: table, Item: { pk: 'A#2', sk: 'Y' } } },
        ],
      }),
    );
    expect([...proxy.counts.requests]).toEqual([['TransactWriteItems', 1]]);
    expect(proxy.counts.writeUnits).toBe(4);
  });
});
