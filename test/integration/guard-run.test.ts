import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderAlertEmail, renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import { guardLinks } from '../../shared/guard/links.ts';
import { signingKeyBytes } from '../../shared/guard/token.ts';
import type { FreezeRecord, GuardStore, MetricName } from '../../shared/ports.ts';
import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { ProviderAuthError } from '../../shared/providers/errors.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { accountPk } from '../../shared/store/keys.ts';
import { type ProcessDeps, processAccount } from '../../shared/use-cases/process-account.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import {
  GUARD_SETUPS,
  type GuardFake,
  type GuardSetup,
  guardDepsFor,
  limitsOf,
  loopRows,
  startGuardFake,
} from '../support/guard-setup.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * The guard in the run (issue 18 items 2, 5): sync + guard step + delivery through processAccount,
 * on DynamoDB Local, the SES emulator and the fakes (which enforce a limit 5 minutes after it is
 * written). A loop in Search spends every minute from 15:20; the runs come every 15 minutes.
 */
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const DAY = 86_400_000;
const T = (hhmm: string, day = '2026-11-24') => Date.parse(`${day}T${hhmm}:00Z`);
const SECRET = 'guard-run-test-signing-key-0123456789abcdef';
const BASE = 'https://guard.example/';
const OPERATOR = 'operator@acme.example';

interface Harness {
  fake: GuardFake;
  table: string;
  now: number;
  metrics: Array<[MetricName, number]>;
  /**
   * The process dies after the provider write: the FREEZE write recording it, and any later one
   * in that run, fail (until the next run).
   */
  crashAfterWrite: boolean;
  storeDown: boolean;
}

function deps(s: GuardSetup, h: Harness, links = false): ProcessDeps {
  const clock = () => new Date(h.now);
  const common = {
    alerts: new DynamoAlertStore(ddb.doc, h.table),
    mailer: new SesMailer(ses.client),
    now: clock,
    newToken: randomUUID,
    claimTimeoutMs: 600_000,
    sender: 'burnrate@acme.example',
  };
  const guard = guardDepsFor(s, h.fake, ddb.doc, h.table, clock);
  const store: GuardStore = {
    loadAccount: (id) => guard.store.loadAccount(id),
    putAudits: (id, a) => guard.store.putAudits(id, a),
    listAudit: (id) => guard.store.listAudit(id),
    putFreeze: async (id, record, expected, audits) => {
      if (h.crashAfterWrite && record.status === 'frozen') {
        h.crashAfterWrite = false;
        h.storeDown = true;
      }
      if (h.storeDown) throw new Error('simulated crash after the provider write');
      return guard.store.putFreeze(id, record, expected, audits);
    },
  };
  const o = { adminKey: h.fake.adminKey, baseUrl: h.fake.baseUrl, sleep: async () => {}, maxRetries: 1 };
  return {
    store: new DynamoAccountStore(ddb.doc, h.table),
    secrets: new EnvSecretSource({ [s.provider]: h.fake.adminKey }),
    costSource: () => (s.provider === 'openai' ? new OpenAiCostSource(o) : new AnthropicCostSource(o)),
    now: clock,
    staleHours: 6,
    isAuthError: (e) => e instanceof ProviderAuthError,
    metrics: { record: (name, value) => h.metrics.push([name, value]) },
    delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
    operator: { ...common, operatorEmail: OPERATOR, renderOperator: renderOperatorEmail },
    guard: { ...guard, store, wallClock: () => h.now },
    ...(links && {
      guardLinks: async (target, now) =>
        guardLinks({ ...target, baseUrl: BASE, now }, signingKeyBytes(SECRET, 'test')),
    }),
  };
}

/** 30 days of $24 a day in Web (a usual hour is $1), one grant; Search in the given mode. */
async function account(s: GuardSetup, h: Harness, mode: 'auto' | 'approve') {
  await seedAccount(
    ddb.doc,
    h.table,
    {
      id: 'acme',
      provider: s.provider,
      name: 'Acme production',
      recipients: ['ops@acme.example'],
      projects: { [s.project]: { name: 'Search', guard: { mode } } },
    },
    [{ id: 'g1', amountUsd: 1000, effectiveAt: '2026-10-01T00:00:00Z' }],
  );
  const web = s.project.replace('search', 'web');
  const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
  for (let i = 1; i <= 30; i++)
    costs[new Date(T('00:00') - i * DAY).toISOString().slice(0, 10)] = [{ projectId: web, usd: 24 }];
  h.fake.setCosts(costs);
}

const partition = async (table: string) =>
  (
    await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': accountPk('acme') },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];
const freezeItem = async (table: string, project: string) =>
  (await partition(table)).find((i) => i.sk === `FREEZE#${project}`) as
    | (FreezeRecord & Record<string, unknown>)
    | undefined;
const todayMicros = (out: Awaited<ReturnType<typeof processAccount>>) =>
  out.status === 'ok' ? out.result.figures.todayMicros : Number.NaN;

const CASES = GUARD_SETUPS.flatMap((s) => MODES.map((mode) => ({ ...s, mode })));

describe.each(CASES)('the guard in the run ($name, $mode)', (s) => {
  const h: Harness = {
    fake: undefined as unknown as GuardFake,
    table: '',
    now: 0,
    metrics: [],
    crashAfterWrite: false,
    storeDown: false,
  };
  const writes = () => h.fake.requests.filter((r) => r.method !== 'GET');
  const run = async (hhmm: string, links = false) => {
    h.now = T(hhmm);
    h.storeDown = false;
    // The loop has run every minute since 15:20 (the fake drops what a limit in force stops).
    h.fake.setUsage(loopRows(s, T('15:20'), h.now));
    return processAccount(deps(s, h, links), 'acme');
  };

  beforeEach(async () => {
    h.now = T('15:00');
    h.metrics = [];
    h.crashAfterWrite = false;
    h.fake = await startGuardFake(s, s.mode, () => h.now, 5 * 60_000);
    h.table = await ddb.freshTable('guardrun');
    await ses.clear();
  });
  afterEach(async () => {
    await h.fake.stop();
  });

  it('auto: the run that fires the spike freezes Search once, its email leads with it, and the loop stops', async () => {
    await account(s, h, 'auto');
    const first = await run('15:35', true);
    expect(first.status).toBe('ok');
    expect(first.sent).toEqual(expect.arrayContaining(['spike:2026-11-24', `guard:${s.project}:2026-11-24`]));
    expect(first.guard?.acted).toEqual([`${s.project}: frozen`]);
    const z = await freezeItem(h.table, s.project);
    expect(z).toMatchObject({
      status: 'frozen',
      mode: 'auto',
      incident: `guard:${s.project}:2026-11-24`,
      lever: s.lever,
    });
    const [email] = await ses.emails();
    const text = email?.body.text ?? '';
    if (s.lever === 'limit') {
      // Month to date: the loop's 15 rows so far; + $5 headroom.
      const threshold = ((15 * s.rowMicros) / 1e6 + 5).toFixed(2);
      expect(z?.thresholdCents).toBe(Math.round(Number(threshold) * 100));
      const refused =
        s.provider === 'openai'
          ? 'requests now get 429 project_spend_limit_exceeded within minutes'
          : 'requests now get 400 "You have reached your specified workspace API usage limits" within minutes';
      expect(email?.subject).toContain(`Frozen Search at $${threshold} (hard limit); ${refused}`);
      expect(await limitsOf(s, h.fake).get({ type: 'project', id: s.project })).toMatchObject({
        state: 'set',
        thresholdCents: z?.thresholdCents,
      });
    } else {
      expect(email?.subject).toContain('Frozen Search with 2 API key(s) switched off');
      expect(z?.keyIds?.sort()).toEqual(['apikey_loop1', 'apikey_loop2']);
    }
    expect(text).toMatch(
      new RegExp(
        `within minutes\\n  Undo: https://guard\\.example/\\?t=\\S+ or npx burnrate guard release --account acme --project ${s.project}`,
      ),
    );
    expect(text).toContain('Search frozen since 15:35 UTC');
    const afterFirst = writes().length;
    expect(afterFirst).toBe(s.lever === 'limit' ? 1 : 2);
    expect(h.metrics).toContainEqual(['GuardFreezesApplied', 1]);

    // Later runs: the same incident is not acted on again; after the provider's delay the loop's
    // hour stops growing (the fake enforces the limit / refuses the inactive keys).
    const at1550 = await run('15:50');
    const at1605 = await run('16:05');
    const at1620 = await run('16:20');
    expect(writes()).toHaveLength(afterFirst);
    expect(at1550.guard).toBeUndefined();
    // Today's spend (only the loop spends today) stops growing: the write at 15:35 holds from
    // 15:40, so 20 of the loop's rows got through, not the 45 or 60 it would have by 16:05/16:20.
    expect(todayMicros(at1550)).toBe(20 * s.rowMicros);
    expect(todayMicros(at1605)).toBe(20 * s.rowMicros);
    expect(todayMicros(at1620)).toBe(20 * s.rowMicros);
    expect((await ses.emails()).filter((e) => e.subject.includes('Frozen'))).toHaveLength(1);
  });

  it('a crash between the provider write and the FREEZE write: the alert goes out, and the next run converges without a second write', async () => {
    await account(s, h, 'auto');
    h.crashAfterWrite = true;
    const first = await run('15:35');
    expect(first.status).toBe('ok');
    expect(first.guard?.errors.join()).toContain('simulated crash');
    expect(first.sent).toContain(`guard:${s.project}:2026-11-24`);
    expect((await freezeItem(h.table, s.project))?.status).toBe('intent');
    const written = writes().length;
    expect(written).toBeGreaterThan(0);

    const second = await run('15:50');
    expect(second.guard?.acted).toEqual([`${s.project}: frozen`]);
    expect((await freezeItem(h.table, s.project))?.status).toBe('frozen');
    expect(writes()).toHaveLength(written);
    await run('16:05');
    expect(writes()).toHaveLength(written);
  });

  // Once per provider/mode where it means something (registered only there, never skipped).
  if (s.name === 'openai')
    it('the provider refusing the write: the alert is delivered, the operator told once (metric), retried next run, and the notice re-arms once it works', async () => {
      await account(s, h, 'auto');
      const path = `/v1/organization/projects/${s.project}/spend_limit`;
      h.fake.injectFaults([{ kind: '401' }, { kind: '401' }], path, 'POST');
      const first = await run('15:35');
      expect(first.sent).toEqual(
        expect.arrayContaining(['spike:2026-11-24', `guard:${s.project}:2026-11-24`]),
      );
      expect(first.guard?.failed.join()).toMatch(/401/);
      expect(first.guard?.operator).toEqual({ kind: 'guard-failed', result: 'sent' });
      expect(h.metrics).toContainEqual(['GuardActionFailed', 1]);
      const emails = await ses.emails();
      const alert = emails.find((e) => e.destination.to.includes('ops@acme.example'));
      expect(alert?.subject).toContain('Search is running away and could not be frozen');
      const told = emails.filter((e) => e.destination.to.includes(OPERATOR));
      expect(told).toHaveLength(1);
      expect(told[0]?.subject).toBe(
        'burnrate operator: account acme: the guard could not freeze a runaway project',
      );
      expect(told[0]?.body.text).toContain(`npx burnrate guard freeze --account acme --project ${s.project}`);

      // The retry fails again: counted, not told again.
      const second = await run('15:50');
      expect(second.guard?.failed).toHaveLength(1);
      expect(second.guard?.operator).toEqual({ kind: 'guard-failed', result: 'already-notified' });
      expect((await ses.emails()).filter((e) => e.destination.to.includes(OPERATOR))).toHaveLength(1);

      // The provider accepts: frozen, and the notice re-arms (a later failure is told again).
      const third = await run('16:05');
      expect(third.guard?.acted).toEqual([`${s.project}: frozen`]);
      expect((await freezeItem(h.table, s.project))?.status).toBe('frozen');
      await run('16:20');
      expect((await partition(h.table)).some((i) => i.sk === 'ALERT#operator:guard-failed')).toBe(false);
      expect(writes().filter((r) => r.method === 'POST')).toHaveLength(3);
    });

  // Once per provider/mode where it means something (registered only there, never skipped).
  if (s.mode === 'spec')
    it('a freeze in force: the next day brings one reminder (its own key and audit step), and every email says Search is frozen', async () => {
      await account(s, h, 'auto');
      await run('15:35', true);
      expect((await freezeItem(h.table, s.project))?.status).toBe('frozen');
      await ses.clear();
      h.now = T('09:05', '2026-11-25');
      const next = await processAccount(deps(s, h, true), 'acme');
      const key = `guard-reminder:${s.project}:2026-11-25`;
      expect(next.sent).toEqual([key]);
      const [email] = await ses.emails();
      const hold = s.lever === 'limit' ? 'at $' : 'with 2 API key(s) switched off';
      expect(email?.subject).toContain(`reminder: Search frozen since 2026-11-24 15:35 UTC ${hold}`);
      expect(email?.body.text).toMatch(
        /Undo: https:\/\/guard\.example\/\?t=\S+ or npx burnrate guard release/,
      );
      const audit = (await partition(h.table)).filter((i) => String(i.sk).startsWith('AUDIT#'));
      expect(audit.map((i) => i.action)).toContain('guard-reminded');
      // Later runs that day: no second reminder.
      h.now = T('10:05', '2026-11-25');
      expect((await processAccount(deps(s, h, true), 'acme')).sent).toEqual([]);
      expect(await ses.emails()).toHaveLength(1);
    });

  // Once per provider/mode where it means something (registered only there, never skipped).
  if (s.mode === 'spec')
    it('approve: the run writes nothing to the provider; the email carries the signed "Freeze Search now" link', async () => {
      await account(s, h, 'approve');
      const first = await run('15:35', true);
      expect(first.sent).toContain(`guard:${s.project}:2026-11-24`);
      expect(writes()).toHaveLength(0);
      expect((await freezeItem(h.table, s.project))?.status).toBe('proposed');
      const [email] = await ses.emails();
      expect(email?.body.text).toMatch(/Freeze Search now: https:\/\/guard\.example\/\?t=[A-Za-z0-9_.-]+/);
      // The spike's own chat message carries the link too (one message per key).
      const spike = first.messages?.find((m) => m.kind === 'spike');
      expect(spike?.text).toMatch(/Freeze Search now: https:\/\/guard\.example\/\?t=/);
      await run('15:50', true);
      await run('16:05', true);
      expect(writes()).toHaveLength(0);
    });
});
