import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  type AuditRecord,
  ConcurrentSyncError,
  type LimitsCommit,
  type ProjectsRecord,
  type UpkeepStore,
} from '../ports.ts';
import { accountPk, alertSk, auditSk, LIMITS_SK, PROJECTS_SK } from './keys.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The upkeep's items (PROJECTS, LIMITS, AUDIT#, and the alert keys it raises) on the one table. */
export class DynamoUpkeepStore implements UpkeepStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A listing replaces the last one whole: it is a fact of the provider, idempotent. */
  async putProjects(accountId: string, record: ProjectsRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: accountPk(accountId), sk: PROJECTS_SK, ...record },
      }),
    );
  }

  async commitLimits(commit: LimitsCommit): Promise<void> {
    const pk = accountPk(commit.accountId);
    const createOnce = (sk: string, row: object): TransactItem => ({
      Put: {
        TableName: this.tableName,
        Item: { pk, sk, ...row },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: LIMITS_SK, ...commit.limits },
          ConditionExpression: commit.expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues:
            commit.expectedVersion === 0 ? undefined : { ':v': commit.expectedVersion },
        },
      },
      ...commit.audits.map((a: AuditRecord) => createOnce(auditSk(a.at, a.scope), a)),
      ...commit.alerts.map((a) => createOnce(alertSk(a.key), a)),
    ];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
      ) {
        throw new ConcurrentSyncError(
          `account ${commit.accountId}: another upkeep changed the LIMITS item first`,
        );
      }
      throw error;
    }
  }
}
