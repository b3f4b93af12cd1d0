import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { AccountItems, AccountStore, AlertRecord, SyncCommit } from '../ports.ts';
import { formatIssues } from '../schemas/invalid-input.ts';
import {
  costDaySchema,
  freezeItemSchema,
  limitsItemSchema,
  projectsItemSchema,
  reconciledSchema,
  StoredItemError,
  stateSchema,
  storedAlertSchema,
} from './item-schemas.ts';
import { accountIdOfPk, accountPk, CONFIG_SK, kindOfSortKey } from './keys.ts';
import { commitSyncItems } from './sync-commit.ts';

export { StoredItemError } from './item-schemas.ts';

type Row = Record<string, unknown>;

/** The account store on one DynamoDB table (see keys.ts for the layout). */
export class DynamoAccountStore implements AccountStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly accountsIndex = 'byKind',
  ) {}

  async loadAccount(accountId: string): Promise<AccountItems> {
    const items: AccountItems = {
      accountId,
      grants: [],
      grantKeys: [],
      costs: [],
      alerts: [],
      unconfirmed: [],
    };
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
            items.grantKeys?.push(key);
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
            const alert = read(storedAlertSchema, row, key);
            // A key a sync wrote but never confirmed is still armed (see sync-commit.ts).
            if (alert?.status === 'unconfirmed') items.unconfirmed?.push(alert.key);
            else if (alert) items.alerts.push(alert as AlertRecord);
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
          case 'freeze': {
            const freeze = read(freezeItemSchema, row, key);
            if (freeze) items.freezes = [...(items.freezes ?? []), freeze];
            break;
          }
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

  /** See sync-commit.ts: the version and what the sync loaded are checked; fired keys are confirmed last. */
  commitSync(commit: SyncCommit): Promise<{ writeRequests: number; recorded: string[] }> {
    return commitSyncItems(this.doc, this.tableName, commit);
  }
}
