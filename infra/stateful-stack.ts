import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { ACCOUNTS_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../shared/store/table.ts';

/**
 * What must survive a redeploy or a `cdk destroy`: the table with the ledger, config items and
 * alert state. Key schema and index come from shared/store/table.ts, the same source as
 * `burnrate table create`.
 */
export class StatefulStack extends Stack {
  readonly table: Table;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // AWS-owned keys would do; the AWS-managed key adds CloudTrail-visible key use at no key
      // cost. A customer-managed key is not needed: no secret is ever stored in this table.
      encryption: TableEncryption.AWS_MANAGED,
      // Items that may go after a while carry `ttl` (epoch seconds): alert keys of past months that
      // can never fire again (so the one Query a sync makes stays bounded) and used guard links a
      // day past their expiry. Cost days and grants never get one.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Config and grant edits are checked within a minute (infra/constructs/config-edit-function.ts).
      // Both images: the check logs which attributes an edit changed (names, never values), and a
      // deleted grant's record still names it. The check itself re-reads the account.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: ACCOUNTS_INDEX.name,
      partitionKey: { name: ACCOUNTS_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ACCOUNTS_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...ACCOUNTS_INDEX.nonKeyAttributes],
    });
  }
}
