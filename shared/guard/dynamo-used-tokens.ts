import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { accountPk, tokenSk } from '../store/keys.ts';
import { TTL_ATTRIBUTE } from '../store/table.ts';
import type { TokenUse, UsedTokens } from './actions.ts';

/** Kept a day past the link's expiry (an expired link is refused anyway; this is for reading the log). */
const KEEP_AFTER_EXPIRY_S = 86_400;

const usedSchema = z.object({ usedAt: z.iso.datetime() });

/**
 * Used guard links as `TOKEN#<nonce>` items in the account's partition: the first POST's
 * conditional put (`attribute_not_exists`) wins, every later one reads the first one's time.
 * The items carry no token and no key: only the nonce, what it was for, and when it was used.
 */
export class DynamoUsedTokens implements UsedTokens {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async usedAt(accountId: string, nonce: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: tokenSk(nonce) },
        ConsistentRead: true,
      }),
    );
    return Item ? this.read(Item, accountId, nonce) : undefined;
  }

  async consume(use: TokenUse): Promise<{ consumed: true } | { consumed: false; usedAt: string }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: accountPk(use.accountId),
            sk: tokenSk(use.nonce),
            action: use.action,
            projectId: use.projectId,
            incident: use.incident,
            usedAt: use.usedAt,
            [TTL_ATTRIBUTE]: Math.floor(use.expiresAt.getTime() / 1000) + KEEP_AFTER_EXPIRY_S,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { consumed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The first use's time comes back with the refusal; a store that does not return it is asked.
      const old = error.Item?.usedAt?.S ?? (await this.usedAt(use.accountId, use.nonce));
      return { consumed: false, usedAt: this.read({ usedAt: old }, use.accountId, use.nonce) };
    }
  }

  async unconsume(accountId: string, nonce: string, usedAt: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: accountPk(accountId), sk: tokenSk(nonce) },
          // Only our own use: never free a link someone else's request consumed.
          ConditionExpression: 'usedAt = :at',
          ExpressionAttributeValues: { ':at': usedAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private read(item: Record<string, unknown>, accountId: string, nonce: string): string {
    const parsed = usedSchema.safeParse(item);
    if (parsed.success) return parsed.data.usedAt;
    throw new Error(
      `account ${accountId}: item ${tokenSk(nonce)}: usedAt: expected an ISO instant, got ${JSON.stringify(item.usedAt)}`,
    );
  }
}
