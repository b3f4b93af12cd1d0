import { randomUUID } from 'node:crypto';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlertMessage, alertMessageSchema } from '../../shared/chat/alert-message.ts';
import { SnsAlertPublisher } from '../../shared/chat/sns-publisher.ts';
import { renderAlertEmail, renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { renderDigestEmail } from '../../shared/email/render-digest-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import { ProviderAuthError } from '../../shared/providers/errors.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { accountPk, alertSk, CONFIG_SK, grantSk } from '../../shared/store/keys.ts';
import { type ProcessDeps, processAccount } from '../../shared/use-cases/process-account.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startRefusingSes, startSnsFake } from '../fakes/sns-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;
let now: Date;
let sns: Awaited<ReturnType<typeof startSnsFake>>;
let refusingSes: Awaited<ReturnType<typeof startRefusingSes>>;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:burnrate-alerts';
const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const DAY = 86_400_000;

/** The real SES and SNS adapters; `refusing` puts SES's MessageRejected answer in front of the emulator. */
function deps(options: { refusing?: boolean } = {}): ProcessDeps {
  refusingSes.setRefusing(options.refusing === true);
  const client = new SESClient({ ...local, endpoint: refusingSes.endpoint });
  const common = {
    alerts: new DynamoAlertStore(ddb.doc, table),
    mailer: new SesMailer(client),
    now: () => now,
    newToken: randomUUID,
    claimTimeoutMs: 600_000,
    sender: 'burnrate@acme.example',
  };
  return {
    store: new DynamoAccountStore(ddb.doc, table),
    secrets: new EnvSecretSource({ openai: fake.adminKey }),
    costSource: (_c, adminKey) =>
      new OpenAiCostSource({ adminKey, baseUrl: fake.baseUrl, sleep: async () => {}, maxRetries: 1 }),
    now: () => now,
    staleHours: 6,
    isAuthError: (e) => e instanceof ProviderAuthError,
    delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
    digest: {
      ...common,
      renderDigest: renderDigestEmail,
      publisher: new SnsAlertPublisher(new SNSClient({ ...local, endpoint: sns.endpoint }), TOPIC),
    },
    operator: { ...common, operatorEmail: 'operator@acme.example', renderOperator: renderOperatorEmail },
  };
}

async function account(config: Record<string, unknown> = {}) {
  const put = (Item: Record<string, unknown>) => ddb.doc.send(new PutCommand({ TableName: table, Item }));
  await put({
    pk: accountPk('acme'),
    sk: CONFIG_SK,
    id: 'acme',
    provider: 'openai',
    name: 'Acme production',
    recipients: ['ops@acme.example'],
    expiryWarningDays: [],
    ...config,
  });
  await put({
    pk: accountPk('acme'),
    sk: grantSk('g1'),
    id: 'g1',
    amountUsd: 5000,
    effectiveAt: '2026-10-01T00:00:00Z',
  });
}

/** $10 a day from October to the end of the year. */
function spendEveryDay() {
  const h: Record<string, Array<{ usd: number }>> = {};
  for (let t = Date.parse('2026-10-01'); t < Date.parse('2027-01-01'); t += DAY)
    h[new Date(t).toISOString().slice(0, 10)] = [{ usd: 10 }];
  fake.setCosts(h);
}

const digests = async () => (await ses.emails()).filter((e) => /weekly/.test(e.subject));

async function run(at: string, d = deps()) {
  now = new Date(at);
  const out = await processAccount(d, 'acme');
  expect(out.status === 'failed' && out.error.message).toBe(false);
  return out;
}

/** The chat messages published to the topic so far, checked against the message schema. */
const chat = (): AlertMessage[] => sns.published.map((p) => alertMessageSchema.parse(JSON.parse(p.message)));

beforeAll(async () => {
  fake = await startOpenAiFake();
  sns = await startSnsFake();
  refusingSes = await startRefusingSes(ses.endpoint);
});
afterAll(async () => {
  await fake.stop();
  await sns.stop();
  await refusingSes.stop();
});
beforeEach(async () => {
  table = await ddb.freshTable('digest');
  await ses.clear();
  fake.setUsage([]);
  spendEveryDay();
  sns.published.length = 0;
});

describe('weekly digest end to end (DynamoDB Local, SES emulator, fake OpenAI)', () => {
  it('14 daily runs send exactly two digests, on the Mondays, each once; re-runs send none', async () => {
    await account();
    const sent: string[] = [];
    // Tuesday 2026-11-24 to Monday 2026-12-07 at 10:00, and a re-run half an hour later each day.
    for (let i = 0; i < 14; i++) {
      const day = new Date(Date.parse('2026-11-24T10:00:00Z') + i * DAY).toISOString().slice(0, 10);
      sent.push(...(await run(`${day}T10:00:00Z`)).sent);
      expect((await run(`${day}T10:30:00Z`)).sent).toEqual([]);
    }
    expect(sent).toEqual(['digest:2026-11-30', 'digest:2026-12-07']);
    const emails = await digests();
    expect(emails).toHaveLength(2);
    expect(emails.map((e) => e.destination.to)).toEqual([['ops@acme.example'], ['ops@acme.example']]);
    expect(emails[0]?.subject).toBe('Acme production: weekly digest, balance $4,400.00, runway 440 days');
    // The text part carries the week's numbers: 7 × $10 against 7 × $10.
    expect(emails[0]?.body.text).toContain(
      'Spend, last 7 days: $70.00 (2026-11-23 to 2026-11-29), 0% on the 7 days before ($70.00)',
    );
    const item = await ddb.doc.send(
      new GetCommand({ TableName: table, Key: { pk: accountPk('acme'), sk: alertSk('digest:2026-11-30') } }),
    );
    expect(item.Item).toMatchObject({ status: 'sent', kind: 'digest' });
    expect(chat().map((m) => [m.kind, m.at, m.subject])).toEqual([
      ['digest', '2026-11-30T10:00:00.000Z', emails[0]?.subject],
      ['digest', '2026-12-07T10:00:00.000Z', emails[1]?.subject],
    ]);
    expect(sns.published[0]?.attributes.kind).toEqual({ dataType: 'String', value: 'digest' });
  });

  it('"off" sends none in 14 daily runs', async () => {
    await account({ digest: 'off' });
    for (let i = 0; i < 14; i++)
      await run(new Date(Date.parse('2026-11-24T10:00:00Z') + i * DAY).toISOString());
    expect(await digests()).toEqual([]);
  });

  it('Monday 08:59 sends none, 09:00 sends one, a re-run the same day none', async () => {
    await account();
    await run('2026-11-29T12:00:00Z'); // Sunday: the account's first run
    expect((await run('2026-11-30T08:59:00Z')).sent).toEqual([]);
    expect(await digests()).toHaveLength(0);
    expect((await run('2026-11-30T09:00:00Z')).sent).toEqual(['digest:2026-11-30']);
    expect((await run('2026-11-30T17:00:00Z')).sent).toEqual([]);
    expect(await digests()).toHaveLength(1);
  });

  it('a first run on a Monday after 09:00 sends that week’s digest; one on a Tuesday waits', async () => {
    await account();
    expect((await run('2026-11-24T09:00:00Z')).sent).toEqual([]);
    table = await ddb.freshTable('digest');
    await account();
    expect((await run('2026-11-23T09:05:00Z')).sent).toEqual(['digest:2026-11-23']);
  });

  it('SES refusing (MessageRejected), then accepting: exactly one digest, sent at the next run', async () => {
    await account();
    await run('2026-11-29T12:00:00Z');
    const refused = await run('2026-11-30T09:00:00Z', deps({ refusing: true }));
    expect(refused.sent).toEqual([]);
    expect(refused.deliveryError?.message).toMatch(/digest:2026-11-30.*MessageRejected/);
    expect(refused.undelivered).toEqual(['digest:2026-11-30']);
    expect(refusingSes.refused).toBeGreaterThan(0);
    expect(chat()).toEqual([]);
    expect((await run('2026-11-30T09:15:00Z')).sent).toEqual(['digest:2026-11-30']);
    expect((await run('2026-11-30T09:30:00Z')).sent).toEqual([]);
    expect(await digests()).toHaveLength(1);
    expect(chat()).toHaveLength(1);
  });

  it('a run that fires an alert on a Monday sends two emails: the alert and the digest', async () => {
    await account({ lowBalanceUsd: [4000] });
    await run('2026-11-29T12:00:00Z'); // fires low-balance on Sunday
    await ses.clear();
    await account({ lowBalanceUsd: [4000, 3000] });
    const out = await run('2026-12-07T09:00:00Z'); // $5000 − 67 days × $10 = $4330: no new alert
    expect(out.sent).toEqual(['digest:2026-12-07']);
    await ses.clear();
    await account({ lowBalanceUsd: [4000, 3000, 4500], monthlyBudgetUsd: 100 });
    const both = await run('2026-12-14T09:00:00Z');
    expect(both.sent).toEqual(expect.arrayContaining(['low-balance:4500', 'digest:2026-12-14']));
    const subjects = (await ses.emails()).map((e) => e.subject);
    expect(subjects).toHaveLength(2);
    expect(subjects.filter((s) => s.includes('weekly'))).toHaveLength(1);
  });
});
