import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_METRIC_NAMES } from '../../shared/metrics/account-metrics.ts';
import { accountPk, STATE_SK } from '../../shared/store/keys.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { captureOutput } from '../support/capture-output.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

// -c accountMetrics=true sets BURNRATE_ACCOUNT_METRICS=true on the sync function: each account's
// BalanceUsd, RunwayDays, MonthToDateUsd and HourSpendUsd as EMF metrics with an `account`
// dimension. Off (the default), none of them is written: each would be a billed custom metric.
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const saved = { ...process.env };
const DAY = 86_400_000;
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;

beforeAll(async () => {
  fake = await startOpenAiFake();
  const today = Date.now() - (Date.now() % DAY);
  const day = (n: number) => new Date(today - n * DAY).toISOString().slice(0, 10);
  fake.setCosts(Object.fromEntries([1, 2, 3, 4, 5].map((n) => [day(n), [{ usd: 10 }]])));
  // Usage in the hour in progress: a non-zero HourSpendUsd.
  const hour = new Date(Date.now() - (Date.now() % 3_600_000)).toISOString();
  fake.setUsage([{ hour, model: 'gpt-4o', input_tokens: 1_000_000, output_tokens: 100_000 }]);
  table = await ddb.freshTable('account-metrics');
  for (const id of ['acme', 'beta'])
    await seedAccount(
      ddb.doc,
      table,
      { id, provider: 'openai', name: id, recipients: ['ops@acme.example'] },
      [{ id: 'g', amountUsd: 500, effectiveAt: day(30) }],
    );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    BURNRATE_TABLE: table,
    BURNRATE_STAGE: 'test',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_ADMIN_KEY: fake.adminKey,
  });
  delete process.env.BURNRATE_SENDER;
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, saved);
  await fake.stop();
});

const event: SQSEvent = {
  Records: ['acme', 'beta'].map((accountId) => ({
    messageId: `m-${accountId}`,
    body: JSON.stringify({ accountId, runId: 'run-1' }),
    attributes: {} as never,
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
    awsRegion: 'us-east-1',
    receiptHandle: 'h',
  })),
};
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

/** Loads the sync handler as a cold start with `flag` as BURNRATE_ACCOUNT_METRICS, invokes it once. */
async function invokeWith(flag: string | undefined): Promise<Emf[]> {
  if (flag === undefined) delete process.env.BURNRATE_ACCOUNT_METRICS;
  else process.env.BURNRATE_ACCOUNT_METRICS = flag;
  vi.resetModules();
  const { handler } = await import('../../functions/lambda/sync-account.ts');
  const { result, json } = await captureOutput(() => handler(event, context as unknown as Context));
  expect(result).toEqual({ batchItemFailures: [] });
  return json.filter((l) => '_aws' in l) as unknown as Emf[];
}

const snapshot = async (id: string) =>
  (await ddb.doc.send(new GetCommand({ TableName: table, Key: { pk: accountPk(id), sk: STATE_SK } }))).Item
    ?.snapshot as Record<string, number | null>;

describe('per-account metrics (-c accountMetrics=true)', () => {
  it('off by default: the invocation EMF line has no account dimension and none of the four metrics', async () => {
    const emf = await invokeWith(undefined);
    expect(emf).toHaveLength(1);
    expect(emf[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'stage']]);
    for (const doc of emf) {
      expect(doc).not.toHaveProperty('account');
      for (const name of ACCOUNT_METRIC_NAMES) expect(doc).not.toHaveProperty(name);
    }
  }, 60_000);

  it('"false" is off too', async () => {
    const emf = await invokeWith('false');
    expect(emf.some((d) => 'account' in d)).toBe(false);
  }, 60_000);

  it('on: one EMF line per account with service, stage and account, the figures the run stored', async () => {
    const emf = await invokeWith('true');
    // The invocation's counters, and one line per account.
    expect(emf.filter((d) => !('account' in d))).toHaveLength(1);
    const perAccount = emf.filter((d) => 'account' in d);
    expect(perAccount.map((d) => d.account).sort()).toEqual(['acme', 'beta']);
    for (const doc of perAccount) {
      const [cw] = doc._aws.CloudWatchMetrics;
      expect(cw?.Namespace).toBe('burnrate');
      expect(cw?.Dimensions).toEqual([['service', 'stage', 'account']]);
      expect(cw?.Metrics.map((m) => m.Name).sort()).toEqual([...ACCOUNT_METRIC_NAMES].sort());
      expect(new Set(cw?.Metrics.map((m) => m.Unit))).toEqual(new Set(['None']));
      expect(doc).toMatchObject({ service: 'burnrate', stage: 'test' });
      // The same numbers the run stored (and that `status` and the emails show).
      const stored = await snapshot(doc.account as string);
      expect(stored.runwayDays).toEqual(expect.any(Number));
      expect(stored.hourSpendUsd).toBeGreaterThan(0);
      expect({
        BalanceUsd: doc.BalanceUsd,
        RunwayDays: doc.RunwayDays,
        MonthToDateUsd: doc.MonthToDateUsd,
        HourSpendUsd: doc.HourSpendUsd,
      }).toEqual({
        BalanceUsd: stored.balanceUsd,
        RunwayDays: stored.runwayDays,
        MonthToDateUsd: stored.monthToDateUsd,
        HourSpendUsd: stored.hourSpendUsd,
      });
    }
  }, 60_000);

  it('an invalid value fails the cold start, naming the variable', async () => {
    process.env.BURNRATE_ACCOUNT_METRICS = 'yes';
    vi.resetModules();
    await expect(import('../../functions/lambda/sync-account.ts')).rejects.toThrow(
      /BURNRATE_ACCOUNT_METRICS: expected true or false/,
    );
  });
});
