import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ACCOUNT_GROUP, type AlertDeliveryStore, type AlertRecord, type DeliveryGroup } from '../ports.ts';
import { accountPk, alertSk } from './keys.ts';

/**
 * Where a recipient group's state lives in an ALERT# item: the account group's at the top level (so
 * items written before groups existed read as its state), another group's under `groups.<group>`.
 * `#s` is always `status`; `at(x)` names attribute x of the group's state.
 */
function groupPath(group: DeliveryGroup) {
  if (group === ACCOUNT_GROUP)
    return { at: (x: string) => x, names: { '#s': 'status' } as Record<string, string>, notUnconfirmed: '' };
  return {
    at: (x: string) => `#groups.#g.${x}`,
    names: { '#s': 'status', '#groups': 'groups', '#g': group } as Record<string, string>,
    // A key a sync wrote and has not confirmed is armed, not due: no group of it may be claimed.
    notUnconfirmed: '#s <> :unconfirmed AND ',
  };
}

/** Conditional writes on ALERT# items: two runs can never both hold the claim on one key and group. */
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
    group: DeliveryGroup = ACCOUNT_GROUP,
  ): Promise<boolean> {
    const { at, names, notUnconfirmed } = groupPath(group);
    const status = at('#s');
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: alertSk(key) },
        UpdateExpression: `SET ${status} = :claimed, ${at('claimedAt')} = :now, ${at('claimToken')} = :token`,
        ConditionExpression: `${notUnconfirmed}(${status} = :pending OR (${status} = :claimed AND ${at('claimedAt')} < :stale))`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':claimed': 'claimed',
          ':pending': 'pending',
          ':now': now,
          ':token': token,
          ':stale': staleBefore,
          ...(notUnconfirmed && { ':unconfirmed': 'unconfirmed' }),
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
    group: DeliveryGroup = ACCOUNT_GROUP,
  ): Promise<void> {
    const { at, names } = groupPath(group);
    // If the claim went stale and another run took it over, that run owns the key now.
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: alertSk(key) },
        UpdateExpression: `SET ${at('#s')} = :sent, ${at('sentAt')} = :now, ${at('messageId')} = :id REMOVE ${at('claimToken')}`,
        ConditionExpression: `${at('claimToken')} = :token`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':sent': 'sent', ':now': now, ':id': messageId, ':token': token },
      }),
    );
  }

  async release(
    accountId: string,
    key: string,
    token: string,
    group: DeliveryGroup = ACCOUNT_GROUP,
  ): Promise<void> {
    const { at, names } = groupPath(group);
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: alertSk(key) },
        UpdateExpression: `SET ${at('#s')} = :pending REMOVE ${at('claimToken')}, ${at('claimedAt')}`,
        ConditionExpression: `${at('claimToken')} = :token`,
        ExpressionAttributeNames: names,
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
