import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';

const CONTEXT = { senderEmail: 'alerts@acme.example', operatorEmail: 'ops@acme.example' };
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  const built = buildApp(new App({ context: CONTEXT }));
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
}, 120_000);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const actions = (s: Statement) => [s.Action].flat();

/** The statements of the config-edit function's role. */
function roleStatements(): Statement[] {
  const policies = Object.entries(stateless.findResources('AWS::IAM::Policy')).filter(([id]) =>
    id.startsWith('ConfigEditHandlerRole'),
  );
  expect(policies).toHaveLength(1);
  return policies.flatMap(
    ([, p]) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

function mapping() {
  const found = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).filter((m) =>
    JSON.stringify(m).includes('StreamArn'),
  ) as Array<{ Properties: Record<string, unknown> }>;
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('the table stream', () => {
  it('carries new and old images (the check logs which fields an edit changed)', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });
});

describe('the config-edit function and its stream mapping', () => {
  it('passes only config and grant items: CONFIG and GRANT# created or changed, GRANT# deleted', () => {
    const patterns = (mapping().FilterCriteria as { Filters: Array<{ Pattern: string }> }).Filters.map((f) =>
      JSON.parse(f.Pattern),
    );
    expect(patterns).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { Keys: { sk: { S: ['CONFIG', { prefix: 'GRANT#' }] } } },
      },
      { eventName: ['REMOVE'], dynamodb: { Keys: { sk: { S: [{ prefix: 'GRANT#' }] } } } },
    ]);
    // burnrate's own items are named nowhere in the filter.
    const text = JSON.stringify(patterns);
    for (const own of ['STATE', 'ALERT#', 'COST#', 'LIMITS', 'PROJECTS', 'RECONCILED', 'TOKEN#', 'AUDIT#'])
      expect(text).not.toContain(own);
  });

  it('reports partial batch failures, retries twice with bisection, then sends the record to an encrypted SQS DLQ', () => {
    expect(mapping()).toMatchObject({
      EventSourceArn: {
        'Fn::ImportValue': expect.stringMatching(/:ExportsOutputFnGetAttTable[A-Z0-9]+StreamArn/),
      },
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 2,
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ConfigEditDeadLetters/), 'Arn'] },
        },
      },
    });
    const dlq = Object.entries(stateless.findResources('AWS::SQS::Queue')).find(([id]) =>
      id.startsWith('ConfigEditDeadLetters'),
    )?.[1] as { Properties: Record<string, unknown> };
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });

  it('alarms to the operator topic when a record reaches the DLQ', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConfigEditDeadLetters'), 'QueueName'] },
        },
      ],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }],
    });
  });

  it('has a 60-second function with the table, sender, operator, alerts topic and stage, and no provider settings', () => {
    const fn = Object.values(stateless.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('config and grant edits'),
    ) as { Properties: { Timeout: number; Environment: { Variables: Record<string, unknown> } } };
    expect(fn.Properties.Timeout).toBe(60);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual([
      'BURNRATE_ALERTS_TOPIC_ARN',
      'BURNRATE_OPERATOR_EMAIL',
      'BURNRATE_SENDER',
      'BURNRATE_STAGE',
      'BURNRATE_TABLE',
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
    ]);
  });

  it('has its own least-privilege role: table items (no index, scan, batch write), the stream, SES as the sender, the alerts topic; no secrets', () => {
    const statements = roleStatements();
    const all = statements.flatMap(actions);
    expect(all.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    for (const forbidden of [
      'dynamodb:Scan',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteTable',
      'sqs:ReceiveMessage',
    ])
      expect(all).not.toContain(forbidden);
    const table = statements.find((s) => actions(s).includes('dynamodb:Query')) as Statement;
    expect(actions(table).sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(JSON.stringify(table.Resource)).toMatch(/TableArn|Table[A-Z0-9]+Arn/);
    expect(JSON.stringify(table.Resource)).not.toContain('index');
    const stream = statements.find((s) => actions(s).includes('dynamodb:GetRecords')) as Statement;
    expect(actions(stream).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(JSON.stringify(stream.Resource)).toMatch(/StreamArn/);
    const ses = statements.find((s) => actions(s).includes('ses:SendEmail')) as Statement;
    expect(JSON.stringify(ses.Resource)).toContain(':identity/alerts@acme.example');
    expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'alerts@acme.example' } });
    const sns = statements.find((s) => actions(s).includes('sns:Publish')) as Statement;
    expect(sns.Resource).toEqual({ Ref: expect.stringMatching(/^AlertsTopic/) });
    const send = statements.find((s) => actions(s).includes('sqs:SendMessage')) as Statement;
    expect(send.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ConfigEditDeadLetters/), 'Arn'] });
    // "*" only where AWS allows nothing narrower.
    for (const s of statements.filter((x) => JSON.stringify(x.Resource) === '"*"'))
      expect(actions(s).every((a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams')).toBe(true);
  });
});
