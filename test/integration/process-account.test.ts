import { randomUUID } from 'node:crypto';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderAlertEmail, renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import { localSesClient } from '../../shared/local/clients.ts';
import { ProviderAuthError } from '../../shared/providers/errors.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { accountPk, alertSk, CONFIG_SK, grantSk } from '../../shared/store/keys.ts';
import { type ProcessDeps, processAccount } from '../../shared/use-cases/process-account.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startRefusingSes } from '../fakes/sns-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;
let now: Date;
const DAY = 86_400_000;

function deps(key = fake.adminKey, sesClient: SESv2Client = ses.client): ProcessDeps {
  const common = {
    alerts: new DynamoAlertStore(ddb.doc, table),
    mailer: new SesMailer(sesClient),
    now: () => now,
    newToken: randomUUID,
    claimTimeoutMs: 600_000,
    sender: 'burnrate@acme.example',
  };
  return {
    store: new DynamoAccountStore(ddb.doc, table),
    secrets: new EnvSecretSource({ openai: key }),
    costSource: (_c, adminKey) =>
      new OpenAiCostSource({ adminKey, baseUrl: fake.baseUrl, sleep: async () => {}, maxRetries: 1 }),
    now: () => now,
    staleHours: 6,
    isAuthError: (e) => e instanceof ProviderAuthError,
    delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
    operator: { ...common, operatorEmail: 'operator@acme.example', renderOperator: renderOperatorEmail },
  };
}

async function put(item: Record<string, unknown>) {
  await ddb.doc.send(new PutCommand({ TableName: table, Item: item }));
}

async function account(config: Record<string, unknown>, grants: Array<Record<string, unknown>>) {
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
  for (const g of grants) await put({ pk: accountPk('acme'), sk: grantSk(String(g.id)), ...g });
}

/** `days` days of `usd` a day ending yesterday (relative to `now`). */
function spend(usd: number, days = 30) {
  const h: Record<string, Array<{ usd: number }>> = {};
  const today = Date.parse(now.toISOString().slice(0, 10));
  for (let i = 1; i <= days; i++) h[new Date(today - i * DAY).toISOString().slice(0, 10)] = [{ usd }];
  fake.setCosts(h);
}

function spendRange(from: string, to: string, usd: number) {
  const h: Record<string, Array<{ usd: number }>> = {};
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY)
    h[new Date(t).toISOString().slice(0, 10)] = [{ usd }];
  fake.setCosts(h);
}

beforeAll(async () => {
  fake = await startOpenAiFake();
});
afterAll(() => fake.stop());
beforeEach(async () => {
  table = await ddb.freshTable('process');
  await ses.clear();
  now = new Date('2026-11-24T09:00:00Z');
  fake.setUsage([]);
});

describe('sync + delivery end to end (DynamoDB Local, SES emulator, fake OpenAI)', () => {
  it.each([
    [
      'low-balance',
      { lowBalanceUsd: [100] },
      210 + 90,
      10,
      /^Acme production: balance \$90\.00 is below \$100$/,
    ],
    ['runway', { lowRunwayDays: 10 }, 300 + 90, 10, /^Acme production: runway 9 days, below 10$/],
    ['exhausted', {}, 300, 20, /^Acme production: credit exhausted, balance -\$300\.00$/],
    [
      'budget',
      { monthlyBudgetUsd: 1000, budgetAlertPercents: [20], forecastAlert: false },
      5000,
      10,
      /^Acme production: 20% of the \$1,000 budget used in 2026-11 \(\$230\.00\)$/,
    ],
    [
      'forecast',
      { monthlyBudgetUsd: 300, budgetAlertPercents: [] },
      5000,
      10,
      /^Acme production: forecast \$300 for 2026-11 exceeds the \$300 budget$/,
    ],
    [
      'expiry',
      { expiryWarningDays: [7] },
      300,
      1,
      /^Acme production: \$270 of credits expire in 7 days, about \$263 likely unused$/,
    ],
  ] as const)(
    '%s: one email with the right subject; a second run sends nothing',
    async (kind, config, grantUsd, perDay, subject) => {
      const expiresAt = kind === 'expiry' ? '2026-12-01T00:00:00Z' : '2027-10-01T00:00:00Z';
      await account(config, [
        { id: 'g1', amountUsd: grantUsd, effectiveAt: '2026-10-01T00:00:00Z', expiresAt },
      ]);
      spend(perDay, kind === 'low-balance' ? 21 : 30);
      const first = await processAccount(deps(), 'acme');
      expect(first.status === 'failed' && first.error.message).toBe(false);
      expect(first.status).toBe('ok');
      const emails = await ses.emails();
      expect(emails.map((e) => e.subject)).toHaveLength(1);
      expect(emails[0]?.subject).toMatch(subject);
      expect(first.sent.some((k) => k.startsWith(kind))).toBe(true);
      now = new Date('2026-11-24T09:15:00Z');
      const second = await processAccount(deps(), 'acme');
      expect(second.sent).toEqual([]);
      expect(await ses.emails()).toHaveLength(1);
    },
  );

  it('low balance re-arms after a top-up and sends again on the next drop', async () => {
    await account({ lowBalanceUsd: [100] }, [
      { id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' },
    ]);
    spendRange('2026-11-03', '2026-12-31', 10);
    await processAccount(deps(), 'acme'); // 300 − 21 days × 10 = 90: fires
    await put({
      pk: accountPk('acme'),
      sk: grantSk('topup'),
      id: 'topup',
      amountUsd: 200,
      effectiveAt: '2026-11-24T10:00:00Z',
    });
    now = new Date('2026-11-24T10:15:00Z');
    const topped = await processAccount(deps(), 'acme'); // 290: re-arms
    expect(topped.status === 'ok' && topped.result.rearmed).toEqual(['low-balance:100']);
    now = new Date('2026-12-12T10:15:00Z');
    const calm = await processAccount(deps(), 'acme'); // 500 − 39 days × 10 = 110
    expect(calm.status === 'ok' && calm.result.figures.balanceMicros).toBe(110_000_000);
    now = new Date('2026-12-14T10:15:00Z');
    const dropped = await processAccount(deps(), 'acme');
    expect(dropped.sent).toContain('low-balance:100');
    const subjects = (await ses.emails()).map((e) => e.subject);
    expect(subjects.filter((s) => s.includes('is below $100'))).toHaveLength(2);
  });

  it('an invalid config item emails the operator once, naming the field', async () => {
    await account({ lowBalanceUsd: [100, -5] }, []);
    const first = await processAccount(deps(), 'acme');
    expect(first).toMatchObject({ status: 'invalid', operator: { kind: 'invalid-config', result: 'sent' } });
    await processAccount(deps(), 'acme');
    const emails = await ses.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.destination.to).toEqual(['operator@acme.example']);
    expect(emails[0]?.subject).toBe('burnrate operator: account acme: config item is invalid');
    expect(emails[0]?.body.text).toContain(
      'account acme: lowBalanceUsd[1]: expected a positive number, got -5',
    );
  });

  it('a bad edit of a config item that synced before: the alerts go on with the last good config, the operator is told once, the fix re-arms', async () => {
    await account({ lowBalanceUsd: [100] }, [
      { id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' },
    ]);
    spendRange('2026-11-03', '2026-12-31', 10);
    now = new Date('2026-11-10T09:00:00Z');
    expect((await processAccount(deps(), 'acme')).sent).toEqual([]); // 300 − 7 × 10 = 230
    await account({ lowBalanceUsd: [100, -5] }, []); // a typo in the console
    now = new Date('2026-11-24T09:00:00Z'); // 300 − 21 × 10 = 90: below $100
    const broken = await processAccount(deps(), 'acme');
    expect(broken.status).toBe('ok');
    expect(broken.sent).toContain('low-balance:100');
    expect(broken.operator).toMatchObject({ kind: 'invalid-config', result: 'sent' });
    const emails = await ses.emails();
    expect(emails.map((e) => e.destination.to[0]).sort()).toEqual([
      'operator@acme.example',
      'ops@acme.example',
    ]);
    const operator = emails.find((e) => e.destination.to[0] === 'operator@acme.example');
    expect(operator?.body.text).toContain(
      'account acme: lowBalanceUsd[1]: expected a positive number, got -5',
    );
    expect(operator?.body.text).toContain('keeps using it as it was at the last good sync');
    // Later runs: still on the last good config, and no second email to anyone.
    now = new Date('2026-11-24T09:15:00Z');
    const again = await processAccount(deps(), 'acme');
    expect(again.status === 'ok' && again.result.invalidConfig).toEqual([
      'account acme: lowBalanceUsd[1]: expected a positive number, got -5',
    ]);
    expect(await ses.emails()).toHaveLength(2);
    // Fixed: the notice re-arms, so the next bad edit is told again.
    await account({ lowBalanceUsd: [100] }, []);
    now = new Date('2026-11-24T09:30:00Z');
    expect((await processAccount(deps(), 'acme')).status).toBe('ok');
    await account({ lowBalanceUsd: [100], budgetAlertPercents: [0] }, []);
    now = new Date('2026-11-24T09:45:00Z');
    expect((await processAccount(deps(), 'acme')).operator).toMatchObject({
      kind: 'invalid-config',
      result: 'sent',
    });
  });

  it('an invalid grant still stops the sync (no last good ledger), and so does a config item that never synced', async () => {
    await account({ lowBalanceUsd: [100] }, [
      { id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' },
    ]);
    spendRange('2026-11-03', '2026-12-31', 10);
    now = new Date('2026-11-10T09:00:00Z');
    await processAccount(deps(), 'acme');
    await put({
      pk: accountPk('acme'),
      sk: grantSk('g2'),
      id: 'g2',
      amountUsd: -5,
      effectiveAt: '2026-11-01T00:00:00Z',
    });
    now = new Date('2026-11-24T09:00:00Z');
    expect(await processAccount(deps(), 'acme')).toMatchObject({ status: 'invalid' });
  });

  it('a rejected admin key emails the operator, and the key never appears in the email', async () => {
    await account({}, [{ id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' }]);
    spend(1);
    const out = await processAccount(deps('sk-admin-wrong-and-secret'), 'acme');
    expect(out).toMatchObject({ status: 'failed', operator: { kind: 'auth-failed', result: 'sent' } });
    const [email] = await ses.emails();
    expect(email?.subject).toBe('burnrate operator: account acme: the admin key is missing or was refused');
    expect(JSON.stringify(email)).not.toContain('sk-admin-wrong-and-secret');
  });

  it('a provider outage past the stale threshold emails the operator; the next good sync re-arms it', async () => {
    await account({}, [{ id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' }]);
    spend(1);
    await processAccount(deps(), 'acme');
    now = new Date('2026-11-24T18:00:00Z');
    fake.injectFaults([{ kind: '500' }, { kind: '500' }], '/v1/organization/costs');
    const out = await processAccount(deps(), 'acme');
    expect(out).toMatchObject({ status: 'failed', operator: { kind: 'stale-data', result: 'sent' } });
    const ok = await processAccount(deps(), 'acme');
    expect(ok.status).toBe('ok');
    expect(ok.status === 'ok' && ok.result.due).toEqual([]);
  });

  it('SES sandbox refusing the recipients but not the operator: one operator email, not one per run; a delivered email re-arms it', async () => {
    const sandbox = await startRefusingSes(ses.endpoint);
    const client = localSesClient(sandbox.endpoint);
    try {
      sandbox.sandbox(['burnrate@acme.example', 'operator@acme.example']);
      await account({ lowBalanceUsd: [100, 50] }, [
        { id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' },
      ]);
      spendRange('2026-11-03', '2026-12-31', 10);
      const operatorEmails = async () =>
        (await ses.emails()).filter((e) => e.destination.to[0] === 'operator@acme.example');
      // Four runs, 15 minutes apart, while SES refuses ops@ (balance $90: low-balance:100 is due).
      for (const time of ['09:00', '09:15', '09:30', '09:45']) {
        now = new Date(`2026-11-24T${time}:00Z`);
        const out = await processAccount(deps(fake.adminKey, client), 'acme');
        expect(out).toMatchObject({ status: 'ok', sent: [], undelivered: ['low-balance:100'] });
      }
      const notices = await operatorEmails();
      expect(notices.map((e) => e.subject)).toEqual([
        'burnrate operator: account acme: alert emails could not be sent',
      ]);
      expect(notices[0]?.body.text).toContain(
        'You get this once until an email to the account’s recipients is delivered again',
      );
      expect(sandbox.refused).toBe(4);

      // ops@ verified: the alert goes out, and that (not the sync) re-arms the notice.
      sandbox.sandbox(['burnrate@acme.example', 'operator@acme.example', 'ops@acme.example']);
      now = new Date('2026-11-24T10:00:00Z');
      const delivered = await processAccount(deps(fake.adminKey, client), 'acme');
      expect(delivered.sent).toEqual(['low-balance:100']);
      const notice = await ddb.doc.send(
        new GetCommand({
          TableName: table,
          Key: { pk: accountPk('acme'), sk: alertSk('operator:delivery-failed') },
        }),
      );
      expect(notice.Item).toBeUndefined();

      // A new failure is a new problem: the operator hears of it once more (balance $40 < $50).
      sandbox.sandbox(['burnrate@acme.example', 'operator@acme.example']);
      for (const time of ['10:00', '10:15']) {
        now = new Date(`2026-11-29T${time}:00Z`);
        const out = await processAccount(deps(fake.adminKey, client), 'acme');
        expect(out).toMatchObject({ status: 'ok', undelivered: ['low-balance:50'] });
      }
      expect(await operatorEmails()).toHaveLength(2);
    } finally {
      client.destroy();
      await sandbox.stop();
    }
  });

  async function storedAlerts() {
    const out = await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': accountPk('acme'), ':a': 'ALERT#' },
      }),
    );
    return out.Items ?? [];
  }

  it.each([
    [
      '150 budget percents',
      {
        monthlyBudgetUsd: 100,
        budgetAlertPercents: Array.from({ length: 150 }, (_, i) => i + 1),
        forecastAlert: false,
      },
      [] as Array<Record<string, unknown>>,
      () => spend(10, 23), // $230 this month: every percent up to 150 is reached
      (i: number) => `budget:2026-11:${i + 1}`,
    ],
    [
      '150 grants expiring within a week (150 grant checks too)',
      { expiryWarningDays: [7] },
      Array.from({ length: 150 }, (_, i) => ({
        id: `g${String(i).padStart(3, '0')}`,
        amountUsd: 10,
        effectiveAt: '2026-11-01T00:00:00Z',
        expiresAt: '2026-11-28T00:00:00Z',
      })),
      () => fake.setCosts({}), // no spend yet: nothing is used up, every grant is at risk
      (i: number) => `expiry:g${String(i).padStart(3, '0')}:7`,
    ],
  ])(
    '%s firing at once: every key recorded, all emailed once, the next run quiet',
    async (_name, config, grants, costs, key) => {
      await account(config, grants);
      costs();
      const first = await processAccount(deps(), 'acme');
      expect(first.status === 'failed' && first.error.message).toBe(false);
      const expected = Array.from({ length: 150 }, (_, i) => key(i)).sort();
      expect([...first.sent].sort()).toEqual(expected);
      const emails = await ses.emails();
      expect(emails).toHaveLength(1);
      const alerts = await storedAlerts();
      expect(alerts.map((a) => a.key).sort()).toEqual(expected);
      expect(new Set(alerts.map((a) => `${a.status} ${a.messageId}`))).toEqual(
        new Set([`sent ${emails[0]?.messageId}`]),
      );
      now = new Date('2026-11-24T09:15:00Z');
      const next = await processAccount(deps(), 'acme');
      expect(next.status === 'ok' && next.result.due).toEqual([]);
      expect(next.sent).toEqual([]);
      expect(await ses.emails()).toHaveLength(1);
    },
  );

  it("a delivered key gets a TTL once it can no longer fire (last month's budget: on the 4th), a pending one never", async () => {
    await account(
      { monthlyBudgetUsd: 100, budgetAlertPercents: [50, 80], forecastAlert: false, digest: 'off' },
      [],
    );
    spendRange('2026-11-01', '2026-12-31', 3); // 11-24: $69 this month, past 50%; 80% on 11-27
    await processAccount(deps(), 'acme'); // budget:2026-11:50 sent
    const sandbox = await startRefusingSes(ses.endpoint);
    const refusing = localSesClient(sandbox.endpoint);
    try {
      now = new Date('2026-11-28T09:00:00Z');
      const refused = await processAccount(deps(fake.adminKey, refusing), 'acme'); // 80% due, not delivered
      expect(refused.undelivered).toEqual(['budget:2026-11:80']);
      const ttls = async () =>
        Object.fromEntries((await storedAlerts()).map((a) => [a.key, `${a.status} ${a.ttl ?? '-'}`]));
      now = new Date('2026-12-03T23:00:00Z'); // still the first 3 days: November's keys can fire
      await processAccount(deps(fake.adminKey, refusing), 'acme');
      expect(await ttls()).toMatchObject({ 'budget:2026-11:50': 'sent -', 'budget:2026-11:80': 'pending -' });
      now = new Date('2026-12-04T00:15:00Z');
      await processAccount(deps(fake.adminKey, refusing), 'acme');
      const deleteAfter = (Date.parse('2026-12-04T00:00:00Z') + 30 * DAY) / 1000;
      expect(await ttls()).toMatchObject({
        'budget:2026-11:50': `sent ${deleteAfter}`,
        'budget:2026-11:80': 'pending -',
      });
    } finally {
      refusing.destroy();
      await sandbox.stop();
    }
  });
});
