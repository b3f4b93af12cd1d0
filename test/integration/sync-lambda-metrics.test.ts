import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startRefusingSes, startSnsFake } from '../fakes/sns-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let sns: Awaited<ReturnType<typeof startSnsFake>>;
let refusing: Awaited<ReturnType<typeof startRefusingSes>>;
let handler: (event: SQSEvent, context: Context) => Promise<unknown>;

beforeAll(async () => {
  fake = await startOpenAiFake();
  fake.setCosts({ '2026-11-20': [{ usd: 50 }] });
  sns = await startSnsFake();
  refusing = await startRefusingSes(ses.endpoint);
  const table = await ddb.freshTable('metrics');
  await seedAccount(
    ddb.doc,
    table,
    { id: 'acme', provider: 'openai', name: 'Acme', recipients: ['ops@acme.example'], lowBalanceUsd: [100] },
    [{ id: 'g', amountUsd: 120, effectiveAt: '2026-11-01' }],
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: refusing.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    BURNRATE_TABLE: table,
    BURNRATE_SENDER: 'burnrate@acme.example',
    BURNRATE_OPERATOR_EMAIL: 'oncall@acme.example',
    BURNRATE_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
    BURNRATE_STAGE: 'test',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_ADMIN_KEY: fake.adminKey,
  });
  // The handler reads its environment at module load (cold start), as in Lambda.
  ({ handler } = await import('../../functions/lambda/sync-account.ts'));
});
afterAll(async () => {
  await fake.stop();
  await sns.stop();
  await refusing.stop();
});

const event = (messageId: string): SQSEvent => ({
  Records: [
    {
      messageId,
      body: JSON.stringify({ accountId: 'acme', runId: 'run-1' }),
      attributes: {} as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
      receiptHandle: 'h',
    },
  ],
});
const context = { awsRequestId: 'req-1', functionName: 'sync', getRemainingTimeInMillis: () => 60_000 };

interface Emf {
  _aws: {
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

/** Invokes the handler and returns the EMF documents it wrote to stdout. */
async function invoke(messageId: string): Promise<{ out: unknown; emf: Emf[] }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const out = await handler(event(messageId), context as unknown as Context);
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Emf);
    return { out, emf };
  } finally {
    spy.mockRestore();
  }
}

const sum = (emf: Emf[], name: string) =>
  emf.reduce((total, doc) => total + [doc[name] ?? []].flat().reduce<number>((s, v) => s + Number(v), 0), 0);

describe('sync-account Lambda handler: delivery metrics as CloudWatch EMF on stdout', () => {
  it('a refused email is AlertDeliveryFailed (namespace burnrate, service and stage); the next invocation delivers once', async () => {
    const first = await invoke('m1');
    // Not a batch failure: the alert stays due and the next scheduled run retries it.
    expect(first.out).toEqual({ batchItemFailures: [] });
    expect(first.emf).toHaveLength(1);
    const [doc] = first.emf;
    expect(doc?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'burnrate',
      Dimensions: [['service', 'stage']],
    });
    expect(doc).toMatchObject({ service: 'burnrate', stage: 'test' });
    const units = Object.fromEntries(
      doc?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => [m.Name, m.Unit]) ?? [],
    );
    expect(units).toMatchObject({
      AlertDeliveryFailed: 'Count',
      AccountsSynced: 'Count',
      SyncDurationMs: 'Milliseconds',
    });
    expect(sum(first.emf, 'AlertDeliveryFailed')).toBe(1);
    expect(sum(first.emf, 'AccountsSynced')).toBe(1);
    expect(sum(first.emf, 'AlertsDelivered')).toBe(0);
    expect(sns.published).toHaveLength(0);

    refusing.setRefusing(false);
    const second = await invoke('m2');
    expect(sum(second.emf, 'AlertDeliveryFailed')).toBe(0);
    expect(sum(second.emf, 'AlertsDelivered')).toBe(1);
    expect(sum(second.emf, 'AlertsPublished')).toBe(1);
    expect((await ses.emails()).map((e) => e.subject)).toEqual(['Acme: balance $70.00 is below $100']);
    expect(sns.published.map((p) => p.attributes.kind?.value)).toEqual(['low-balance']);

    const third = await invoke('m3');
    expect(sum(third.emf, 'AlertsDelivered')).toBe(0);
    expect(sum(third.emf, 'AccountsSynced')).toBe(1);
    expect(await ses.emails()).toHaveLength(1);
    expect(sns.published).toHaveLength(1);
  }, 60_000);
});
