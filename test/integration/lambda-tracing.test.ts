import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';
import { startXrayDaemon, type XraySegment } from '../fakes/xray-daemon.ts';
import { captureOutput } from '../support/capture-output.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

// Powertools Tracer for real, as in a Lambda with active tracing: the X-Ray SDK in its Lambda mode
// (LAMBDA_TASK_ROOT, the invocation's _X_AMZN_TRACE_ID) streaming each closed subsegment over UDP
// to a local daemon that records them.
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const saved = { ...process.env };
const ROOT = '1-67a1b2c3-0123456789abcdef01234567';
const FACADE = '53995c3f42cd8ad8';
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let secrets: Awaited<ReturnType<typeof startSecretsManagerFake>>;
let daemon: Awaited<ReturnType<typeof startXrayDaemon>>;
type Handler<E> = (event: E, context: Context) => Promise<unknown>;
let sync: Handler<SQSEvent>;
let upkeep: Handler<unknown>;

beforeAll(async () => {
  fake = await startOpenAiFake({ mode: 'live' });
  fake.setCosts({ '2026-11-20': [{ usd: 50 }] });
  secrets = await startSecretsManagerFake({ 'burnrate/acme': fake.adminKey, 'burnrate/beta': fake.adminKey });
  daemon = await startXrayDaemon();
  const table = await ddb.freshTable('tracing');
  const grant = { id: 'g', amountUsd: 120, effectiveAt: '2026-11-01' };
  for (const id of ['acme', 'beta'])
    await seedAccount(
      ddb.doc,
      table,
      { id, provider: 'openai', name: id, recipients: [`ops@${id}.example`], lowBalanceUsd: [100] },
      [grant],
    );
  Object.assign(process.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    _X_AMZN_TRACE_ID: `Root=${ROOT};Parent=${FACADE};Sampled=1`,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    BURNRATE_TABLE: table,
    BURNRATE_SENDER: 'burnrate@acme.example',
    BURNRATE_STAGE: 'test',
    OPENAI_BASE_URL: fake.baseUrl,
  });
  delete process.env.OPENAI_ADMIN_KEY;
  delete process.env.POWERTOOLS_TRACE_ENABLED;
  // Loaded as Lambda would at cold start, with the environment above.
  ({ handler: sync } = await import('../../functions/lambda/sync-account.ts'));
  ({ handler: upkeep } = await import('../../functions/lambda/upkeep.ts'));
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, saved);
  await fake.stop();
  await secrets.stop();
  await daemon.stop();
});

const context = { awsRequestId: 'req-1', functionName: 'sync', getRemainingTimeInMillis: () => 60_000 };
const record = (accountId: string) => ({
  messageId: `m-${accountId}`,
  body: JSON.stringify({ accountId, runId: 'run-1' }),
  attributes: {} as never,
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
  awsRegion: 'us-east-1',
  receiptHandle: 'h',
});

/** Every subsegment below `root`, depth first. */
function below(docs: XraySegment[], root: XraySegment): XraySegment[] {
  const children = docs.filter((d) => d.parent_id === root.id);
  return children.flatMap((c) => [c, ...below(docs, c)]);
}
const one = (docs: XraySegment[], name: string) => {
  const found = docs.filter((d) => d.name === name);
  expect(found.map((d) => d.name)).toEqual([name]);
  return found[0] as XraySegment;
};
const awsCall = (d: XraySegment) => (d.namespace === 'aws' ? `${d.name} ${d.aws?.operation}` : undefined);

describe('Powertools Tracer in the sync and upkeep functions (X-Ray SDK streaming to a local daemon)', () => {
  it('one subsegment per account (parallel records never nest), provider calls and AWS SDK calls inside it', async () => {
    const { result, json } = await captureOutput(() =>
      sync({ Records: [record('acme'), record('beta')] }, context as unknown as Context),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    const docs = await daemon.until((d) => d.some((s) => s.name === '## sync-account'));
    expect(new Set(docs.map((d) => d.trace_id))).toEqual(new Set([ROOT]));
    const handler = one(docs, '## sync-account');
    expect(handler.parent_id).toBe(FACADE);
    expect(handler.annotations).toEqual({ ColdStart: true, Service: 'burnrate' });

    for (const id of ['acme', 'beta']) {
      const account = one(docs, `### sync ${id}`);
      expect(account.parent_id).toBe(handler.id);
      expect(account.annotations).toEqual({ accountId: id, provider: 'openai' });
      expect(account.fault ?? false).toBe(false);
      const inside = below(docs, account);
      // The account's own AWS calls: its items, its key, the sync's commit, its alert email.
      const calls = new Set(inside.map(awsCall).filter(Boolean));
      for (const call of [
        'DynamoDB Query',
        'DynamoDB TransactWriteItems',
        'SecretsManager GetSecretValue',
        'SESv2 SendEmail',
      ])
        expect(calls).toContain(call);
      // Provider calls: their own subsegments directly under the account, annotated, each with the
      // HTTP request(s) it made (the Tracer's fetch instrumentation) inside it.
      const providerCalls = inside.filter((d) => d.annotations?.provider !== undefined && d !== account);
      expect(providerCalls.length).toBeGreaterThanOrEqual(2);
      for (const call of providerCalls) {
        expect(call.name).toMatch(/^openai /);
        expect(call.parent_id).toBe(account.id);
        expect(call.annotations).toEqual({ provider: 'openai', accountId: id });
        const requests = docs.filter((d) => d.parent_id === call.id && d.http?.request);
        expect(requests.length).toBeGreaterThanOrEqual(1);
        expect(requests.every((r) => r.name === '127.0.0.1' && r.http?.response?.status === 200)).toBe(true);
      }
      // Nothing of the other account's run landed in this one.
      expect(
        inside.some((d) => d.annotations?.accountId !== undefined && d.annotations.accountId !== id),
      ).toBe(false);
    }
    // The log line carries the trace id: from a log line to its trace in the X-Ray console.
    const synced = json.filter((l) => l.message === 'synced');
    expect(synced.map((l) => [l.accountId, l.xray_trace_id])).toEqual(
      expect.arrayContaining([
        ['acme', ROOT],
        ['beta', ROOT],
      ]),
    );
  }, 60_000);

  it('the upkeep: one subsegment per account, its provider calls inside it', async () => {
    daemon.clear();
    const { result } = await captureOutput(() =>
      upkeep({}, { getRemainingTimeInMillis: () => 600_000 } as Context),
    );
    expect(result).toMatchObject({ accounts: 2, failed: 0 });
    const docs = await daemon.until((d) => d.some((s) => s.name === '## upkeep'));
    const handler = one(docs, '## upkeep');
    expect(handler.annotations).toMatchObject({ ColdStart: false, Service: 'burnrate' });
    for (const id of ['acme', 'beta']) {
      const account = one(docs, `### upkeep ${id}`);
      expect(account.parent_id).toBe(handler.id);
      expect(account.annotations).toEqual({ accountId: id });
      const providerCalls = below(docs, account).filter((d) => d.annotations?.provider === 'openai');
      expect(providerCalls.map((c) => c.name)).toContain('openai projects');
      for (const call of providerCalls) expect(call.annotations?.accountId).toBe(id);
    }
  }, 60_000);
});
