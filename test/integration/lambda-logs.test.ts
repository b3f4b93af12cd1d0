import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, signingKeyBytes } from '../../shared/guard/token.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSqsFake } from '../fakes/sqs-fake.ts';
import { startXrayDaemon } from '../fakes/xray-daemon.ts';
import { captureOutput } from '../support/capture-output.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

// Every handler through the one Powertools module: JSON log lines with the invocation's context,
// metrics flushed per invocation, and (outside Lambda: no AWS_EXECUTION_ENV) a disabled tracer
// that sends and prints nothing.
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const saved = { ...process.env };
const GUARD_KEY = 'k'.repeat(64);
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let sqs: Awaited<ReturnType<typeof startSqsFake>>;
let daemon: Awaited<ReturnType<typeof startXrayDaemon>>;
type Handler = (event: never, context: Context) => Promise<unknown>;
const handlers: Record<'dispatch' | 'sync' | 'upkeep' | 'guard', Handler> = {} as never;

beforeAll(async () => {
  fake = await startOpenAiFake({ mode: 'live' });
  fake.setCosts({ '2026-11-20': [{ usd: 50 }] });
  sqs = await startSqsFake();
  daemon = await startXrayDaemon();
  const table = await ddb.freshTable('logs');
  await seedAccount(
    ddb.doc,
    table,
    { id: 'acme', provider: 'openai', name: 'Acme', recipients: ['ops@acme.example'], lowBalanceUsd: [100] },
    [{ id: 'g', amountUsd: 120, effectiveAt: '2026-11-01' }],
  );
  Object.assign(process.env, {
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    // Where a wrongly enabled tracer would send its segments.
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    BURNRATE_QUEUE_URL: `${sqs.endpoint}/123456789012/sync`,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    BURNRATE_TABLE: table,
    BURNRATE_SENDER: 'burnrate@acme.example',
    BURNRATE_STAGE: 'test',
    BURNRATE_GUARD_KEY: GUARD_KEY,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_ADMIN_KEY: fake.adminKey,
  });
  for (const k of ['AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', '_X_AMZN_TRACE_ID', 'ANTHROPIC_ADMIN_KEY'])
    delete process.env[k];
  handlers.dispatch = (await import('../../functions/lambda/dispatch.ts')).handler as Handler;
  handlers.sync = (await import('../../functions/lambda/sync-account.ts')).handler as Handler;
  handlers.upkeep = (await import('../../functions/lambda/upkeep.ts')).handler as Handler;
  handlers.guard = (await import('../../functions/lambda/guard.ts')).handler as Handler;
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, saved);
  await fake.stop();
  await sqs.stop();
  await daemon.stop();
});

/** A Lambda context as the runtime passes it. */
function lambdaContext(name: string, requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: `burnrate-test-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:burnrate-test-${name}`,
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 600_000,
  } as unknown as Context;
}

/** The keys Powertools adds from the context (cold_start is checked on its own: the handlers of this file share one Logger). */
const contextKeys = (name: string, requestId: string) => ({
  function_request_id: requestId,
  function_name: `burnrate-test-${name}`,
  function_arn: `arn:aws:lambda:us-east-1:123456789012:function:burnrate-test-${name}`,
  function_memory_size: '256',
  service: 'burnrate',
});

const sqsEvent = {
  Records: [
    {
      messageId: 'm1',
      body: JSON.stringify({ accountId: 'acme', runId: 'run-1' }),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
      receiptHandle: 'h',
    },
  ],
};

describe('every Lambda handler logs with the invocation context (one Powertools module)', () => {
  it('sync-account: the synced line names the request, the function and the account; cold start only once; metrics flushed per invocation', async () => {
    const first = await captureOutput(() =>
      handlers.sync(sqsEvent as never, lambdaContext('sync', 'req-s1')),
    );
    expect(first.result).toEqual({ batchItemFailures: [] });
    const synced = first.json.find((l) => l.message === 'synced');
    expect(synced).toMatchObject({
      ...contextKeys('sync', 'req-s1'),
      cold_start: true,
      accountId: 'acme',
      runId: 'run-1',
    });
    const emf = first.json.filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ AccountsSynced: 1, service: 'burnrate', stage: 'test' });
    const second = await captureOutput(() =>
      handlers.sync(sqsEvent as never, lambdaContext('sync', 'req-s2')),
    );
    expect(second.json.find((l) => l.message === 'synced')).toMatchObject({
      ...contextKeys('sync', 'req-s2'),
      cold_start: false,
    });
    // The first invocation's metrics were not carried into the second's EMF line.
    expect(second.json.filter((l) => '_aws' in l).map((l) => l.AccountsSynced)).toEqual([1]);
  }, 60_000);

  it('dispatch: the run id is the request id, and the key is dropped when the invocation ends', async () => {
    const { result, json, stderr } = await captureOutput(() =>
      handlers.dispatch({} as never, lambdaContext('dispatch', 'req-d1')),
    );
    expect(result).toEqual({ queued: 1, disabled: 0 });
    expect(json.find((l) => l.message === 'dispatched accounts')).toMatchObject({
      ...contextKeys('dispatch', 'req-d1'),
      runId: 'req-d1',
      queued: 1,
    });
    // No metric recorded: no EMF line, and no "No application metrics to publish" warning.
    expect(json.some((l) => '_aws' in l)).toBe(false);
    expect(stderr).not.toContain('No application metrics');
    const { logger } = await import('../../shared/powertools/index.ts');
    const after = await captureOutput(async () => logger.info('between invocations'));
    expect(after.json[0]).not.toHaveProperty('runId');
  }, 60_000);

  it('upkeep: the pass summary names the request', async () => {
    const { json } = await captureOutput(() =>
      handlers.upkeep({} as never, lambdaContext('upkeep', 'req-u1')),
    );
    expect(json.find((l) => l.message === 'upkeep pass')).toMatchObject({
      ...contextKeys('upkeep', 'req-u1'),
      accounts: 1,
    });
    expect(json.find((l) => l.message === 'upkeep')).toMatchObject({
      function_request_id: 'req-u1',
      accountId: 'acme',
    });
  }, 60_000);

  it('guard: the page line names the request, never the token', async () => {
    // A signed link to an incident the account does not have: the wired use case answers 404.
    const claims = {
      accountId: 'acme',
      projectId: 'proj_a',
      incident: 'guard:proj_a:2026-11-24',
      now: new Date(),
      action: 'freeze' as const,
    };
    const { token } = issueToken(claims, signingKeyBytes(GUARD_KEY, 'test'));
    const event = {
      version: '2.0',
      rawPath: '/',
      rawQueryString: `t=${token}`,
      headers: {},
      requestContext: { http: { method: 'GET', path: '/' } },
    };
    const { result, json, stdout } = await captureOutput(() =>
      handlers.guard(event as never, lambdaContext('guard', 'req-g1')),
    );
    expect(result).toMatchObject({ statusCode: 404 });
    expect(json.find((l) => l.message === 'guard page')).toMatchObject({
      ...contextKeys('guard', 'req-g1'),
      method: 'GET',
    });
    expect(stdout).not.toContain(token);
  }, 60_000);

  it('outside Lambda the tracer is off: nothing reaches the X-Ray daemon and nothing about X-Ray is printed', async () => {
    const { stdout, stderr } = await captureOutput(() =>
      handlers.sync(sqsEvent as never, lambdaContext('sync', 'req-s3')),
    );
    const { tracer } = await import('../../shared/powertools/index.ts');
    expect(tracer.isTracingEnabled()).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(daemon.received).toEqual([]);
    expect(`${stdout}${stderr}`).not.toMatch(/x-?ray|segment/i);
  }, 60_000);
});
