import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DAY_MS, dayKey } from '../../shared/core/time.ts';
import { startAnthropicFake } from '../fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * The sync-account Lambda handler (Powertools batch processor, partial batch failures) against
 * DynamoDB Local, the SES emulator, a Secrets Manager wire fake and the fake providers: the guards
 * of issue 16 as deployed code runs them.
 */
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const OPERATOR = 'oncall@acme.example';
const PASTED = 'sk-admin-Q3v9xLw2Rt8ZpN4kYb7Hc1Jd6Fg0Ms5Ue2Wq9Ao3Ti8Ly4Pn';
let openai: Awaited<ReturnType<typeof startOpenAiFake>>;
let anthropic: Awaited<ReturnType<typeof startAnthropicFake>>;
let secrets: Awaited<ReturnType<typeof startSecretsManagerFake>>;
let table: string;
let handler: (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: unknown[] }>;

beforeAll(async () => {
  openai = await startOpenAiFake();
  anthropic = await startAnthropicFake();
  // $50 spent three days ago on a $120 grant: low-balance:100 is due for every account below.
  const costs = { [dayKey(Date.now() - 3 * DAY_MS)]: [{ usd: 50 }] };
  openai.setCosts(costs);
  anthropic.setCosts(costs);
  secrets = await startSecretsManagerFake({
    'burnrate/fast-a': openai.adminKey,
    'burnrate/fast-b': openai.adminKey,
    'burnrate/slow': anthropic.adminKey,
  });
  table = await ddb.freshTable('lambda-guards');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    BURNRATE_TABLE: table,
    BURNRATE_SENDER: 'burnrate@acme.example',
    BURNRATE_OPERATOR_EMAIL: OPERATOR,
    BURNRATE_STAGE: 'test',
    OPENAI_BASE_URL: openai.baseUrl,
    ANTHROPIC_BASE_URL: anthropic.baseUrl,
  });
  // As in AWS: admin keys from Secrets Manager, none in the environment.
  delete process.env.OPENAI_ADMIN_KEY;
  delete process.env.ANTHROPIC_ADMIN_KEY;
  delete process.env.BURNRATE_ALERTS_TOPIC_ARN;
  // The handler reads its environment at module load (cold start), as in Lambda.
  ({ handler } = (await import('../../functions/lambda/sync-account.ts')) as unknown as {
    handler: typeof handler;
  });
});
afterAll(async () => {
  await openai.stop();
  await anthropic.stop();
  await secrets.stop();
});

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

/** A Lambda context whose remaining time runs down from `ms`, as the runtime's does. */
function contextWith(ms: number): Context {
  const start = Date.now();
  return {
    awsRequestId: 'req-1',
    functionName: 'sync',
    getRemainingTimeInMillis: () => ms - (Date.now() - start),
  } as unknown as Context;
}

/** Invokes the handler; returns its answer and everything it logged (stdout and stderr). */
async function invoke(ids: string[], context = contextWith(90_000)) {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await handler({ Records: ids.map(record) }, context);
    return { result, logs: lines.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('a key pasted into the config item, through the sync Lambda', () => {
  it('is refused as "the key itself", and neither the log nor the operator email carries it', async () => {
    await seedAccount(ddb.doc, table, {
      id: 'pasted',
      provider: 'openai',
      recipients: ['ops@acme.example'],
      adminKeySecret: PASTED,
    });
    await ses.clear();
    const { result, logs } = await invoke(['pasted']);
    // The operator's to fix (emailed), so not a batch failure that SQS would retry.
    expect(result.batchItemFailures).toEqual([]);
    expect(logs).toContain('adminKeySecret: this looks like the key itself');
    const emails = await ses.emails();
    expect(emails.map((e) => e.destination.to)).toEqual([[OPERATOR]]);
    const [email] = emails;
    expect(email?.body.text).toContain(
      'account pasted: adminKeySecret: this looks like the key itself: store it in Secrets Manager and give its name',
    );
    const everything = `${logs}\n${JSON.stringify(emails)}\n${secrets.calls.join('\n')}`;
    expect(everything).not.toContain('Q3v9xLw2Rt8Z');
  }, 60_000);
});

describe('a slow provider in a batch, with little of the invocation left', () => {
  /** What the context says is left: the Lambda runtime kills the invocation when it runs out. */
  const REMAINING_MS = 45_000;
  const account = (id: string, provider: string) => ({
    id,
    provider,
    name: id,
    recipients: [`ops@${id}.example`],
    lowBalanceUsd: [100],
    expiryWarningDays: [],
    digest: 'off',
  });
  const grant = { id: 'g1', amountUsd: 120, effectiveAt: new Date(Date.now() - 10 * DAY_MS).toISOString() };
  const accountEmails = async () =>
    (await ses.emails()).filter((e) => !e.destination.to.includes(OPERATOR)).map((e) => e.destination.to[0]);

  it('the slow account fails cleanly as a batch item failure before the time is up, the others are emailed, and no email is ever sent twice', async () => {
    for (const [id, provider] of [
      ['fast-a', 'openai'],
      ['slow', 'anthropic'],
      ['fast-b', 'openai'],
    ] as const)
      await seedAccount(ddb.doc, table, account(id, provider), [grant]);
    await ses.clear();
    // Every request to the Anthropic API answers only after two minutes (until it recovers).
    anthropic.injectFaults(Array.from({ length: 50 }, () => ({ kind: 'slow' as const, ms: 120_000 })));

    const started = Date.now();
    let killed: NodeJS.Timeout | undefined;
    const kill = new Promise<'killed'>((resolve) => {
      killed = setTimeout(() => resolve('killed'), REMAINING_MS);
    });
    const first = await Promise.race([invoke(['fast-a', 'slow', 'fast-b'], contextWith(REMAINING_MS)), kill]);
    clearTimeout(killed);
    anthropic.clearFaults();
    // Returned before the runtime would have killed it, so nothing was cut off mid-send.
    expect(first, `the invocation outlived its ${REMAINING_MS} ms`).not.toBe('killed');
    if (first === 'killed') return;
    expect(Date.now() - started).toBeLessThan(REMAINING_MS);
    expect(first.result.batchItemFailures).toEqual([{ itemIdentifier: 'm-slow' }]);
    expect(first.logs).toContain("no time left before this account's deadline");
    expect((await accountEmails()).sort()).toEqual(['ops@fast-a.example', 'ops@fast-b.example']);

    // SQS redelivers the failed record; the provider has recovered.
    const retry = await invoke(['slow']);
    expect(retry.result.batchItemFailures).toEqual([]);
    // The next scheduled run: every account synced, nothing left to send.
    const next = await invoke(['fast-a', 'slow', 'fast-b']);
    expect(next.result.batchItemFailures).toEqual([]);
    expect((await accountEmails()).sort()).toEqual([
      'ops@fast-a.example',
      'ops@fast-b.example',
      'ops@slow.example',
    ]);
  }, 120_000);
});
