import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountConfigInput } from '../schemas/account-config.ts';
import type { GrantInput } from '../schemas/grant.ts';
import { accountPk, CONFIG_SK, grantSk } from './keys.ts';

/**
 * Writes for operators (CLI): config items and grants as plain attributes, exactly the JSON people
 * would type in the console. Callers validate first: nothing invalid reaches this class.
 */
export class DynamoAdminStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getConfig(accountId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: CONFIG_SK },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...config } = out.Item;
    return config;
  }

  /** `expected`: the item as read before an edit; the write fails if someone changed it meanwhile. */
  async putConfig(config: AccountConfigInput, expected?: Record<string, unknown>): Promise<void> {
    const condition = expected ? sameItemCondition(expected) : undefined;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: accountPk(config.id), sk: CONFIG_SK, ...config },
        ...condition,
      }),
    );
  }

  async putGrant(accountId: string, grant: GrantInput): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: accountPk(accountId), sk: grantSk(grant.id), ...grant },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
}

/** A condition that holds only while every attribute still has the value that was read. */
function sameItemCondition(expected: Record<string, unknown>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts = Object.entries(expected).map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:v${i}`] = value;
    return `#a${i} = :v${i}`;
  });
  if (parts.length === 0) return { ConditionExpression: 'attribute_exists(pk)' };
  return {
    ConditionExpression: ['attribute_exists(pk)', ...parts].join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
