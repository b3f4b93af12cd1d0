import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BurnrateFunction } from './burnrate-function.ts';

export interface UpkeepFunctionProps {
  table: ITable;
  indexArn: string;
  /** Operator notices go here (the alarms' topic): the upkeep has no SES. */
  operatorTopic: ITopic;
  topicKey: IKey;
  stage: string;
  /** Accounts worked on at once. */
  concurrency: number;
}

/** Hourly, so a due account (a new UTC day, a config change, a failed write) waits at most an hour. */
export const UPKEEP_SCHEDULE = 'rate(1 hour)';

/**
 * The upkeep: project names and the provider's hard limits kept in step with the config, outside
 * the sync (whose 2 provider requests per run and 60 s timeout stay as they are). Its own role:
 * the table (read, and put its own items), the admin keys under burnrate/ (the keys can write
 * limits, so only this function and the sync read them), and publishing operator notices to the
 * operator topic; no SES, no queue.
 */
export class UpkeepFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: UpkeepFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.fn = new BurnrateFunction(this, 'Upkeep', {
      entry: 'functions/lambda/upkeep.ts',
      description: 'burnrate: project names and hard limits kept in step, for each account that is due',
      // Accounts not reached in time stay due and are taken by the next hourly run.
      timeout: Duration.minutes(10),
      memorySize: 512,
      environment: {
        BURNRATE_TABLE: props.table.tableName,
        BURNRATE_OPERATOR_TOPIC_ARN: props.operatorTopic.topicArn,
        BURNRATE_STAGE: props.stage,
        BURNRATE_CONCURRENCY: String(props.concurrency),
      },
    }).fn;
    const fn = this.fn;
    // Query loads an account and lists accounts (byKind); PutItem writes PROJECTS, LIMITS, AUDIT#
    // and the raised ALERT# items (LIMITS and its audits in one TransactWriteItems of Puts).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:PutItem'],
        resources: [props.table.tableArn, props.indexArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: 'burnrate/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [props.operatorTopic.topicArn] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.topicKey.keyArn],
      }),
    );
    // What it means: every hour, all day; provider work only for the accounts that are due.
    new Schedule(this, 'Schedule', {
      schedule: ScheduleExpression.expression(UPKEEP_SCHEDULE),
      target: new LambdaInvoke(fn, {}),
      description: `burnrate: upkeep of every due account (${UPKEEP_SCHEDULE})`,
    });
  }
}
