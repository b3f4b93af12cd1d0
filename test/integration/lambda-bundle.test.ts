import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, signingKeyBytes } from '../../shared/guard/token.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';
import { startSnsFake } from '../fakes/sns-fake.ts';
import { startSqsFake } from '../fakes/sqs-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { synthBundles } from '../support/synth-bundles.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let secrets: Awaited<ReturnType<typeof startSecretsManagerFake>>;
let sns: Awaited<ReturnType<typeof startSnsFake>>;
let bundles: Record<string, string>;
/** As the stack generates it: 64 letters and digits. */
const GUARD_KEY = 'Qm9vdHN0cmFwR3VhcmRLZXlGb3JUaGVCdW5kbGVUZXN0MDEyMzQ1Njc4OWFiY2Rl';

beforeAll(async () => {
  // The bundles inside the project, so nothing resolves from anywhere but the bundle itself.
  const state = join(import.meta.dirname, '../../.burnrate');
  mkdirSync(state, { recursive: true });
  bundles = synthBundles(mkdtempSync(join(state, 'bundle-test-')));
  fake = await startOpenAiFake();
  fake.setCosts({ '2026-11-20': [{ usd: 50 }] });
  secrets = await startSecretsManagerFake({
    'burnrate/acme': fake.adminKey,
    'burnrate/guard-signing-key': GUARD_KEY,
  });
  sns = await startSnsFake();
}, 120_000);
afterAll(async () => {
  await fake.stop();
  await sns.stop();
  await secrets.stop();
});

describe('the deployed sync-account bundle (from cdk synth) on local emulators', () => {
  it('syncs an SQS batch, reads the key from Secrets Manager, emails the due alert and publishes it to chat', async () => {
    const table = await ddb.freshTable('bundle');
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: 'ACCOUNT#acme',
          sk: 'CONFIG',
          id: 'acme',
          provider: 'openai',
          name: 'Acme',
          recipients: ['ops@acme.example'],
          lowBalanceUsd: [100],
        },
      }),
    );
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'ACCOUNT#acme', sk: 'GRANT#g', id: 'g', amountUsd: 120, effectiveAt: '2026-11-01' },
      }),
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_ENDPOINT_URL_SES: ses.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      BURNRATE_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      BURNRATE_TABLE: table,
      BURNRATE_SENDER: 'burnrate@acme.example',
      OPENAI_BASE_URL: fake.baseUrl,
    });
    delete process.env.OPENAI_ADMIN_KEY;
    const { handler } = (await import(bundles.SyncAccount as string)) as {
      handler: (e: unknown, c: unknown) => Promise<unknown>;
    };
    const record = (accountId: string, messageId: string) => ({
      messageId,
      body: JSON.stringify({ accountId, runId: 'run-1' }),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
      receiptHandle: 'h',
    });
    const context = { awsRequestId: 'req-1', functionName: 'sync', getRemainingTimeInMillis: () => 60_000 };
    const out = await handler(
      { Records: [record('acme', 'm1'), { ...record('acme', 'm2'), body: 'not json' }] },
      context,
    );
    // The good record succeeds; only the malformed one is reported for SQS to retry.
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(secrets.calls).toEqual(['secretsmanager.GetSecretValue burnrate/acme']);
    const emails = await ses.emails();
    expect(emails.map((e) => e.subject)).toEqual(['Acme: balance $70.00 is below $100']);
    // The bundled SNS client published the chat message, attributes included.
    expect(sns.published.map((p) => [p.attributes.kind?.value, JSON.parse(p.message).subject])).toEqual([
      ['low-balance', 'Acme: balance $70.00 is below $100'],
    ]);
  }, 60_000);

  it('the deployed dispatch bundle queues one message per enabled account', async () => {
    const sqs = await startSqsFake();
    try {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        // The SQS client sends to the queue URL's host, so the URL points at the fake.
        BURNRATE_QUEUE_URL: `${sqs.endpoint}/123456789012/sync`,
      });
      const { handler } = (await import(bundles.Dispatch as string)) as {
        handler: (e: unknown, c: unknown) => Promise<unknown>;
      };
      const out = await handler({}, { awsRequestId: 'run-42' });
      // The table of the test above holds one enabled account.
      expect(out).toEqual({ queued: 1, disabled: 0 });
      expect(sqs.received.map((m) => JSON.parse(m.body))).toEqual([{ accountId: 'acme', runId: 'run-42' }]);
    } finally {
      await sqs.stop();
    }
  }, 60_000);

  it('the deployed config-edit bundle checks an edit from its stream record: the lowered threshold alerts, with no secret read', async () => {
    const { handler } = (await import(bundles.ConfigEditHandler as string)) as {
      handler: (e: unknown, c: unknown) => Promise<unknown>;
    };
    // The account of the first test: $70 left, low-balance:100 already sent. A hand edit adds $80.
    await ddb.doc.send(
      new UpdateCommand({
        TableName: process.env.BURNRATE_TABLE,
        Key: { pk: 'ACCOUNT#acme', sk: 'CONFIG' },
        UpdateExpression: 'SET lowBalanceUsd = :v',
        ExpressionAttributeValues: { ':v': [100, 80] },
      }),
    );
    const keys = { pk: { S: 'ACCOUNT#acme' }, sk: { S: 'CONFIG' } };
    const record = {
      eventID: 'e1',
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-12-05T00:00:00.000',
      awsRegion: 'us-east-1',
      dynamodb: {
        Keys: keys,
        OldImage: { ...keys, lowBalanceUsd: { L: [{ N: '100' }] } },
        NewImage: { ...keys, lowBalanceUsd: { L: [{ N: '100' }, { N: '80' }] } },
        SequenceNumber: '100',
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    const secretReads = secrets.calls.length;
    await ses.clear();
    const context = {
      awsRequestId: 'req-c',
      functionName: 'config-edit',
      getRemainingTimeInMillis: () => 60_000,
    };
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    expect((await ses.emails()).map((e) => e.subject)).toEqual(['Acme: balance $70.00 is below $80']);
    expect(sns.published.map((p) => JSON.parse(p.message).subject)).toContain(
      'Acme: balance $70.00 is below $80',
    );
    expect(secrets.calls).toHaveLength(secretReads);
  }, 60_000);

  it('the deployed guard bundle reads the signing key from Secrets Manager, checks links, and answers through the wired use case (an incident it does not know: 404, nothing written)', async () => {
    delete process.env.BURNRATE_GUARD_KEY;
    const { handler } = (await import(bundles.GuardHandler as string)) as {
      handler: (
        e: unknown,
        c: unknown,
      ) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    };
    const context = { awsRequestId: 'req-g', functionName: 'guard', getRemainingTimeInMillis: () => 30_000 };
    const now = new Date();
    const claims = { accountId: 'acme', projectId: 'proj_a', incident: 'guard:proj_a:2026-11-24', now };
    const good = issueToken({ ...claims, action: 'freeze' }, signingKeyBytes(GUARD_KEY, 'test')).token;
    const forged = issueToken({ ...claims, action: 'freeze' }, signingKeyBytes('x'.repeat(64), 'test')).token;
    const event = (method: string, token: string) => ({
      version: '2.0',
      rawPath: '/',
      rawQueryString: method === 'GET' ? `t=${token}` : '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: { http: { method, path: '/' } },
      ...(method === 'POST' && {
        body: Buffer.from(`t=${token}&action=freeze`).toString('base64'),
        isBase64Encoded: true,
      }),
    });
    const shown = await handler(event('GET', good), context);
    // Verified with the secret's key; the use case (wired) knows no such account or incident.
    expect(shown.statusCode).toBe(404);
    expect(shown.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await handler(event('GET', forged), context)).statusCode).toBe(403);
    expect((await handler(event('POST', good), context)).statusCode).toBe(404);
    // Read once, then cached by Powertools across invocations.
    expect(secrets.calls.filter((c) => c.endsWith('burnrate/guard-signing-key'))).toHaveLength(1);
    const items = await ddb.doc.send(
      new QueryCommand({
        TableName: process.env.BURNRATE_TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
        ExpressionAttributeValues: { ':pk': 'ACCOUNT#acme', ':t': 'TOKEN#' },
      }),
    );
    expect(items.Items).toEqual([]);
  }, 60_000);
});
