import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  type AccountItems,
  type AuditRecord,
  ConcurrentSyncError,
  type FreezeRecord,
  type GuardAuditRecord,
  type GuardStore,
} from '../ports.ts';
import { formatIssues } from '../schemas/invalid-input.ts';
import { DynamoAccountStore } from './dynamo-account-store.ts';
import { unlessConditionFails } from './dynamo-requests.ts';
import { auditItemSchema, StoredItemError } from './item-schemas.ts';
import { AUDIT_PREFIX, accountPk, freezeSk, guardAuditSk } from './keys.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const STEPS = [
  'guard-proposed',
  'guard-approved',
  'hard-limit-set',
  'guard-already-limited',
  'guard-failed',
  'guard-applied',
  'guard-released',
  'guard-reminded',
];
const stepOrder = (action: string) => STEPS.indexOf(action);

/**
 * The guard's items on the one table: `FREEZE#<projectId>` (version-checked, so the page, a run and
 * the CLI never both act) and its `AUDIT#…` steps, written in one transaction with it.
 */
export class DynamoGuardStore implements GuardStore {
  private readonly accounts: DynamoAccountStore;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.accounts = new DynamoAccountStore(doc, tableName);
  }

  loadAccount(accountId: string): Promise<AccountItems> {
    return this.accounts.loadAccount(accountId);
  }

  async putFreeze(
    accountId: string,
    record: FreezeRecord,
    expectedVersion: number,
    audits: readonly GuardAuditRecord[],
  ): Promise<void> {
    const pk = accountPk(accountId);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: freezeSk(record.projectId), ...record },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':v': expectedVersion },
        },
      },
      ...audits.map((a) => this.auditPut(pk, a)),
    ];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some(
          (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
        )
      )
        throw new ConcurrentSyncError(
          `account ${accountId}: the freeze of ${record.projectId} was changed by another process first`,
        );
      throw error;
    }
  }

  async putAudits(accountId: string, audits: readonly GuardAuditRecord[]): Promise<void> {
    const pk = accountPk(accountId);
    for (const a of audits)
      await unlessConditionFails(this.doc.send(new PutCommand(this.auditPut(pk, a).Put as never)));
  }

  async listAudit(accountId: string): Promise<Array<AuditRecord | GuardAuditRecord>> {
    const out: Array<AuditRecord | GuardAuditRecord> = [];
    const problems: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
          ExpressionAttributeValues: { ':pk': accountPk(accountId), ':audit': AUDIT_PREFIX },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const { pk: _pk, sk, ...row } of page.Items ?? []) {
        const parsed = auditItemSchema.safeParse(row);
        if (parsed.success) out.push(parsed.data);
        else problems.push(...formatIssues(`account ${accountId}: item ${String(sk)}`, parsed.error, row));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (problems.length > 0) throw new StoredItemError(problems);
    // By time, and the steps of one instant in the order they happen (a frozen test clock, or a
    // proposal and an auto freeze in the same millisecond, would otherwise sort by name).
    return out.sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : stepOrder(a.action) - stepOrder(b.action),
    );
  }

  /** Create-once: a step is recorded once, whoever retries it. */
  private auditPut(pk: string, a: GuardAuditRecord): TransactItem & { Put: object } {
    return {
      Put: {
        TableName: this.tableName,
        Item: { pk, sk: guardAuditSk(a.at, a.scope, a.action), ...a },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}
