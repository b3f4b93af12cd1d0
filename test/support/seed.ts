import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { accountPk, CONFIG_SK, grantSk } from '../../shared/store/keys.ts';

/**
 * Writes a config item and grants as raw items, the way a person would in the console: nothing is
 * validated, so tests can also seed the bad edits burnrate must report.
 */
export async function seedAccount(
  doc: DynamoDBDocumentClient,
  table: string,
  config: Record<string, unknown> & { id: string },
  grants: Array<Record<string, unknown>> = [],
): Promise<void> {
  await doc.send(
    new PutCommand({ TableName: table, Item: { pk: accountPk(config.id), sk: CONFIG_SK, ...config } }),
  );
  for (const g of grants) {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: accountPk(config.id), sk: grantSk(String(g.id)), ...g },
      }),
    );
  }
}
