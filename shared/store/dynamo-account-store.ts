import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { AccountItems, AccountStore, SyncCommit } from '../ports.ts';
import { ConcurrentSyncError } from '../ports.ts';
import { formatIssues, InvalidInputError } from '../schemas/invalid-input.ts';
import {
  alertSchema,
  costDaySchema,
  limitsItemSchema,
  projectsItemSchema,
  reconciledSchema,
  stateSchema,
} from './item-schemas.ts';
import { accountIdOfPk, accountPk, alertSk, CONFIG_SK, costSk, kindOfSortKey, STATE_SK } from './keys.ts';

/** An item burnrate wrote (or someone edited) that no longer reads back: names the item and the field. */
export class StoredItemError extends InvalidInputError {}

type Row = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const TRANSACTION_LIMIT = 100;
const BATCH_LIMIT = 25;

/** The account store on one DynamoDB table (see keys.ts for the layout). */
export class DynamoAccountStore implements AccountStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly accountsIndex = 'byKind',
  ) {}

  async loadAccount(accountId: string): Promise<AccountItems> {
    const items: AccountItems = { accountId, grants: [], costs: [], alerts: [] };
    const problems: string[] = [];
    const read = <T>(schema: z.ZodType<T>, row: Row, sk: string): T | undefined => {
      const result = schema.safeParse(row);
      if (result.success) return result.data;
      problems.push(...formatIssues(`account ${accountId}: item ${sk}`, result.error, row));
      return undefined;
    };
    let startKey: Row | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': accountPk(accountId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const { pk: _pk, sk, ...row } of page.Items ?? []) {
        const key = String(sk);
        switch (kindOfSortKey(key)) {
          case 'config':
            items.config = row;
            break;
          case 'grant':
            items.grants.push(row);
            break;
          case 'cost': {
            const cost = read(costDaySchema, row, key);
            if (cost) items.costs.push(cost);
            break;
          }
          case 'state':
            items.state = read(stateSchema, row, key);
            break;
          case 'alert': {
            const alert = read(alertSchema, row, key);
            if (alert) items.alerts.push(alert);
            break;
          }
          case 'reconciled':
            items.reconciled = read(reconciledSchema, row, key);
            break;
          case 'projects':
            items.projects = read(projectsItemSchema, row, key);
            break;
          case 'limits':
            items.limits = read(limitsItemSchema, row, key);
            break;
          default: // an item of a later version of burnrate: not ours to judge
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (problems.length > 0) throw new StoredItemError(problems);
    return items;
  }

  async listAccounts(): Promise<Array<{ id: string; enabled: boolean }>> {
    const accounts: Array<{ id: string; enabled: boolean }> = [];
    let startKey: Row | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: this.accountsIndex,
          KeyConditionExpression: 'sk = :config',
          ExpressionAttributeValues: { ':config': CONFIG_SK },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const row of page.Items ?? []) {
        const id = accountIdOfPk(String(row.pk));
        // Anything but an explicit `false` counts as enabled, so a bad edit is reported, not skipped.
        if (id) accounts.push({ id, enabled: row.enabled !== false });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return accounts.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async commitSync(commit: SyncCommit): Promise<{ writeRequests: number }> {
    const pk = accountPk(commit.accountId);
    const costs = commit.costPuts.map((c) => ({ pk, sk: costSk(c.day), ...c }));
    const rest: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: STATE_SK, ...commit.state },
          ConditionExpression: commit.expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues:
            commit.expectedVersion === 0 ? undefined : { ':v': commit.expectedVersion },
        },
      },
      ...commit.alertPuts.map(
        (a): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: { pk, sk: alertSk(a.key), ...a },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
      ...commit.alertDeletes.map(
        (key): TransactItem => ({ Delete: { TableName: this.tableName, Key: { pk, sk: alertSk(key) } } }),
      ),
    ];
    let writeRequests = 0;
    let inTransaction = costs;
    if (costs.length + rest.length > TRANSACTION_LIMIT) {
      // A backfill: cost days are provider facts and idempotent, so they may land before the
      // version-checked part; a lost race only re-writes the same days.
      writeRequests += await this.batchPut(costs);
      inTransaction = [];
    }
    const items = [
      ...inTransaction.map((Item): TransactItem => ({ Put: { TableName: this.tableName, Item } })),
      ...rest,
    ];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
      ) {
        throw new ConcurrentSyncError(`account ${commit.accountId}: another sync committed first`);
      }
      throw error;
    }
    return { writeRequests: writeRequests + 1 };
  }

  private async batchPut(rows: Row[]): Promise<number> {
    let requests = 0;
    for (let i = 0; i < rows.length; i += BATCH_LIMIT) {
      let pending = rows.slice(i, i + BATCH_LIMIT).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt > 8) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed`);
        const out = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        requests++;
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
    return requests;
  }
}
