import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertDeliveryStore, AlertRecord } from '../ports.ts';
import { accountPk, alertSk } from './keys.ts';

/** Conditional writes on ALERT# items: two runs can never both hold the claim on one key. */
export class DynamoAlertStore implements AlertDeliveryStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    accountId: string,
    key: string,
    token: string,
    now: string,
    staleBefore: string,
  ): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: alertSk(key) },
        UpdateExpression: 'SET #s = :claimed, claimedAt = :now, claimToken = :token',
        ConditionExpression: '#s = :pending OR (#s = :claimed AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':claimed': 'claimed',
          ':pending': 'pending',
          ':now': now,
          ':token': token,
          ':stale': staleBefore,
        },
      }),
    );
  }

  async markSent(
    accountId: string,
    key: string,
    token: string,
    messageId: string,
    now: string,
  ): Promise<void> {
    // If the claim went stale and another run took it over, that run owns the key now.
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: alertSk(key) },
        UpdateExpression: 'SET #s = :sent, sentAt = :now, messageId = :id REMOVE claimToken',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':now': now, ':id': messageId, ':token': token },
      }),
    );
  }

  async release(accountId: string, key: string, token: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: alertSk(key) },
        UpdateExpression: 'SET #s = :pending REMOVE claimToken, claimedAt',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':token': token },
      }),
    );
  }

  async raise(accountId: string, record: AlertRecord): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: accountPk(accountId), sk: alertSk(record.key), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async rearm(accountId: string, key: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: accountPk(accountId), sk: alertSk(key) } }),
    );
  }

  private async conditional(command: UpdateCommand | PutCommand): Promise<boolean> {
    try {
      await this.doc.send(command as UpdateCommand);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
