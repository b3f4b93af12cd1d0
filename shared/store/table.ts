import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

/** The single source of the table's key schema: used by the CDK stack and `burnrate table create`. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/**
 * An inverted index: Query sk = 'CONFIG' lists every account's config item (even one a bad hand
 * edit made invalid, so the sync can report it), and sk = 'STATE' every account's last sync.
 */
export const ACCOUNTS_INDEX = {
  name: 'byKind',
  partitionKey: 'sk',
  sortKey: 'pk',
  nonKeyAttributes: ['enabled', 'lastSyncAt'],
} as const;

/**
 * The item attribute DynamoDB's TTL reads (epoch seconds): set on alert keys that can never fire
 * again (shared/core/alert-retirement.ts), so past months' keys leave the partition a sync reads,
 * and on used guard links a day past their expiry.
 */
export const TTL_ATTRIBUTE = 'ttl';

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACCOUNTS_INDEX.name,
        KeySchema: [
          { AttributeName: ACCOUNTS_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: ACCOUNTS_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ACCOUNTS_INDEX.nonKeyAttributes] },
      },
    ],
  };
}

/** Creates the table unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  let result: 'created' | 'exists' = 'exists';
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      result = 'created';
    } catch (createError) {
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
  }
  for (let i = 0; i < 120; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') {
      // As the CDK stack does (infra/stateful-stack.ts).
      if (result === 'created')
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
          }),
        );
      return result;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
