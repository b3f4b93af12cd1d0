import {
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import type { TableInspection } from '../use-cases/doctor.ts';
import { createTableInput } from './table.ts';

/**
 * DescribeTable, compared with what `createTableInput` (the CDK stack and `burnrate table create`)
 * makes: key schema and attribute types, the byKind index's keys and that it projects what the
 * account listing reads. Read-only. Network and permission errors are thrown.
 */
export async function inspectTable(client: DynamoDBClient, tableName: string): Promise<TableInspection> {
  let table: DescribeTableCommandOutput;
  try {
    table = await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { exists: false, tableName };
    throw error;
  }
  const actual = table.Table ?? {};
  const expected = createTableInput(tableName);
  const problems: string[] = [];
  const keys = (schema: ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ') || '(none)';
  const types = new Map((actual.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  if (keys(actual.KeySchema) !== keys(expected.KeySchema)) {
    problems.push(`key schema: expected ${keys(expected.KeySchema)}, got ${keys(actual.KeySchema)}`);
  }
  for (const def of expected.AttributeDefinitions ?? []) {
    const got = types.get(def.AttributeName);
    if (got !== undefined && got !== def.AttributeType)
      problems.push(`attribute ${def.AttributeName}: expected type ${def.AttributeType}, got ${got}`);
  }
  for (const want of expected.GlobalSecondaryIndexes ?? []) {
    const index = actual.GlobalSecondaryIndexes?.find((i) => i.IndexName === want.IndexName);
    if (!index) {
      problems.push(`index ${want.IndexName}: missing (the account listing queries it)`);
      continue;
    }
    if (keys(index.KeySchema) !== keys(want.KeySchema))
      problems.push(
        `index ${want.IndexName}: expected keys ${keys(want.KeySchema)}, got ${keys(index.KeySchema)}`,
      );
    const projection = index.Projection?.ProjectionType;
    const projected = new Set(index.Projection?.NonKeyAttributes ?? []);
    const missing = (want.Projection?.NonKeyAttributes ?? []).filter((a) => !projected.has(a));
    if (projection !== 'ALL' && (projection !== 'INCLUDE' || missing.length > 0))
      problems.push(
        `index ${want.IndexName}: projection ${projection ?? '(none)'} lacks ${missing.join(', ') || 'attributes'}; expected INCLUDE ${(want.Projection?.NonKeyAttributes ?? []).join(', ')}`,
      );
    if (index.IndexStatus && index.IndexStatus !== 'ACTIVE')
      problems.push(`index ${want.IndexName}: ${index.IndexStatus}, not ACTIVE yet`);
  }
  return { exists: true, tableName, status: actual.TableStatus ?? 'UNKNOWN', problems };
}
