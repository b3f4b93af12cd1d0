import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../shared/ports.ts';
import { SERVICE_NAME } from '../shared/powertools/constants.ts';
import { ACCOUNTS_INDEX } from '../shared/store/table.ts';
import { BurnrateFunction } from './constructs/burnrate-function.ts';
import { ConfigEditFunction } from './constructs/config-edit-function.ts';
import { GuardFunction } from './constructs/guard-function.ts';
import { OperatorAlarms } from './constructs/operator-alarms.ts';
import { OperatorDashboard } from './constructs/operator-dashboard.ts';
import { UpkeepFunction } from './constructs/upkeep-function.ts';
import type { BurnrateContext } from './context.ts';
import { SYNC_SIZING } from './sync-sizing.ts';

export interface StatelessStackProps extends StackProps {
  table: ITable;
  settings: BurnrateContext;
}

// Timeout, batch, concurrency and visibility timeout are sized together: see sync-sizing.ts.
const SYNC_TIMEOUT = Duration.seconds(SYNC_SIZING.timeoutSeconds);

/** Schedule → dispatch → queue (one message per account) → sync-account, and the operator's alarms. */
export class StatelessStack extends Stack {
  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { table, settings } = props;
    const indexArn = `${table.tableArn}/index/${ACCOUNTS_INDEX.name}`;

    const deadLetters = new Queue(this, 'SyncDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new Queue(this, 'SyncQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(SYNC_SIZING.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    });

    const dispatch = new BurnrateFunction(this, 'Dispatch', {
      entry: 'functions/lambda/dispatch.ts',
      description: 'burnrate: one SQS message per enabled account',
      environment: { BURNRATE_TABLE: table.tableName, BURNRATE_QUEUE_URL: queue.queueUrl },
    }).fn;
    dispatch.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn, indexArn] }),
    );
    queue.grantSendMessages(dispatch);

    // One customer-managed key for both topics: CloudWatch alarms cannot publish to a topic
    // encrypted with the AWS-managed alias/aws/sns key (its policy cannot grant CloudWatch).
    const topicKey = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'burnrate: encrypts the operator and alerts SNS topics',
    });
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // Every delivered alert (and digest) as one JSON message, for chat (AWS Chatbot) or any subscriber.
    const alertsTopic = new Topic(this, 'AlertsTopic', { enforceSSL: true, masterKey: topicKey });

    // The guard's approval page (Function URL); the sync puts its links in spike emails and chat.
    const guard = new GuardFunction(this, 'Guard', {
      table,
      stage: settings.stage,
      reservedConcurrency: settings.guardConcurrency,
    });

    const sync = new BurnrateFunction(this, 'SyncAccount', {
      entry: 'functions/lambda/sync-account.ts',
      description: 'burnrate: sync one account, evaluate alerts, send emails',
      timeout: SYNC_TIMEOUT,
      memorySize: 512,
      environment: {
        BURNRATE_TABLE: table.tableName,
        BURNRATE_SENDER: settings.senderEmail,
        BURNRATE_OPERATOR_EMAIL: settings.operatorEmail,
        BURNRATE_STALE_HOURS: '6',
        BURNRATE_ALERTS_TOPIC_ARN: alertsTopic.topicArn,
        BURNRATE_STAGE: settings.stage,
        BURNRATE_GUARD_URL: guard.url.url,
        BURNRATE_GUARD_KEY_SECRET: guard.signingKeySecretName,
        BURNRATE_ACCOUNT_METRICS: String(settings.accountMetrics),
      },
    });
    const syncFn = sync.fn;
    syncFn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: SYNC_SIZING.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: SYNC_SIZING.maxConcurrency,
      }),
    );
    syncFn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [table.tableArn, indexArn],
      }),
    );
    syncFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: 'burnrate/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    // Publish to the alerts topic only; the topic key only to encrypt what it publishes.
    syncFn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [alertsTopic.topicArn] }),
    );
    syncFn.addToRolePolicy(
      new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [topicKey.keyArn] }),
    );

    const identity = new EmailIdentity(this, 'Sender', {
      identity: settings.senderDomain
        ? Identity.domain(settings.senderDomain)
        : Identity.email(settings.senderEmail),
    });
    // SES v2 SendEmail (every email, Content.Simple) is authorized as ses:SendEmail alone, on the
    // identity, with the same ses:FromAddress condition; ses:SendRawEmail is a v1 action.
    syncFn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendEmail'],
        resources: [settings.senderDomain ?? settings.senderEmail, ...settings.sandboxRecipients].map(
          (name) => this.formatArn({ service: 'ses', resource: 'identity', resourceName: name }),
        ),
        conditions: { StringEquals: { 'ses:FromAddress': settings.senderEmail } },
      }),
    );

    // What it means: run the dispatch every period (default every 15 minutes), all day, every day.
    new Schedule(this, 'DispatchSchedule', {
      schedule: ScheduleExpression.expression(settings.schedule),
      target: new LambdaInvoke(dispatch, {}),
      description: `burnrate: sync every account (${settings.schedule})`,
    });

    const topic = new Topic(this, 'OperatorTopic', { enforceSSL: true, masterKey: topicKey });
    topic.addSubscription(new EmailSubscription(settings.operatorEmail));
    const upkeep = new UpkeepFunction(this, 'Upkeep', {
      table,
      indexArn,
      operatorTopic: topic,
      topicKey,
      stage: settings.stage,
      concurrency: 8,
    }).fn;
    // Config and grant edits checked within a minute, from the table's stream (no provider call).
    const configEdit = new ConfigEditFunction(this, 'ConfigEdit', {
      table,
      settings,
      alertsTopic,
      topicKey,
      alarmAction: new SnsAction(topic),
    });
    const functions = {
      Dispatch: dispatch,
      SyncAccount: syncFn,
      Upkeep: upkeep,
      Guard: guard.fn,
      ConfigEdit: configEdit.fn,
    };
    const metrics = {
      namespace: METRICS_NAMESPACE,
      dimensions: { service: SERVICE_NAME, stage: settings.stage },
    };
    const alarms = new OperatorAlarms(this, 'Alarms', {
      topic,
      functions,
      deadLetterQueue: deadLetters,
      syncLogGroup: syncFn.logGroup,
      periodMinutes: settings.periodMinutes,
      metrics,
    });
    const guardAlarm = guard.alarmOnServerErrors(new SnsAction(topic));
    const dashboard = new OperatorDashboard(this, 'Dashboard', {
      stage: settings.stage,
      periodMinutes: settings.periodMinutes,
      functions,
      queue,
      deadLetterQueue: deadLetters,
      syncLogGroup: syncFn.logGroup,
      alarms: [...alarms.alarms, guardAlarm, configEdit.deadLettersAlarm],
      metrics,
      accountMetrics: settings.accountMetrics,
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: dashboard.url,
      description: `The burnrate-${settings.stage} CloudWatch dashboard: sync health, alerts, functions, queue`,
    });
    new CfnOutput(this, 'GuardUrl', {
      value: guard.url.url,
      description: 'The guard approval page (links in spike emails open it; AuthType NONE, signed links)',
    });
    this.exportValue(identity.emailIdentityName, { name: `${id}-SenderIdentity` });
    new CfnOutput(this, 'AlertsTopicArn', {
      value: alertsTopic.topicArn,
      description:
        'SNS topic with one JSON message (burnrate.alert/1) per delivered alert: subscribe chat here',
    });
    if (settings.slack) {
      // Optional: -c slackWorkspaceId=T… -c slackChannelId=C… (authorize the workspace in the
      // AWS Chatbot console first). The channel role gets no permissions: notifications only.
      new SlackChannelConfiguration(this, 'AlertsSlack', {
        slackChannelConfigurationName: `burnrate-${settings.stage}-alerts`,
        slackWorkspaceId: settings.slack.workspaceId,
        slackChannelId: settings.slack.channelId,
        notificationTopics: [alertsTopic],
        // Chatbot applies AdministratorAccess as the guardrail when none is given; the role has no
        // policy anyway, but the guardrail caps what any later change could grant from the channel.
        guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
      });
    }
  }
}
