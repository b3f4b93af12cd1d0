import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentSyncError } from '../ports.ts';
import type { AccountConfigInput } from '../schemas/account-config.ts';
import type { GrantInput } from '../schemas/grant.ts';
import type { CheckpointCommit } from '../use-cases/checkpoint.ts';
import { TRANSACTION_LIMIT } from './dynamo-requests.ts';
import { CONFIG_FIELDS, GRANT_FIELDS, unchangedCondition } from './item-conditions.ts';
import { accountPk, CONFIG_SK, grantSk, RECONCILED_SK, STATE_SK } from './keys.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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
    const condition = expected ? unchangedCondition(expected, CONFIG_FIELDS) : undefined;
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

  /**
   * A checkpoint in ONE TransactWriteItems: every grant item replaced (each only if it is still as
   * read), the added grants created (only if new), the RECONCILED item, and the STATE version
   * bumped (only if it is still the version read). A sync that loaded the account before this
   * commits against the old version, fails, and starts over on the checkpointed grants.
   */
  async commitCheckpoint(commit: CheckpointCommit): Promise<void> {
    const pk = accountPk(commit.accountId);
    const items: TransactItem[] = [
      ...commit.replace.map(
        ({ before, after }): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: { pk, sk: grantSk(after.id), ...after },
            ...unchangedCondition(before, GRANT_FIELDS),
          },
        }),
      ),
      ...commit.add.map(
        (grant): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: { pk, sk: grantSk(grant.id), ...grant },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
      { Put: { TableName: this.tableName, Item: { pk, sk: RECONCILED_SK, ...commit.reconciled } } },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: STATE_SK },
          UpdateExpression: 'SET #version = :next',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(commit.expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':next': 1 } }
            : {
                ConditionExpression: '#version = :loaded',
                ExpressionAttributeValues: {
                  ':loaded': commit.expectedVersion,
                  ':next': commit.expectedVersion + 1,
                },
              }),
        },
      },
    ];
    if (items.length > TRANSACTION_LIMIT) {
      throw new Error(
        `account ${commit.accountId}: a checkpoint writes ${items.length} items, more than one DynamoDB transaction takes (${TRANSACTION_LIMIT})`,
      );
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
      ) {
        throw new ConcurrentSyncError(
          `account ${commit.accountId}: changed while checkpointing (a sync or an edit committed first)`,
        );
      }
      throw error;
    }
  }
}
