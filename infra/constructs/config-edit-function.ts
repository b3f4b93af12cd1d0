import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarmAction, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_EDIT_FILTERS } from '../../shared/store/config-edit-stream.ts';
import type { BurnrateContext } from '../context.ts';
import { BurnrateFunction } from './burnrate-function.ts';

export interface ConfigEditFunctionProps {
  /** The table, with its stream (infra/stateful-stack.ts). */
  table: ITable;
  settings: BurnrateContext;
  /** Delivered alerts go to chat too, as from the sync. */
  alertsTopic: ITopic;
  topicKey: IKey;
  /** Raised when an edit could not be checked (its stream record reached the DLQ). */
  alarmAction: IAlarmAction;
}

/**
 * "Did my edit work?": the table's stream, filtered to the config and grant items, drives a small
 * function that checks each edited account within a minute: a bad edit emails the operator (the
 * sync's invalid-config notice), a valid one re-evaluates the alerts from the stored costs and
 * sends what fired (no provider request, so no admin key). Failed records are retried twice, then
 * their stream position goes to a DLQ and the operator is alarmed; the next scheduled sync checks
 * the account anyway.
 */
export class ConfigEditFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly deadLetters: Queue;
  /** Its dead-letter alarm (the dashboard shows every alarm's state). */
  readonly deadLettersAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ConfigEditFunctionProps) {
    super(scope, id);
    const { table, settings } = props;
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // 60 s: one Query, one commit and an email or two, with the 25 s a send needs in reserve.
    this.fn = new BurnrateFunction(this, 'Handler', {
      entry: 'functions/lambda/config-edit.ts',
      description: 'burnrate: check config and grant edits within a minute (stream), from stored costs',
      timeout: Duration.seconds(60),
      environment: {
        BURNRATE_TABLE: table.tableName,
        BURNRATE_SENDER: settings.senderEmail,
        BURNRATE_OPERATOR_EMAIL: settings.operatorEmail,
        BURNRATE_ALERTS_TOPIC_ARN: props.alertsTopic.topicArn,
        BURNRATE_STAGE: settings.stage,
      },
    }).fn;
    const fn = this.fn;
    fn.addEventSource(
      new DynamoEventSource(table, {
        // Edits from now on: a deploy does not replay the last 24 hours of the stream.
        startingPosition: StartingPosition.LATEST,
        batchSize: 25,
        // Only CONFIG and GRANT# items (shared/store/config-edit-stream.ts): burnrate's own writes
        // (STATE, ALERT#, COST#, LIMITS…) never invoke the function.
        filters: CONFIG_EDIT_FILTERS.map((pattern) => FilterCriteria.filter(pattern)),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 2,
        // Past an hour the scheduled syncs have checked the account several times over.
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.deadLetters),
      }),
    );
    // Item-level only, the table (no index, no scan, no batch write): Query loads the account,
    // GetItem reads an item back when a commit's condition fails; the commit's transaction puts
    // STATE and ALERT# items, checks CONFIG and GRANT#, deletes re-armed keys; delivery claims,
    // marks and releases ALERT# items.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [table.tableArn],
      }),
    );
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [settings.senderDomain ?? settings.senderEmail, ...settings.sandboxRecipients].map(
          (name) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name }),
        ),
        conditions: { StringEquals: { 'ses:FromAddress': settings.senderEmail } },
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [props.alertsTopic.topicArn] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.topicKey.keyArn],
      }),
    );
    this.deadLettersAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription:
        'burnrate: a config or grant edit could not be checked (its stream record is in the DLQ); the next scheduled sync checks the account',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm.addAlarmAction(props.alarmAction);
  }
}
