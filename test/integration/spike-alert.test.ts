import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderAlertEmail, renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import type { UsageRow } from '../../shared/local/fakes/openai-fake.ts';
import { ProviderAuthError } from '../../shared/providers/errors.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { type ProcessDeps, processAccount } from '../../shared/use-cases/process-account.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { type Fake, MODES, PROVIDERS } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const DAY = 86_400_000;

/**
 * The spike alert end to end, per provider: sync (hourly usage from the fake, in its wire format)
 * + delivery against DynamoDB Local and the SES emulator.
 */
describe.each(PROVIDERS.flatMap((p) => MODES.map((mode) => ({ ...p, mode }))))(
  'spike alert end to end ($name, $mode)',
  (p) => {
    let fake: Fake;
    let table: string;
    let now: Date;
    const m = p.estimateMicros / 1_000_000; // $ of one usage row (400k in, 100k out of p.model)
    const row = (hour: string, projectId: string | null = 'proj_web'): UsageRow => ({
      hour,
      model: p.model,
      input_tokens: 400_000,
      output_tokens: 100_000,
      projectId,
    });

    function deps(): ProcessDeps {
      const common = {
        alerts: new DynamoAlertStore(ddb.doc, table),
        mailer: new SesMailer(ses.client),
        now: () => now,
        newToken: randomUUID,
        claimTimeoutMs: 600_000,
        sender: 'burnrate@acme.example',
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
        operator: { ...common, operatorEmail: 'operator@acme.example', renderOperator: renderOperatorEmail },
      };
    }

    /** 30 days of $24 a day before `day` (a usual hour is $1), one grant of $1,000. */
    async function account(day: string, config: Record<string, unknown> = {}) {
      await seedAccount(
        ddb.doc,
        table,
        {
          id: 'acme',
          provider: p.name,
          name: 'Acme production',
          recipients: ['ops@acme.example'],
          ...config,
        },
        [{ id: 'g1', amountUsd: 1000, effectiveAt: '2026-10-01T00:00:00Z' }],
      );
      const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
      for (let i = 1; i <= 30; i++)
        costs[new Date(Date.parse(day) - i * DAY).toISOString().slice(0, 10)] = [
          { projectId: 'proj_web', usd: 24 },
        ];
      fake.setCosts(costs);
    }

    /** One ordinary row per hour of the day up to (not including) `untilHour`. */
    const ordinary = (day: string, untilHour: number) =>
      Array.from({ length: untilHour }, (_, h) => row(`${day}T${String(h).padStart(2, '0')}:00:00Z`));

    beforeAll(async () => {
      fake = await p.start({ mode: p.mode });
    });
    afterAll(() => fake.stop());
    beforeEach(async () => {
      table = await ddb.freshTable('spike');
      await ses.clear();
      fake.setUsage([]);
    });

    it('an ordinary day, synced every 15 minutes, sends no spike email', async () => {
      await account('2026-11-24');
      fake.setUsage(ordinary('2026-11-24', 24));
      for (
        let t = Date.parse('2026-11-24T00:05:00Z');
        t < Date.parse('2026-11-24T03:00:00Z');
        t += 15 * 60_000
      ) {
        now = new Date(t);
        const out = await processAccount(deps(), 'acme');
        expect(out.status).toBe('ok');
        expect(out.sent.filter((k) => k.startsWith('spike'))).toEqual([]);
      }
      expect(await ses.emails()).toEqual([]);
    });

    it('a runaway hour sends one spike email with the numbers; later runs that day send no other', async () => {
      await account('2026-11-24');
      // 20 rows in the 13:00 hour, from a looping project: 20 × $m against a usual $1/hour.
      const loop = Array.from({ length: 19 }, () => row('2026-11-24T13:00:00Z', 'proj_loop'));
      fake.setUsage([...ordinary('2026-11-24', 14), ...loop]);
      now = new Date('2026-11-24T14:10:00Z');
      const out = await processAccount(deps(), 'acme');
      expect(out.sent).toEqual(['spike:2026-11-24']);
      const emails = await ses.emails();
      expect(emails).toHaveLength(1);
      const hourUsd = (20 * m).toFixed(2);
      const multiple = Math.round(20 * m); // usual hour: $24/day ÷ 24 = $1.00
      expect(emails[0]?.subject).toBe(
        `Acme production: $${hourUsd} spent in the last hour, ${multiple}× your usual $1.00/hour`,
      );
      const text = emails[0]?.body.text ?? '';
      expect(text).toContain('Usage in 2026-11-24 13:00–14:00 UTC');
      expect(text).toContain(`proj_loop $${(19 * m).toFixed(2)}, proj_web $${m.toFixed(2)}`);
      expect(text).toContain(`${p.model} $${hourUsd}`);
      expect(text).toContain('revoke its API key');
      expect(out.status === 'ok' && out.result.figures.hour?.amountMicros).toBe(20 * p.estimateMicros);

      for (const at of ['2026-11-24T14:25:00Z', '2026-11-24T14:40:00Z', '2026-11-24T15:10:00Z']) {
        now = new Date(at);
        fake.setUsage([
          ...ordinary('2026-11-24', 15),
          ...loop,
          ...loop.map((r) => ({ ...r, hour: '2026-11-24T14:00:00Z' })),
        ]);
        const again = await processAccount(deps(), 'acme');
        expect(again.sent).toEqual([]);
      }
      expect(await ses.emails()).toHaveLength(1);
    });

    it('the 23:00 loop is emailed once across midnight: at 23:30 under its day, not again at 00:10', async () => {
      await account('2026-11-24');
      const loop = (n: number) => Array.from({ length: n }, () => row('2026-11-24T23:00:00Z', 'proj_loop'));
      // 23:30: the hour in progress (23:00) already holds 14 loop rows.
      fake.setUsage([...ordinary('2026-11-24', 23), ...loop(14)]);
      now = new Date('2026-11-24T23:30:00Z');
      const first = await processAccount(deps(), 'acme');
      expect(first.sent).toEqual(['spike:2026-11-24']);
      // The loop stopped at 23:40. At 00:10 the complete 23:00 hour (20 rows) is the larger one:
      // the same hour, the same key, already sent; today's estimate counts only today's row.
      fake.setUsage([...ordinary('2026-11-24', 23), ...loop(20), row('2026-11-25T00:00:00Z')]);
      now = new Date('2026-11-25T00:10:00Z');
      const out = await processAccount(deps(), 'acme');
      expect(out.sent).toEqual([]);
      expect(out.status === 'ok' && out.result.figures.hour?.start).toBe(Date.parse('2026-11-24T23:00:00Z'));
      expect(out.status === 'ok' && out.result.figures.todayMicros).toBe(p.estimateMicros);
      const usage = fake.requests.filter((r) => r.path === p.usagePath).at(-1);
      const from = usage?.query.get('start_time') ?? usage?.query.get('starting_at');
      expect([String(Date.parse('2026-11-24T23:00:00Z') / 1000), '2026-11-24T23:00:00Z']).toContain(from);
      const emails = await ses.emails();
      expect(emails).toHaveLength(1);
      expect(emails[0]?.body.text).toContain('Usage in the hour in progress (since 23:00 UTC)');
    });

    it('a week after a runaway day a second loop of the same size still fires (the bar is the median day)', async () => {
      // A post-paid account (no grants, no autoRecharge): it gets spike alerts too.
      await seedAccount(
        ddb.doc,
        table,
        { id: 'acme', provider: p.name, name: 'Acme production', recipients: ['ops@acme.example'] },
        [],
      );
      // $240 a day (a usual $10/hour) and one runaway day, 11-20: $1,680 (a loop of $60/hour all day).
      const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
      for (let i = 1; i <= 30; i++) {
        const day = new Date(Date.parse('2026-11-24') - i * DAY).toISOString().slice(0, 10);
        costs[day] = [{ projectId: 'proj_web', usd: day === '2026-11-20' ? 1680 : 240 }];
      }
      fake.setCosts(costs);
      // The second loop: about $70 in the 13:00 hour. The median day ($240) puts the bar at
      // 5 × 240 / 24 = $50; the mean of 11-17 … 11-23 ($445.71) would put it at $92.86.
      const rows = Math.ceil(70 / m);
      fake.setUsage(Array.from({ length: rows }, () => row('2026-11-24T13:00:00Z', 'proj_loop')));
      now = new Date('2026-11-24T14:10:00Z');
      const out = await processAccount(deps(), 'acme');
      expect(out.sent).toEqual(['spike:2026-11-24']);
      expect(out.status === 'ok' && out.result.figures.usualDay).toEqual({ num: 240_000_000, den: 1 });
      const [email] = await ses.emails();
      const multiple = Math.round((rows * m) / 10);
      expect(email?.subject).toBe(
        `Acme production: $${(rows * m).toFixed(2)} spent in the last hour, ${multiple}× your usual $10.00/hour`,
      );
      expect(email?.body.text).toContain('at or above the spike threshold $50.00/hour');
    });

    it('spikeAlert: false sends nothing for the same hour; status keeps hourSpendUsd', async () => {
      await account('2026-11-24', { spikeAlert: false });
      fake.setUsage(Array.from({ length: 20 }, () => row('2026-11-24T13:00:00Z')));
      now = new Date('2026-11-24T14:10:00Z');
      const out = await processAccount(deps(), 'acme');
      expect(out.sent).toEqual([]);
      expect(await ses.emails()).toEqual([]);
      const items = await new DynamoAccountStore(ddb.doc, table).loadAccount('acme');
      expect(items.state?.snapshot).toMatchObject({
        hourSpendUsd: Number((20 * m).toFixed(2)),
        hourSpendFrom: '2026-11-24T13:00:00.000Z',
      });
    });

    it('with nothing spent in the burn-rate days, minUsd alone decides', async () => {
      await seedAccount(
        ddb.doc,
        table,
        { id: 'acme', provider: p.name, recipients: ['ops@acme.example'], spikeAlert: { minUsd: 5 * m } },
        [{ id: 'g1', amountUsd: 1000, effectiveAt: '2026-11-24T00:00:00Z' }],
      );
      fake.setCosts({});
      fake.setUsage(Array.from({ length: 5 }, () => row('2026-11-24T14:00:00Z')));
      now = new Date('2026-11-24T14:30:00Z');
      const out = await processAccount(deps(), 'acme');
      expect(out.sent).toEqual(['spike:2026-11-24']);
      const [email] = await ses.emails();
      expect(email?.subject).toBe(
        `acme: $${(5 * m).toFixed(2)} spent in the last hour, nothing spent in the last 7 complete days`,
      );
    });
  },
);
