import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertMessageSchema } from '../../shared/chat/alert-message.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startRefusingSes, startSnsFake } from '../fakes/sns-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../functions/cli/bin.mjs');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:burnrate-alerts';
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let sns: Awaited<ReturnType<typeof startSnsFake>>;
let refusing: Awaited<ReturnType<typeof startRefusingSes>>;
let table: string;

beforeAll(async () => {
  fake = await startOpenAiFake({ adminKey: 'sk-admin-secret-do-not-print' });
  fake.setCosts({ '2026-11-20': [{ usd: 50 }] });
  sns = await startSnsFake();
  refusing = await startRefusingSes(ses.endpoint);
  table = await ddb.freshTable('undelivered');
  await seedAccount(
    ddb.doc,
    table,
    { id: 'acme', provider: 'openai', name: 'Acme', recipients: ['ops@acme.example'], lowBalanceUsd: [100] },
    [{ id: 'g', amountUsd: 120, effectiveAt: '2026-11-01' }],
  );
});
afterAll(async () => {
  await fake.stop();
  await sns.stop();
  await refusing.stop();
});

async function run() {
  const { OPENAI_ADMIN_KEY: _k, ...rest } = process.env;
  const env = {
    ...rest,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: refusing.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: table,
    BURNRATE_SENDER: 'burnrate@acme.example',
    BURNRATE_OPERATOR_EMAIL: 'oncall@acme.example',
    BURNRATE_ALERTS_TOPIC_ARN: TOPIC,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_ADMIN_KEY: fake.adminKey,
  };
  const args = [BIN, 'run', '--now', '2026-11-24T09:00:00Z', '--json'];
  try {
    const { stdout, stderr } = await exec(process.execPath, args, { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('burnrate run when SES refuses mail, then accepts it again', () => {
  it('exits 1 naming the account, the keys and the SES error; then delivers and publishes exactly once', async () => {
    const refused = await run();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'burnrate: account acme: 1 due alert(s) not delivered (low-balance:100): SES rejected the email from burnrate@acme.example to ops@acme.example (MessageRejected): Email address is not verified.',
    );
    expect(refused.stderr).not.toContain(fake.adminKey);
    const [outcome] = JSON.parse(refused.stdout);
    expect(outcome).toMatchObject({
      accountId: 'acme',
      status: 'ok',
      sent: [],
      undelivered: ['low-balance:100'],
      published: [],
      messages: [],
    });
    // The alert and the operator's email both met the refusal; nothing was published to chat.
    expect(refusing.refused).toBe(2);
    expect(await ses.emails()).toEqual([]);
    expect(sns.published).toEqual([]);

    refusing.setRefusing(false);
    const accepted = await run();
    expect(accepted.code).toBe(0);
    const [delivered] = JSON.parse(accepted.stdout);
    expect(delivered).toMatchObject({ sent: ['low-balance:100'], published: ['low-balance:100'] });
    const emails = await ses.emails();
    expect(emails.map((e) => e.subject)).toEqual(['Acme: balance $70.00 is below $100']);

    // One chat message, on the topic, with the attributes, matching the schema and `run --json`.
    expect(sns.published).toHaveLength(1);
    const [published] = sns.published;
    expect(published?.topicArn).toBe(TOPIC);
    expect(published?.attributes).toEqual({
      accountId: { dataType: 'String', value: 'acme' },
      kind: { dataType: 'String', value: 'low-balance' },
      schema: { dataType: 'String', value: 'burnrate.alert/1' },
    });
    const message = alertMessageSchema.parse(JSON.parse(published?.message ?? ''));
    expect(message).toEqual(delivered.messages[0]);
    expect(message).toMatchObject({
      schema: 'burnrate.alert/1',
      accountId: 'acme',
      accountName: 'Acme',
      provider: 'openai',
      kind: 'low-balance',
      keys: ['low-balance:100'],
      subject: 'Acme: balance $70.00 is below $100',
      figures: { balanceUsd: 70, monthToDateUsd: 50 },
      emailMessageId: emails[0]?.messageId,
    });
    expect(message.text).toContain('lowBalanceUsd');
    expect(published?.message).not.toContain(fake.adminKey);

    // A re-run sends and publishes nothing again.
    const again = await run();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ sent: [], published: [], messages: [] });
    expect(await ses.emails()).toHaveLength(1);
    expect(sns.published).toHaveLength(1);
  }, 60_000);
});
