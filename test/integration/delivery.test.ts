import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { computeFigures } from '../../shared/core/figures.ts';
import { DeliveryRejectedError, SesMailer } from '../../shared/email/ses-mailer.ts';
import type { AlertRecord, Mailer } from '../../shared/ports.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { accountPk, alertSk } from '../../shared/store/keys.ts';
import {
  AlertDeliveryError,
  type DeliveryDeps,
  deliverAlerts,
} from '../../shared/use-cases/deliver-alerts.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let table: string;

const config = parseAccountConfig({
  id: 'acme',
  provider: 'openai',
  name: 'Acme',
  recipients: ['ops@acme.example', 'cfo@acme.example'],
});
const figures = computeFigures({
  grants: [],
  buckets: [],
  burnOrder: 'expiring-first',
  at: Date.parse('2026-11-24T09:00:00Z'),
});

async function due(...keys: string[]): Promise<AlertRecord[]> {
  const records = keys.map(
    (key): AlertRecord => ({
      key,
      kind: key.split(':')[0] as string,
      status: 'pending',
      firedAt: '2026-11-24T09:00:00.000Z',
    }),
  );
  for (const r of records)
    await ddb.doc.send(
      new PutCommand({ TableName: table, Item: { pk: accountPk('acme'), sk: alertSk(r.key), ...r } }),
    );
  return records;
}

async function stored(key: string) {
  const out = await ddb.doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': accountPk('acme'), ':sk': alertSk(key) },
    }),
  );
  return out.Items?.[0];
}

function deps(mailer: Mailer = new SesMailer(ses.client), now = '2026-11-24T09:00:00Z'): DeliveryDeps {
  let n = 0;
  return {
    alerts: new DynamoAlertStore(ddb.doc, table),
    mailer,
    render: (facts) => ({
      subject: `Acme: ${facts.alerts.map((a) => a.key).join(', ')}`,
      html: '<p>html</p>',
      text: 'text',
    }),
    renderProject: (facts) => ({
      subject: `Acme ${facts.projectId}: ${facts.alerts.map((a) => a.key).join(', ')}`,
      html: '<p>html</p>',
      text: 'text',
    }),
    sender: 'burnrate@acme.example',
    now: () => new Date(now),
    newToken: () => `token-${now}-${++n}-${Math.random()}`,
    claimTimeoutMs: 600_000,
  };
}

const input = (pending: AlertRecord[]) => ({ accountId: 'acme', config, figures, pending, costs: [] });

beforeEach(async () => {
  table = await ddb.freshTable('delivery');
  await ses.clear();
});

describe('alert delivery through SES (emulator) with state in DynamoDB Local', () => {
  it('several due keys make one email; the keys are marked sent with the SES message id', async () => {
    const pending = await due('budget:2026-11:80', 'low-balance:25');
    const out = await deliverAlerts(deps(), input(pending));
    const emails = await ses.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      from: 'burnrate@acme.example',
      subject: 'Acme: budget:2026-11:80, low-balance:25',
    });
    // aws-ses-v2-local's v1 parser keeps only ToAddresses.member.1, so only the first shows here.
    expect(emails[0]?.destination.to[0]).toBe('ops@acme.example');
    expect(await stored('low-balance:25')).toMatchObject({ status: 'sent', messageId: out.messageId });
    expect(out.messageId).toBe(emails[0]?.messageId);
  });

  it('a second run sends nothing', async () => {
    const pending = await due('exhausted');
    await deliverAlerts(deps(), input(pending));
    await deliverAlerts(deps(), input(pending));
    expect(await ses.emails()).toHaveLength(1);
  });

  it('SES failure then success gives exactly one email', async () => {
    const pending = await due('exhausted');
    const real = new SesMailer(ses.client);
    let fail = true;
    const flaky: Mailer = {
      send: async (email) => {
        if (fail) {
          fail = false;
          throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
        }
        return real.send(email);
      },
    };
    const failed = await deliverAlerts(deps(flaky), input(pending));
    expect(failed.failures?.map((e) => e.message)).toEqual([
      'account acme: 1 due alert(s) not delivered (exhausted): Service unavailable',
    ]);
    expect(await stored('exhausted')).toMatchObject({ status: 'pending' });
    await deliverAlerts(deps(flaky), input(pending));
    expect(await ses.emails()).toHaveLength(1);
  });

  it('two concurrent runs give one email per key', async () => {
    const pending = await due('exhausted', 'runway:7');
    await Promise.all([
      deliverAlerts(deps(), input(pending)),
      deliverAlerts(deps(), input(pending)),
      deliverAlerts(deps(), input(pending)),
    ]);
    const emails = await ses.emails();
    const keys = emails.flatMap((e) => e.subject.replace('Acme: ', '').split(', ')).sort();
    expect(keys).toEqual(['exhausted', 'runway:7']);
  });

  it('a rejected message is a clear operator-facing error and the key stays unsent', async () => {
    const pending = await due('exhausted');
    const rejecting = new SesMailer({
      send: async () => {
        throw Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
      },
    } as never);
    const error = (await deliverAlerts(deps(rejecting), input(pending))).failures?.[0];
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect((error as AlertDeliveryError).keys).toEqual(['exhausted']);
    expect((error as Error).cause).toBeInstanceOf(DeliveryRejectedError);
    expect((error as Error).message).toMatch(/^account acme: 1 due alert\(s\) not delivered \(exhausted\): /);
    expect((error as Error).message).toMatch(
      /SES rejected the email from burnrate@acme.example .*MessageRejected.*Verify the sender/,
    );
    expect(await stored('exhausted')).toMatchObject({ status: 'pending' });
  });
});

describe('delivery per recipient group, state in DynamoDB Local (conditional writes on the groups map)', () => {
  const withProject = parseAccountConfig({
    id: 'acme',
    provider: 'openai',
    name: 'Acme',
    recipients: ['ops@acme.example'],
    projects: { proj_s: { name: 'Search', monthlyBudgetUsd: 100, recipients: ['search-lead@acme.example'] } },
  });
  const KEY = 'project-budget:proj_s:2026-11:80';
  async function dueProjectKey(extra: Record<string, unknown> = {}): Promise<AlertRecord> {
    const record: AlertRecord = {
      key: KEY,
      kind: 'project-budget',
      status: 'pending',
      firedAt: '2026-11-24T09:00:00.000Z',
      groups: { 'project:proj_s': { status: 'pending' } },
    };
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: accountPk('acme'), sk: alertSk(KEY), ...record, ...extra },
      }),
    );
    return { ...record, ...extra } as AlertRecord;
  }
  const projectInput = (pending: AlertRecord[]) => ({ ...input(pending), config: withProject });

  it('each group gets its email once; both states are marked in the one item with their own message ids', async () => {
    const record = await dueProjectKey();
    const out = await deliverAlerts(deps(), projectInput([record]));
    const emails = await ses.emails();
    expect(emails.map((e) => [e.destination.to[0], e.subject])).toEqual([
      ['ops@acme.example', `Acme: ${KEY}`],
      ['search-lead@acme.example', `Acme proj_s: ${KEY}`],
    ]);
    const item = await stored(KEY);
    expect(item).toMatchObject({
      status: 'sent',
      messageId: emails[0]?.messageId,
      groups: { 'project:proj_s': { status: 'sent', messageId: emails[1]?.messageId } },
    });
    expect(item?.claimToken).toBeUndefined();
    expect(item?.groups['project:proj_s'].claimToken).toBeUndefined();
    expect(out.sent).toEqual([KEY]);
    await deliverAlerts(deps(), projectInput([record]));
    expect(await ses.emails()).toHaveLength(2);
  });

  it('three concurrent runs: one email per key and group', async () => {
    const record = await dueProjectKey();
    await Promise.all([1, 2, 3].map(() => deliverAlerts(deps(), projectInput([record]))));
    const to = (await ses.emails()).map((e) => e.destination.to[0]).sort();
    expect(to).toEqual(['ops@acme.example', 'search-lead@acme.example']);
  });

  it("a refused project email leaves that group pending (released) and the account's sent; the next run sends it once", async () => {
    const record = await dueProjectKey();
    const real = new SesMailer(ses.client);
    let refuse = true;
    const sandbox: Mailer = {
      send: async (email) => {
        if (refuse && email.to.includes('search-lead@acme.example'))
          throw new DeliveryRejectedError('SES rejected the email: search-lead@acme.example is not verified');
        return real.send(email);
      },
    };
    const first = await deliverAlerts(deps(sandbox), projectInput([record]));
    expect(first.failures?.[0]?.message).toMatch(/not delivered to project proj_s's recipients/);
    expect(await stored(KEY)).toMatchObject({
      status: 'sent',
      groups: { 'project:proj_s': { status: 'pending' } },
    });
    expect((await stored(KEY))?.groups['project:proj_s'].claimToken).toBeUndefined();
    refuse = false;
    await deliverAlerts(deps(sandbox), projectInput([(await stored(KEY)) as AlertRecord]));
    await deliverAlerts(deps(sandbox), projectInput([(await stored(KEY)) as AlertRecord]));
    expect((await ses.emails()).map((e) => e.destination.to[0])).toEqual([
      'ops@acme.example',
      'search-lead@acme.example',
    ]);
  });

  it('a key a sync wrote and has not confirmed is claimed for no group', async () => {
    const record = await dueProjectKey({ status: 'unconfirmed', attempt: 'a1' });
    const store = new DynamoAlertStore(ddb.doc, table);
    const stale = '2026-11-24T09:00:00.000Z';
    expect(await store.claim('acme', KEY, 't', stale, stale, 'project:proj_s')).toBe(false);
    expect(await store.claim('acme', KEY, 't', stale, stale)).toBe(false);
    await deliverAlerts(deps(), projectInput([{ ...record, status: 'pending' }]));
    expect(await ses.emails()).toEqual([]);
  });

  it('an item of an earlier version (no groups) and a group that is not there: the account group only', async () => {
    await due('budget:2026-11:80');
    const store = new DynamoAlertStore(ddb.doc, table);
    const t = '2026-11-24T09:00:00.000Z';
    expect(await store.claim('acme', 'budget:2026-11:80', 'x', t, t, 'project:proj_s')).toBe(false);
    const record = (await stored('budget:2026-11:80')) as AlertRecord;
    await deliverAlerts(deps(), projectInput([record]));
    await deliverAlerts(deps(), projectInput([(await stored('budget:2026-11:80')) as AlertRecord]));
    expect((await ses.emails()).map((e) => e.destination.to[0])).toEqual(['ops@acme.example']);
    expect(await stored('budget:2026-11:80')).toMatchObject({ status: 'sent' });
  });
});
