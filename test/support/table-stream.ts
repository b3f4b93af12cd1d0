import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

/**
 * A table's stream on DynamoDB Local, read as Lambda's poller reads it: every shard from its start,
 * then from where the last read stopped. Records come in Lambda's event shape (the stream ARN added,
 * the creation time in epoch seconds), ready for a handler.
 */
export async function openTableStream(client: DynamoDBClient, endpoint: string, table: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${table} has no stream (freshTable(…, { stream: true }))`);
  const streams = new DynamoDBStreamsClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  /** Shard id → the iterator to read next (undefined once the shard is closed and read). */
  const next = new Map<string, string | undefined>();

  async function read(): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const { ShardId } of StreamDescription?.Shards ?? []) {
      if (!ShardId) continue;
      if (!next.has(ShardId)) {
        const start = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        next.set(ShardId, start.ShardIterator);
      }
      let iterator = next.get(ShardId);
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        const records = page.Records ?? [];
        for (const r of records) {
          const created = r.dynamodb?.ApproximateCreationDateTime;
          out.push({
            ...r,
            eventSourceARN: streamArn,
            dynamodb: {
              ...r.dynamodb,
              ...(created && { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
            },
          } as DynamoDBRecord);
        }
        iterator = page.NextShardIterator;
        if (records.length === 0) break;
      }
      next.set(ShardId, iterator);
    }
    return out;
  }

  return { streamArn, read, close: () => streams.destroy() };
}

type Rule = string | { prefix: string };
type Pattern = { readonly [field: string]: Pattern | readonly Rule[] };

/**
 * Lambda's event filtering (EventBridge pattern grammar), for the part of it the config-edit
 * mapping uses: nested fields, a list of alternatives, exact strings and `{ prefix }`. Anything
 * else throws rather than guess. A record passes when any pattern matches.
 */
export function passesFilters(record: unknown, patterns: readonly Pattern[]): boolean {
  return patterns.some((p) => matches(p, record));
}

function matches(pattern: Pattern | readonly Rule[], value: unknown): boolean {
  if (Array.isArray(pattern))
    return (pattern as readonly Rule[]).some((rule) => {
      if (typeof rule === 'string') return value === rule;
      if (typeof rule === 'object' && rule !== null && Object.keys(rule).join() === 'prefix')
        return typeof value === 'string' && value.startsWith(rule.prefix);
      throw new Error(`filter rule not emulated here: ${JSON.stringify(rule)}`);
    });
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(pattern as Pattern).every(([field, sub]) =>
    matches(sub, (value as Record<string, unknown>)[field]),
  );
}
