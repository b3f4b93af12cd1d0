import { randomUUID } from 'node:crypto';
import type { SESClient } from '@aws-sdk/client-ses';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderAlertEmail, renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import { localSesClient } from '../../shared/local/clients.ts';
import type { StoredEmail } from '../../shared/local/ses-local.ts';
import type { AlertDeliveryStore, Mailer } from '../../shared/ports.ts';
import { ProviderAuthError } from '../../shared/providers/errors.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { accountPk, alertSk } from '../../shared/store/keys.ts';
import { type ProcessDeps, processAccount } from '../../shared/use-cases/process-account.ts';
import { startRefusingSes } from '../fakes/sns-fake.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { type Fake, MODES, PROVIDERS } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const DAY = 86_400_000;
const OWNER = 'owner@acme.example';
const LEAD = 'search-lead@acme.example';
const OPERATOR = 'operator@acme.example';
const SENDER = 'burnrate@acme.example';
/** Who got each email (the emulator keeps the first recipient; every group here has one). */
const to = (emails: StoredEmail[]) => emails.map((e) => e.destination.to[0] ?? '');

/**
 * A project's budget end to end, per provider and fake mode: the sync (costs grouped by
 * project/workspace from the fake, in its wire format), the alert rules, and delivery per recipient
 * group, against DynamoDB Local and the SES emulator (which keeps only the first recipient of an
 * email: each group here has one).
 */
describe.each(PROVIDERS.flatMap((p) => MODES.map((mode) => ({ ...p, mode }))))(
  'project budgets and their emails ($name, $mode)',
  (p) => {
    const SEARCH = p.name === 'openai' ? 'proj_search' : 'wrkspc_search';
    const OTHER = p.name === 'openai' ? 'proj_other' : 'wrkspc_other';
    let fake: Fake;
    let table: string;
    let now: Date;

    /** Process deps; `ses` (a client) and `alerts` (a wrapped store) swap in faults. */
    function deps(
      o: { sesClient?: SESClient; alerts?: AlertDeliveryStore; mailer?: Mailer } = {},
    ): ProcessDeps {
      const common = {
        alerts: o.alerts ?? new DynamoAlertStore(ddb.doc, table),
        mailer: o.mailer ?? new SesMailer(o.sesClient ?? ses.client),
        now: () => now,
        newToken: randomUUID,
        claimTimeoutMs: 600_000,
        sender: SENDER,
      };
      return {
        store: new DynamoAccountStore(ddb.doc, table),
        secrets: new EnvSecretSource({ [p.name]: fake.adminKey }),
        costSource: (_c, adminKey) =>
          p.client({ ...fake, adminKey } as Fake, { sleep: async () => {}, maxRetries: 1 }),
        now: () => now,
        staleHours: 6,
        isAuthError: (e) => e instanceof ProviderAuthError,
        delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
        operator: { ...common, operatorEmail: OPERATOR, renderOperator: renderOperatorEmail },
      };
    }

    /**
     * Post-paid, no account budget, no digest: the only alerts are Search's. Search spends $5 a day
     * against a $100 budget (80% on the 17th, with $80 of 16 days; 100% on the 21st), another
     * project $3 a day without an entry.
     */
    async function account(extra: Record<string, unknown> = {}) {
      await seedAccount(ddb.doc, table, {
        id: 'acme',
        provider: p.name,
        name: 'Acme',
        recipients: [OWNER],
        digest: 'off',
        spikeAlert: false,
        projects: {
          [SEARCH]: {
            name: 'Search',
            monthlyBudgetUsd: 100,
            budgetAlertPercents: [80, 100],
            forecastAlert: false,
            recipients: [LEAD],
          },
        },
        ...extra,
      });
      const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
      // From Nov 1: October's spend would fire October's keys on Nov 1-3 (last month's rule).
      for (let t = Date.parse('2026-11-01T00:00:00Z'); t < Date.parse('2026-12-01T00:00:00Z'); t += DAY)
        costs[new Date(t).toISOString().slice(0, 10)] = [
          { projectId: SEARCH, usd: 5 },
          { projectId: OTHER, usd: 3 },
        ];
      fake.setCosts(costs);
    }

    async function item(key: string) {
      const out = await ddb.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': accountPk('acme'), ':sk': alertSk(key) },
        }),
      );
      return out.Items?.[0];
    }

    beforeAll(async () => {
      fake = await p.start({ mode: p.mode });
    });
    afterAll(() => fake.stop());
    beforeEach(async () => {
      table = await ddb.freshTable('projects');
      await ses.clear();
      fake.setUsage([]);
    });

    it('crossing 80% and 100% of its budget emails the project lead and the owner once each, on the right days', async () => {
      await account();
      const seen: Array<[string, string[]]> = [];
      for (let d = 1; d <= 25; d++) {
        now = new Date(`2026-11-${String(d).padStart(2, '0')}T09:00:00Z`);
        const before = (await ses.emails()).length;
        const out = await processAccount(deps(), 'acme');
        expect(out.status === 'failed' && out.error.message).toBe(false);
        expect(out.deliveryError).toBeUndefined();
        const sent = (await ses.emails()).slice(before);
        if (sent.length > 0) seen.push([now.toISOString().slice(0, 10), to(sent)]);
      }
      expect(seen).toEqual([
        ['2026-11-17', [OWNER, LEAD]],
        ['2026-11-21', [OWNER, LEAD]],
      ]);
      const emails = await ses.emails();
      const subject80 = 'Acme: Search: 80% of its $100 budget used in 2026-11 ($80.00)';
      const subject100 = 'Acme: Search: 100% of its $100 budget used in 2026-11 ($100.00)';
      expect(emails.map((e) => e.subject)).toEqual([subject80, subject80, subject100, subject100]);
      // The owner's email has the account's table of projects; the lead's is about Search alone.
      const [owner, lead] = emails;
      // Forecast: $80 + max($0 today, $5) + 13 days × $5 = $150; the other project's $48 + $3 + 13 × $3.
      expect(owner?.body.text).toContain(`Search (${SEARCH}): $80.00 | $100.00 (80% used) | $150.00 | none`);
      expect(owner?.body.text).toContain(`${OTHER}: $48.00 | none | $90.00 | none`);
      expect(lead?.body.text).toMatch(/^burnrate: Search \(/);
      expect(lead?.body.text).toContain('Month to date: $80.00 of $100.00 budget (80%)');
      expect(lead?.body.text).toContain('Top models today (estimated from hourly usage)');
      expect(lead?.body.text).not.toContain(OTHER);
      // Each group's state is in the one item: both sent.
      expect(await item(`project-budget:${SEARCH}:2026-11:80`)).toMatchObject({
        status: 'sent',
        messageId: owner?.messageId,
        groups: { [`project:${SEARCH}`]: { status: 'sent', messageId: lead?.messageId } },
      });
    }, 120_000);

    it('a run re-sent after a crash between send and mark sends nothing twice per group', async () => {
      await account();
      now = new Date('2026-11-17T09:00:00Z');
      // The process dies right after SES accepted its first email: that send's mark, and
      // everything after it, never happens.
      const real = new DynamoAlertStore(ddb.doc, table);
      let dead = false;
      const dying: AlertDeliveryStore = {
        claim: (...a) => (dead ? Promise.reject(new Error('process died')) : real.claim(...a)),
        release: (...a) => (dead ? Promise.reject(new Error('process died')) : real.release(...a)),
        raise: (...a) => real.raise(...a),
        rearm: (...a) => real.rearm(...a),
        markSent: () => Promise.reject(new Error('process died')),
      };
      const mailer = new SesMailer(ses.client);
      const killing: Mailer = {
        send: async (email) => {
          if (dead) throw new Error('process died');
          const out = await mailer.send(email);
          dead = true;
          return out;
        },
      };
      const died = await processAccount(deps({ alerts: dying, mailer: killing }), 'acme');
      expect(died.deliveryError?.message).toContain('process died');
      expect(to(await ses.emails())).toEqual([OWNER]);
      const key = `project-budget:${SEARCH}:2026-11:80`;
      expect(await item(key)).toMatchObject({
        status: 'claimed',
        groups: { [`project:${SEARCH}`]: { status: 'pending' } },
      });

      // SQS redelivers a minute later, and again: the owner's claim is fresh, the lead's email is due.
      now = new Date('2026-11-17T09:01:00Z');
      const again = await processAccount(deps(), 'acme');
      expect(again.sent).toEqual([key]);
      now = new Date('2026-11-17T09:02:00Z');
      expect((await processAccount(deps(), 'acme')).sent).toEqual([]);
      expect(to(await ses.emails())).toEqual([OWNER, LEAD]);

      // Only a claim older than the claim timeout is presumed dead: at most one duplicate, never a lost alert.
      now = new Date('2026-11-17T09:11:00Z');
      expect((await processAccount(deps(), 'acme')).sent).toEqual([key]);
      now = new Date('2026-11-17T09:26:00Z');
      expect((await processAccount(deps(), 'acme')).sent).toEqual([]);
      expect(to(await ses.emails())).toEqual([OWNER, LEAD, OWNER]);
      expect(await item(key)).toMatchObject({
        status: 'sent',
        groups: { [`project:${SEARCH}`]: { status: 'sent' } },
      });
    }, 60_000);

    it.each([
      ['the lead', LEAD, OWNER],
      ['the owner', OWNER, LEAD],
    ])(
      'an SES sandbox refusing %s holds back no other group; the refused email goes out at the next run, once',
      async (_who, refused, other) => {
        await account();
        const sandbox = await startRefusingSes(ses.endpoint);
        const client = localSesClient(sandbox.endpoint);
        try {
          // The SES sandbox: the sender, the operator and one of the two recipients are verified.
          sandbox.sandbox([SENDER, OPERATOR, other]);
          now = new Date('2026-11-17T09:00:00Z');
          const first = await processAccount(deps({ sesClient: client }), 'acme');
          const key = `project-budget:${SEARCH}:2026-11:80`;
          expect(first.sent).toEqual([key]);
          expect(first.undelivered).toEqual([key]);
          const group = refused === LEAD ? ` to project ${SEARCH}'s recipients` : '';
          expect(first.deliveryError?.message).toContain(
            `account acme: 1 due alert(s) not delivered${group} (${key}): SES rejected the email from ${SENDER} to ${refused} (MessageRejected)`,
          );
          expect(first.operator).toEqual({ kind: 'delivery-failed', result: 'sent' });
          expect(to(await ses.emails())).toEqual([other, OPERATOR]);

          // Still refused at the next run: the other group hears nothing twice, the operator nothing again.
          now = new Date('2026-11-17T09:15:00Z');
          const second = await processAccount(deps({ sesClient: client }), 'acme');
          expect(second.sent).toEqual([]);
          expect(second.operator).toEqual({ kind: 'delivery-failed', result: 'already-notified' });

          sandbox.sandbox([SENDER, OPERATOR, OWNER, LEAD]);
          now = new Date('2026-11-17T09:30:00Z');
          const third = await processAccount(deps({ sesClient: client }), 'acme');
          expect(third.sent).toEqual([key]);
          expect(third.deliveryError).toBeUndefined();
          now = new Date('2026-11-17T09:45:00Z');
          expect((await processAccount(deps({ sesClient: client }), 'acme')).sent).toEqual([]);
          expect(to(await ses.emails())).toEqual([other, OPERATOR, refused]);
          // Delivered without a failure: the delivery-failed notice is re-armed.
          expect(await item('operator:delivery-failed')).toBeUndefined();
          expect(await item(key)).toMatchObject({
            status: 'sent',
            groups: { [`project:${SEARCH}`]: { status: 'sent' } },
          });
        } finally {
          client.destroy();
          await sandbox.stop();
        }
      },
      60_000,
    );
  },
);

describe('stored alert items delivery cannot read, or of an earlier version (openai, spec)', () => {
  let fake: Fake;
  let table: string;
  let now: Date;
  const p = PROVIDERS[0] as (typeof PROVIDERS)[number];

  function deps(): ProcessDeps {
    const common = {
      alerts: new DynamoAlertStore(ddb.doc, table),
      mailer: new SesMailer(ses.client),
      now: () => now,
      newToken: randomUUID,
      claimTimeoutMs: 600_000,
      sender: SENDER,
    };
    return {
      store: new DynamoAccountStore(ddb.doc, table),
      secrets: new EnvSecretSource({ openai: fake.adminKey }),
      costSource: (_c, adminKey) => p.client({ ...fake, adminKey } as Fake, { sleep: async () => {} }),
      now: () => now,
      staleHours: 6,
      isAuthError: (e) => e instanceof ProviderAuthError,
      delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
      operator: { ...common, operatorEmail: OPERATOR, renderOperator: renderOperatorEmail },
    };
  }
  const put = (item: Record<string, unknown>) =>
    ddb.doc.send(new PutCommand({ TableName: table, Item: { pk: accountPk('acme'), ...item } }));

  beforeAll(async () => {
    fake = await p.start({ mode: 'spec' });
  });
  afterAll(() => fake.stop());
  beforeEach(async () => {
    table = await ddb.freshTable('stored-keys');
    await ses.clear();
    fake.setUsage([]);
    const costs: Record<string, Array<{ usd: number }>> = {};
    for (let d = 1; d <= 23; d++) costs[`2026-11-${String(d).padStart(2, '0')}`] = [{ usd: 10 }];
    fake.setCosts(costs);
    now = new Date('2026-11-24T09:00:00Z');
  });

  it('an unreadable key is reported (outcome, operator once), never blocks the others, and is left as it is', async () => {
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      name: 'Acme',
      recipients: [OWNER],
      digest: 'off',
      monthlyBudgetUsd: 200,
      budgetAlertPercents: [100],
      forecastAlert: false,
    });
    const unknown = {
      key: 'quota-wall:2026-11',
      kind: 'quota-wall',
      status: 'pending',
      firedAt: '2026-11-20T09:00:00Z',
    };
    await put({ sk: alertSk(unknown.key), ...unknown });
    const first = await processAccount(deps(), 'acme');
    expect(first.sent).toEqual(['budget:2026-11:100']);
    expect(first.unreadable).toEqual({
      keys: ['quota-wall:2026-11'],
      operator: { kind: 'unreadable-alert-keys', result: 'sent' },
    });
    const emails = await ses.emails();
    expect(to(emails)).toEqual([OWNER, OPERATOR]);
    expect(emails[1]?.subject).toBe(
      'burnrate operator: account acme: stored alert keys this version cannot read',
    );
    expect(emails[1]?.body.text).toContain('ALERT#quota-wall:2026-11');
    // Every run reports it; the operator is told once.
    now = new Date('2026-11-24T09:15:00Z');
    const second = await processAccount(deps(), 'acme');
    expect(second.unreadable).toEqual({
      keys: ['quota-wall:2026-11'],
      operator: { kind: 'unreadable-alert-keys', result: 'already-notified' },
    });
    expect(await ses.emails()).toHaveLength(2);
    const stored = await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': accountPk('acme'), ':sk': alertSk(unknown.key) },
      }),
    );
    expect(stored.Items?.[0]).toMatchObject(unknown);
    // Gone (deleted by hand): the notice re-arms.
    await ddb.doc.send(
      new DeleteCommand({ TableName: table, Key: { pk: accountPk('acme'), sk: alertSk(unknown.key) } }),
    );
    now = new Date('2026-11-24T09:30:00Z');
    expect((await processAccount(deps(), 'acme')).unreadable).toBeUndefined();
    const notice = await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: {
          ':pk': accountPk('acme'),
          ':sk': alertSk('operator:unreadable-alert-keys'),
        },
      }),
    );
    expect(notice.Items).toEqual([]);
  }, 60_000);

  it("a retired key still due to a project's lead is sent to it once, and gets its TTL only after", async () => {
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      name: 'Acme',
      recipients: [OWNER],
      digest: 'off',
      projects: { proj_search: { name: 'Search', monthlyBudgetUsd: 100, recipients: [LEAD] } },
    });
    // October's key reached the owner; the lead's email was refused all along (retired since Nov 4).
    const key = 'project-budget:proj_search:2026-10:80';
    await put({
      sk: alertSk(key),
      key,
      kind: 'project-budget',
      status: 'sent',
      firedAt: '2026-10-30T09:00:00.000Z',
      sentAt: '2026-10-30T09:00:01.000Z',
      messageId: 'm-owner',
      groups: { 'project:proj_search': { status: 'pending' } },
    });
    const stored = async () =>
      (
        await ddb.doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk = :sk',
            ExpressionAttributeValues: { ':pk': accountPk('acme'), ':sk': alertSk(key) },
          }),
        )
      ).Items?.[0];
    const first = await processAccount(deps(), 'acme');
    expect(first.sent).toEqual([key]);
    expect((await ses.emails()).map((e) => [e.destination.to[0], e.subject])).toEqual([
      [LEAD, 'Acme: Search: 80% of its $100 budget used in 2026-10 ($0.00)'],
    ]);
    expect((await stored())?.ttl).toBeUndefined();
    now = new Date('2026-11-24T09:15:00Z');
    expect((await processAccount(deps(), 'acme')).sent).toEqual([]);
    expect(await ses.emails()).toHaveLength(1);
    // Delivered to both groups: it may leave, 30 days after it retired (Nov 4).
    expect((await stored())?.ttl).toBe(Date.parse('2026-12-04T00:00:00Z') / 1000);
  }, 60_000);

  it('an alert item of an earlier version (one top-level status) is delivered once, to the account', async () => {
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      name: 'Acme',
      recipients: [OWNER],
      digest: 'off',
      monthlyBudgetUsd: 1000,
      budgetAlertPercents: [20],
      forecastAlert: false,
      projects: { proj_search: { name: 'Search', recipients: [LEAD] } },
    });
    // Written by the version before recipient groups: pending, never delivered (SES was down).
    await put({
      sk: alertSk('budget:2026-11:20'),
      key: 'budget:2026-11:20',
      kind: 'budget',
      status: 'pending',
      firedAt: '2026-11-23T09:00:00.000Z',
    });
    const first = await processAccount(deps(), 'acme');
    expect(first.status).toBe('ok');
    expect(first.sent).toEqual(['budget:2026-11:20']);
    now = new Date('2026-11-24T09:15:00Z');
    expect((await processAccount(deps(), 'acme')).sent).toEqual([]);
    const emails = await ses.emails();
    expect(emails.map((e) => [e.destination.to[0], e.subject])).toEqual([
      [OWNER, 'Acme: 20% of the $1,000 budget used in 2026-11 ($230.00)'],
    ]);
  }, 60_000);
});
