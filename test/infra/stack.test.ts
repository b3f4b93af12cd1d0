import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { CLAIM_TIMEOUT_MS } from '../../shared/compose.ts';
import { REQUEST_TIMEOUT_MS } from '../../shared/providers/http.ts';
import { providerWindowMs } from '../../shared/use-cases/deadline.ts';

const CONTEXT = { senderEmail: 'alerts@acme.example', operatorEmail: 'ops@acme.example' };
let stateful: Template;
let stateless: Template;
let app: App;

beforeAll(() => {
  const built = buildApp(new App({ context: CONTEXT }));
  app = built.app;
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
}, 120_000);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
function statements(t: Template): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}
const actions = (s: Statement) => [s.Action].flat();

describe('stateful stack: the table', () => {
  it('has the key schema and index of shared/store/table.ts, PITR, deletion protection, encryption, and is retained', () => {
    stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'byKind',
            KeySchema: [
              { AttributeName: 'sk', KeyType: 'HASH' },
              { AttributeName: 'pk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['enabled', 'lastSyncAt'] },
          }),
        ],
      }),
    });
  });

  it('lets DynamoDB delete alert keys that can never fire again (TTL on the attribute the store sets)', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });
});

describe('stateless stack', () => {
  it('runs the dispatch every 15 minutes through EventBridge Scheduler', () => {
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchFunction'), 'Arn'] },
      }),
    });
  });

  it('takes another schedule from context', () => {
    const other = buildApp(new App({ context: { ...CONTEXT, schedule: 'rate(1 hour)', stage: 'dev' } }));
    Template.fromStack(other.stateless).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
    });
    expect(other.stateless.stackName).toBe('burnrate-dev');
  }, 120_000);

  it('runs every function on nodejs22.x, arm64, traced, with JSON logs kept three months', () => {
    const fns = stateless.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(5);
    for (const fn of Object.values(fns) as Array<{ Properties: Record<string, unknown> }>) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      expect((fn.Properties.LoggingConfig as { LogFormat: string }).LogFormat).toBe('JSON');
    }
    const logs = Object.values(stateless.findResources('AWS::Logs::LogGroup')) as Array<{
      Properties: { RetentionInDays: number };
    }>;
    expect(logs.map((l) => l.Properties.RetentionInDays)).toEqual([90, 90, 90, 90, 90]);
  });

  it('fans out through a queue with a dead-letter queue, reporting partial batch failures', () => {
    stateless.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
      SqsManagedSseEnabled: true,
    });
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('sizes the sync function so a slow provider fails one account, never a send in flight (infra/sync-sizing.ts)', () => {
    const sync = Object.values(stateless.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('BURNRATE_STALE_HOURS'),
    ) as { Properties: { Timeout: number } };
    const queue = Object.values(stateless.findResources('AWS::SQS::Queue')).find((q) =>
      JSON.stringify(q).includes('RedrivePolicy'),
    ) as { Properties: { VisibilityTimeout: number } };
    // The queue's mapping (the config-edit function has the table stream's).
    const mapping = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).find((m) =>
      JSON.stringify(m).includes('ScalingConfig'),
    ) as {
      Properties: { BatchSize: number; ScalingConfig: { MaximumConcurrency: number } };
    };
    const timeout = sync.Properties.Timeout;
    expect({
      timeout,
      batch: mapping.Properties.BatchSize,
      concurrency: mapping.Properties.ScalingConfig.MaximumConcurrency,
      visibility: queue.Properties.VisibilityTimeout,
    }).toEqual({ timeout: 90, batch: 10, concurrency: 5, visibility: 540 });
    // AWS's advice for an SQS event source: visibility timeout at least six times the function's.
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    // A claim is held at most one invocation: it must never look stale to another run meanwhile.
    expect(timeout * 1000).toBeLessThan(CLAIM_TIMEOUT_MS);
    // The provider's share of an invocation holds three full attempts and their backoff (500 ms, 1 s).
    expect(providerWindowMs(timeout * 1000)).toBeGreaterThanOrEqual(3 * REQUEST_TIMEOUT_MS + 1_500);
  });

  it('alarms to the operator on function errors, dead letters, and a silent heartbeat', () => {
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(alarms).toHaveLength(13);
    for (const a of alarms) expect(JSON.stringify(a.Properties.AlarmActions)).toMatch(/OperatorTopic/);
    const heartbeat = alarms.find((a) => a.Properties.MetricName === 'SuccessfulSyncs');
    expect(heartbeat?.Properties).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      Period: 1800,
      TreatMissingData: 'breaching',
    });
    stateless.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.message = "synced" }' });
    stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@acme.example',
    });
  });

  it('alarms to the operator topic when alerts could not be delivered or published (EMF metrics, missing data is fine)', () => {
    for (const name of ['AlertDeliveryFailed', 'AlertPublishFailed']) {
      stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'burnrate',
        MetricName: name,
        Dimensions: Match.arrayWith([
          { Name: 'service', Value: 'burnrate' },
          { Name: 'stage', Value: 'prod' },
        ]),
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }],
      });
    }
  });

  it('alarms to the operator when a guard freeze or release fails (the sync and the page record it; hourly period)', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'burnrate',
      MetricName: 'GuardActionFailed',
      Dimensions: Match.arrayWith([
        { Name: 'service', Value: 'burnrate' },
        { Name: 'stage', Value: 'prod' },
      ]),
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }],
    });
  });

  it('encrypts both topics with a rotated customer-managed key that CloudWatch alarms may use', () => {
    const topics = Object.values(stateless.findResources('AWS::SNS::Topic')) as Array<{
      Properties: { KmsMasterKeyId: unknown };
    }>;
    expect(topics).toHaveLength(2);
    for (const t of topics)
      expect(t.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^TopicKey/), 'Arn'],
      });
    stateless.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });

  it('gives the sync function the alerts topic and stage, and outputs the topic ARN', () => {
    const sync = Object.values(stateless.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('BURNRATE_SENDER'),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(sync.Properties.Environment.Variables).toMatchObject({
      BURNRATE_ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) },
      BURNRATE_STAGE: 'prod',
    });
    stateless.hasOutput('AlertsTopicArn', { Value: { Ref: Match.stringLikeRegexp('^AlertsTopic') } });
    expect(Object.keys(stateless.findResources('AWS::Chatbot::SlackChannelConfiguration'))).toHaveLength(0);
  });

  it('subscribes an AWS Chatbot Slack channel to the alerts topic when both Slack ids are given', () => {
    const slack = buildApp(
      new App({ context: { ...CONTEXT, slackWorkspaceId: 'T0123ABC', slackChannelId: 'C0456DEF' } }),
    );
    Template.fromStack(slack.stateless).hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABC',
      SlackChannelId: 'C0456DEF',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      GuardrailPolicies: [
        Match.objectLike({
          'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::aws:policy/CloudWatchReadOnlyAccess'])]),
        }),
      ],
    });
    expect(() => buildApp(new App({ context: { ...CONTEXT, slackWorkspaceId: 'T0123ABC' } }))).toThrow(
      /slackWorkspaceId, slackChannelId: pass both/,
    );
  }, 120_000);

  it('verifies the sender identity in SES', () => {
    stateless.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'alerts@acme.example' });
  });
});

describe('the upkeep function (names and hard limits)', () => {
  const upkeepPolicy = () => {
    const [policy] = Object.entries(stateless.findResources('AWS::IAM::Policy')).filter(([id]) =>
      /^UpkeepRole/.test(id),
    ) as Array<[string, { Properties: { PolicyDocument: { Statement: Statement[] } } }]>;
    return policy?.[1].Properties.PolicyDocument.Statement ?? [];
  };

  it('runs hourly through EventBridge Scheduler, with its own 10-minute function', () => {
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UpkeepFunction'), 'Arn'] } }),
    });
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 600,
      Environment: {
        Variables: Match.objectLike({
          BURNRATE_OPERATOR_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^OperatorTopic') },
          BURNRATE_STAGE: 'prod',
        }),
      },
    });
  });

  it('has its own least-privilege role: the table (Query, PutItem), burnrate/* secrets, the operator topic; no SES, no queue, no deletes', () => {
    const granted = upkeepPolicy().flatMap(actions).sort();
    expect(granted).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Query',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'sns:Publish',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('alarms to the operator when the function errors and when an account’s upkeep fails (hourly period)', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^UpkeepFunction') } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }],
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'burnrate',
      MetricName: 'UpkeepFailed',
      Period: 3600,
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }],
    });
  });
});

describe('least privilege', () => {
  it('uses "*" only for X-Ray and the stream mapping\'s ListStreams, which support no resource-level permissions', () => {
    const wildcard = statements(stateless).filter(
      (s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')),
    );
    expect(wildcard.length).toBeGreaterThan(0);
    for (const s of wildcard)
      expect(actions(s).every((a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams')).toBe(true);
  });

  it('scopes SES sending (v2 SendEmail: ses:SendEmail only; the sync and the config-edit check) to the sender identity with a FromAddress condition', () => {
    const ses = statements(stateless).filter((s) => actions(s).some((a) => a.startsWith('ses:')));
    expect(ses).toHaveLength(2);
    for (const s of ses) {
      expect(actions(s)).toEqual(['ses:SendEmail']);
      expect(JSON.stringify(s.Resource)).toContain(':identity/alerts@acme.example');
      expect(s.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'alerts@acme.example' } });
    }
  });

  it('adds verified recipients to the SES resources while the account is in the sandbox', () => {
    const sandbox = buildApp(
      new App({ context: { ...CONTEXT, sandboxRecipients: 'cfo@acme.example, ops@acme.example' } }),
    );
    const ses = statements(Template.fromStack(sandbox.stateless)).filter((s) =>
      actions(s).some((a) => a.startsWith('ses:')),
    );
    const text = JSON.stringify(ses.map((s) => s.Resource));
    for (const id of ['alerts@acme.example', 'cfo@acme.example', 'ops@acme.example'])
      expect(text).toContain(`:identity/${id}`);
  }, 120_000);

  it('lets the sync and the config-edit check publish only to the alerts topic and the upkeep only to the operator topic, and use the topic key for nothing else', () => {
    const policies = Object.entries(stateless.findResources('AWS::IAM::Policy')) as Array<
      [string, { Properties: { PolicyDocument: { Statement: Statement[] } } }]
    >;
    const publishes = (prefix: RegExp) =>
      policies
        .filter(([id]) => prefix.test(id))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .filter((s) => actions(s).some((a) => a.startsWith('sns:')));
    const publishers = policies.filter(([, p]) =>
      p.Properties.PolicyDocument.Statement.some((s) => actions(s).some((a) => a.startsWith('sns:'))),
    );
    expect(publishers.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^ConfigEditHandlerRole/),
      expect.stringMatching(/^SyncAccountRole/),
      expect.stringMatching(/^UpkeepRole/),
    ]);
    for (const role of [/^SyncAccountRole/, /^ConfigEditHandlerRole/]) {
      const [publish] = publishes(role);
      expect(actions(publish as Statement)).toEqual(['sns:Publish']);
      expect(publish?.Resource).toEqual({ Ref: expect.stringMatching(/^AlertsTopic/) });
    }
    const [upkeep] = publishes(/^UpkeepRole/);
    expect(actions(upkeep as Statement)).toEqual(['sns:Publish']);
    expect(upkeep?.Resource).toEqual({ Ref: expect.stringMatching(/^OperatorTopic/) });
    const kms = statements(stateless).filter((s) => actions(s).some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(3);
    for (const k of kms) {
      expect(actions(k).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(k.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TopicKey/), 'Arn'] });
    }
  });

  it('reads secrets only under burnrate/ (and the guard signing key, which is under it too)', () => {
    const sm = statements(stateless).filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    expect(sm.length).toBeGreaterThan(0);
    for (const s of sm) {
      expect(actions(s)).toEqual(['secretsmanager:GetSecretValue']);
      expect(JSON.stringify(s.Resource)).toMatch(/:secret:burnrate\/\*|^\{"Ref":"GuardSigningKey/);
    }
  });

  it('limits DynamoDB actions to the table and its index, and grants no scans or deletes of the table', () => {
    const ddb = statements(stateless).filter(
      (s) =>
        actions(s).some((a) => a.startsWith('dynamodb:')) &&
        // Covered by the "*" test above: it names no resource.
        actions(s).join() !== 'dynamodb:ListStreams',
    );
    for (const s of ddb) {
      const text = JSON.stringify(s.Resource);
      expect(text).toMatch(/TableArn|Table[A-Z0-9]+Arn|Table[A-Z0-9]+StreamArn/);
      expect(text).not.toMatch(/"\*"/);
      expect(actions(s)).not.toContain('dynamodb:Scan');
      expect(actions(s)).not.toContain('dynamodb:DeleteTable');
    }
    expect(JSON.stringify(ddb.map((s) => s.Resource))).toContain('/index/byKind');
  });
});

describe('deploy settings', () => {
  it('a missing sender or operator fails synth and says what to pass', () => {
    expect(() => buildApp(new App({ context: {} }))).toThrow(
      /senderEmail: expected the SES sender address, got nothing[\s\S]*npx cdk deploy --all -c senderEmail=/,
    );
    expect(() => buildApp(new App({ context: { ...CONTEXT, schedule: 'every day' } }))).toThrow(
      /schedule: expected rate\(N minutes\) or cron/,
    );
  });
});

describe('cdk-nag AwsSolutions gate', () => {
  it('the app synthesizes with no unacknowledged finding, and every acknowledgement has a reason', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
    const source = readFileSync('infra/nag-suppressions.ts', 'utf8');
    const reasons = [...source.matchAll(/^\s{4}'([^']{10,})',\n\s{2}\],?$/gm)];
    expect(reasons.length).toBe(8);
  });

  it('would fail on a finding nobody acknowledged', async () => {
    const { Validations } = await import('aws-cdk-lib');
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const bad = new App();
    const stack = new Stack(bad, 'Bad');
    new Queue(stack, 'NoSslNoDlq');
    Validations.of(bad).addPlugins(new AwsSolutionsChecks(bad));
    expect(() => bad.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

describe('guard function (the approval page)', () => {
  const guardFn = () => {
    const [id, fn] = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([, f]) =>
      JSON.stringify(f).includes('BURNRATE_GUARD_KEY_SECRET'),
    ) as [string, { Properties: Record<string, unknown> }];
    expect(id).toMatch(/^GuardHandlerFunction/);
    return { id, fn };
  };
  const roleStatements = (rolePrefix: RegExp) =>
    (
      Object.entries(stateless.findResources('AWS::IAM::Policy')) as Array<
        [string, { Properties: { PolicyDocument: { Statement: Statement[] } } }]
      >
    )
      .filter(([id]) => rolePrefix.test(id))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

  it('is reached through a Function URL with AuthType NONE (the signed link is the authorization)', () => {
    const { id } = guardFn();
    stateless.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    expect(JSON.stringify(stateless.findResources('AWS::Lambda::Url'))).not.toContain('Cors');
    // Public invocation through the URL only: both permissions AWS requires, each tied to the URL.
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
      FunctionName: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
    stateless.hasOutput('GuardUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GuardHandlerFunctionFunctionUrl'), 'FunctionUrl'] },
    });
  });

  it('has reserved concurrency 5, its own log group, and the signing secret name and table in its environment', () => {
    const { fn } = guardFn();
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(5);
    expect(fn.Properties.LoggingConfig).toMatchObject({
      LogGroup: { Ref: expect.stringMatching(/^GuardHandlerLogs/) },
    });
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      BURNRATE_GUARD_KEY_SECRET: 'burnrate/guard-signing-key',
      BURNRATE_TABLE: expect.anything(),
      BURNRATE_STAGE: 'prod',
    });
  });

  it('has its own least-privilege role: the signing secret, burnrate/* admin keys, table items; no index, no scan, no mail, no chat', () => {
    const own = roleStatements(/^GuardHandlerRole/);
    const byAction = own.map((s) => [actions(s).sort(), JSON.stringify(s.Resource)]);
    expect(byAction).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], expect.stringMatching(/GuardHandlerLogs/)],
      [['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], '"*"'],
      [['secretsmanager:GetSecretValue'], expect.stringMatching(/^\{"Ref":"GuardSigningKey/)],
      [['secretsmanager:GetSecretValue'], expect.stringMatching(/:secret:burnrate\/\*/)],
      [
        [
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        expect.stringMatching(/^\{"Fn::ImportValue":"[^"]*Table[A-Z0-9]+Arn[A-Z0-9]+"\}$/),
      ],
    ]);
    // The role is its own, not the sync's.
    const { fn } = guardFn();
    expect(JSON.stringify(fn.Properties.Role)).toMatch(/GuardHandlerRole/);
  });

  it('generates the signing key in Secrets Manager: the template never holds it', () => {
    stateless.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'burnrate/guard-signing-key',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
    expect(JSON.stringify(stateless.findResources('AWS::SecretsManager::Secret'))).not.toMatch(
      /"SecretString":/,
    );
  });

  it('gives the sync function the guard URL and key name for its links, and alarms on the page answering 5xx', () => {
    const sync = Object.values(stateless.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('BURNRATE_SENDER'),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(sync.Properties.Environment.Variables).toMatchObject({
      BURNRATE_GUARD_URL: {
        'Fn::GetAtt': [expect.stringMatching(/^GuardHandlerFunctionFunctionUrl/), 'FunctionUrl'],
      },
      BURNRATE_GUARD_KEY_SECRET: 'burnrate/guard-signing-key',
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^GuardHandlerFunction') } }],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }],
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^GuardHandlerFunction') } }],
    });
  });

  it('another stage gets its own secret; -c guardConcurrency=none reserves nothing; a bad value fails synth', () => {
    const dev = buildApp(new App({ context: { ...CONTEXT, stage: 'dev', guardConcurrency: 'none' } }));
    const t = Template.fromStack(dev.stateless);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'burnrate/guard-signing-key-dev' });
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('BURNRATE_GUARD_KEY_SECRET'),
    ) as { Properties: Record<string, unknown> };
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(() => buildApp(new App({ context: { ...CONTEXT, guardConcurrency: '0' } }))).toThrow(
      /guardConcurrency: expected a whole number >= 1/,
    );
  }, 120_000);
});
