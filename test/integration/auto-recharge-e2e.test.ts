import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { simulatePrepaidOrg } from '../support/prepaid-org.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * Auto-recharge end to end: 60 daily `burnrate run --now … --json` passes (the CLI entry point,
 * in this process) against DynamoDB Local and the live-mode fake OpenAI Admin API.
 *
 * Two accounts on the same organisation (same admin key, same costs), each with one $100 grant
 * effective 2026-03-01T00:00Z and `lowBalanceUsd: [25]`:
 * - `auto`: `autoRecharge { belowUsd: 50, toUsd: 200, monthlyLimitUsd: 750 }`, so one card charge
 *   is R = 200 − 50 = $150 and the limit allows 5 a month;
 * - `control`: no auto-recharge (proves the spend would fire low-balance:25 and exhausted).
 *
 * Spend: $20 a day 03-01 … 04-04 (35 days), $80 a day from 04-05. Runs at 09:00Z on each day
 * 03-01 … 04-29; usage is empty, so today's in-progress estimate is $0 and a run on day D sees
 * exactly the daily buckets before D (each drawn at its end, 00:00Z of the next day).
 *
 * Replay of `auto` by hand (LEDGER.md "Auto-recharge"; b = balance before the bucket's draw, S
 * its spend; a draw with S > b − 50 makes k = ceil((S − (b − 50)) / 150) charges, as many as the
 * month's room allows; the grant `auto-<day>` is effective at the bucket's end; each line is
 * `bucket day: balance before → after`, the run on the next day shows the "after"):
 *   03-01 100→80, 03-02 80→60, 03-03 b=60: 20 > 10, 1 charge → 60 − 20 + 150 = 190   (150 used)
 *   03-04…03-10 190→50 (03-10: 20 > 20 is false), 03-11 b=50: 1 charge → 180          (300)
 *   03-12…03-17 180→60, 03-18 b=60: 1 charge → 190                                      (450)
 *   03-19…03-25 190→50, 03-26 b=50: 1 charge → 180                                      (600)
 *   03-27…03-31 180→80. March: 4 charges, $600 ≤ $750: the limit never bites.
 *   April (new month, room $750): 04-01 80→60, 04-02 b=60: 1 charge → 190              (150)
 *   04-03, 04-04 190→150; $80 a day from 04-05: 150→70,
 *   04-06 b=70: 80 > 20 → 140 (300), 04-07 → 60, 04-08 b=60: 80 > 10 → 130 (450),
 *   04-09 → 50, 04-10 b=50: → 120 (600), 04-11 b=120: 80 > 70 → 190 (750 = the limit),
 *   04-12 → 110, 04-13 b=110: 80 > 60 wants 1 charge, room 0: REFUSED → 30 (first refusal),
 *   04-14 b=30 < 50: a restore charge of 170 is refused → −50, and −80 a day after that.
 * So runs through 04-13 see every recharge allowed (balance ≥ $50 after each), the 04-14 run
 * sees $30 (≥ 25: no alert yet), the 04-15 run sees −$50: low-balance:25 and exhausted.
 *
 * recharge-limit:2026-04 fires earlier, from the projection (`rechargeLimitReachedOn` is the
 * first refused day in the replay *or the projection*): the 04-06 run has balance 70, $150 used,
 * burn rate (6 × 20 + 80) / 7 = 200/7 ≈ 28.57. Projected at 200/7 a day: 04-06 b=70: 28.57 > 20,
 * charge (300) → 191.43; 04-11 b=77.14 charge (450) → 198.57; 04-17 b=55.71 charge (600) → 177.14;
 * 04-22 b=62.86 charge (750) → 184.29; 04-27 b=70: 28.57 > 20 wants a charge, room 0: refused.
 * So the 04-06 run has rechargeLimitReachedOn 2026-04-27 and fires recharge-limit:2026-04. The
 * 04-05 run (burn rate 20, 04-05's $80 not yet visible) projects April's charges on 04-10,
 * 04-17 and 04-25 (with 04-02's, 4 in all, $600): no refusal. March never projects one either
 * (its 5th charge would fall on 04-02).
 */

const DAY = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00Z');
const DAYS = 60;
const RAISE = '2026-04-05';
const ADMIN_KEY = 'sk-admin-auto-recharge-e2e-0123456789';
const BELOW = 50;
const LIMIT = 750;

const ddb = useDynamoDbLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;
let secrets: Awaited<ReturnType<typeof startSecretsManagerFake>>;
const ENTERED_KEY = 'sk-admin-entered-recharges-0123456789';

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Figures {
  at: string;
  balanceUsd: number;
  overdraftUsd: number;
  rechargedThisMonthUsd: number;
  rechargesThisMonth: number;
  rechargeLimitReachedOn: string | null;
  grants: Array<{ id: string; remainingUsd: number; auto?: true; amountUsd?: number; charges?: number }>;
}
interface Outcome {
  accountId: string;
  status: string;
  due: string[];
  figures: Figures;
}

interface Org {
  fake: Awaited<ReturnType<typeof startOpenAiFake>>;
  table: string;
}

/** The environment of a `burnrate` call against DynamoDB Local and the fake organisation. */
function envFor(org: Org): Record<string, string | undefined> {
  const {
    OPENAI_ADMIN_KEY: _o,
    ANTHROPIC_ADMIN_KEY: _a,
    BURNRATE_SENDER: _s,
    BURNRATE_ALERTS_TOPIC_ARN: _t,
    ...rest
  } = process.env;
  return {
    ...rest,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: org.table,
    OPENAI_BASE_URL: org.fake.baseUrl,
    // Two accounts per organisation: each reads its key from Secrets Manager (burnrate/<id>), as in
    // AWS; one environment key for several accounts of a provider is refused (issue 16).
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
  };
}

/** `burnrate run --now <at> --json` through the CLI's `main`, with the environment swapped for the call. */
async function run(
  at: string,
  org: Org = { fake, table },
): Promise<{ code: number; outcomes: Map<string, Outcome>; stderr: string }> {
  const { code, stdout, stderr } = await cliInProcess(['run', '--now', at, '--json'], envFor(org));
  if (code !== 0) throw new Error(`run --now ${at} exited ${code}: ${stderr}`);
  const parsed = JSON.parse(stdout) as Outcome[];
  return { code, outcomes: new Map(parsed.map((o) => [o.accountId, o])), stderr };
}

const grant = { id: 'g1', amountUsd: 100, effectiveAt: '2026-03-01T00:00:00Z' };
const base = { provider: 'openai', recipients: ['ops@acme.example'], lowBalanceUsd: [25] };

beforeAll(async () => {
  secrets = await startSecretsManagerFake({
    'burnrate/auto': ADMIN_KEY,
    'burnrate/control': ADMIN_KEY,
    'burnrate/entered': ENTERED_KEY,
    'burnrate/unmarked': ENTERED_KEY,
  });
  fake = await startOpenAiFake({ mode: 'live', adminKey: ADMIN_KEY });
  const costs: Record<string, Array<{ usd: number }>> = {};
  for (let i = 0; i < DAYS; i++) {
    const day = dayOf(START + i * DAY);
    costs[day] = [{ usd: day < RAISE ? 20 : 80 }];
  }
  fake.setCosts(costs);
  fake.setUsage([]);
  table = await ddb.freshTable('auto-recharge-e2e');
  await seedAccount(
    ddb.doc,
    table,
    { id: 'auto', ...base, autoRecharge: { belowUsd: BELOW, toUsd: 200, monthlyLimitUsd: LIMIT } },
    [grant],
  );
  await seedAccount(ddb.doc, table, { id: 'control', ...base }, [grant]);
});
afterAll(async () => {
  await fake?.stop();
  await secrets?.stop();
});

describe('auto-recharge over 60 daily `burnrate run`s (DynamoDB Local, live-mode OpenAI fake)', () => {
  it('recharges keep the balance ≥ belowUsd while the limit allows; recharge-limit fires once when spend outruns it', {
    timeout: 240_000,
  }, async () => {
    const daily: Array<{ day: string; auto: Outcome; control: Outcome }> = [];
    const reruns: Array<{ day: string; auto: Outcome }> = [];
    for (let i = 0; i < DAYS; i++) {
      const day = dayOf(START + i * DAY);
      const { outcomes } = await run(`${day}T09:00:00Z`);
      const auto = outcomes.get('auto') as Outcome;
      const control = outcomes.get('control') as Outcome;
      expect(auto, day).toBeDefined();
      expect(control, day).toBeDefined();
      daily.push({ day, auto, control });
      // The same day again: whatever fired at 09:00 must not fire a second time.
      if (auto.due.some((k) => k.startsWith('recharge-limit:'))) {
        const again = await run(`${day}T15:00:00Z`);
        reruns.push({ day, auto: again.outcomes.get('auto') as Outcome });
      }
    }

    // 60 days synced, every run ok for both accounts, one run per day.
    expect(daily).toHaveLength(DAYS);
    expect(daily.every((d) => d.auto.status === 'ok' && d.control.status === 'ok')).toBe(true);
    expect(daily.map((d) => d.auto.figures.at)).toEqual(daily.map((d) => `${d.day}T09:00:00.000Z`));
    expect(new Set(daily.map((d) => d.day)).size).toBe(DAYS);
    expect(daily.at(-1)?.day).toBe('2026-04-29');

    const at = (day: string) => {
      const found = daily.find((d) => d.day === day);
      if (!found) throw new Error(`no run on ${day}`);
      return found;
    };
    const dueOn = (who: 'auto' | 'control') =>
      daily.flatMap((d) => d[who].due.map((key) => ({ day: d.day, key })));

    // While the limit allows (runs through 04-13: the first refused bucket, 04-13, is drawn at
    // 04-14T00:00Z), every run's balance is ≥ belowUsd and neither exhausted nor low-balance:25 is due.
    const allowed = daily.filter((d) => d.day <= '2026-04-13');
    expect(allowed).toHaveLength(44);
    for (const d of allowed) {
      expect(d.auto.figures.balanceUsd, d.day).toBeGreaterThanOrEqual(BELOW);
      expect(d.auto.figures.overdraftUsd, d.day).toBe(0);
      expect(d.auto.due, d.day).not.toContain('exhausted');
      expect(d.auto.due, d.day).not.toContain('low-balance:25');
    }
    // Never more recharged in a month than the limit.
    for (const d of daily) expect(d.auto.figures.rechargedThisMonthUsd, d.day).toBeLessThanOrEqual(LIMIT);

    // Recharges were modelled: the hand-computed grants and month totals.
    expect(at('2026-03-04').auto.figures).toMatchObject({
      balanceUsd: 190,
      rechargedThisMonthUsd: 150,
      rechargesThisMonth: 1,
    });
    expect(at('2026-03-04').auto.figures.grants).toContainEqual(
      expect.objectContaining({
        id: 'auto-2026-03-03',
        auto: true,
        amountUsd: 150,
        charges: 1,
        remainingUsd: 150,
      }),
    );
    expect(at('2026-03-31').auto.figures).toMatchObject({
      balanceUsd: 100,
      rechargedThisMonthUsd: 600,
      rechargesThisMonth: 4,
      rechargeLimitReachedOn: null,
    });
    // A new month starts with no recharges counted against its limit.
    expect(at('2026-04-01').auto.figures).toMatchObject({ balanceUsd: 80, rechargedThisMonthUsd: 0 });
    expect(at('2026-04-12').auto.figures).toMatchObject({
      balanceUsd: 190,
      rechargedThisMonthUsd: LIMIT,
      rechargesThisMonth: 5,
    });
    expect(at('2026-04-13').auto.figures.balanceUsd).toBe(110);
    const autoGrants = daily.at(-1)?.auto.figures.grants.filter((g) => g.auto) ?? [];
    expect(autoGrants.map((g) => g.id)).toEqual([
      'auto-2026-03-03',
      'auto-2026-03-11',
      'auto-2026-03-18',
      'auto-2026-03-26',
      'auto-2026-04-02',
      'auto-2026-04-06',
      'auto-2026-04-08',
      'auto-2026-04-10',
      'auto-2026-04-11',
    ]);
    expect(autoGrants.every((g) => g.amountUsd === 150 && g.charges === 1)).toBe(true);

    // recharge-limit: never for March; for April exactly once, at the 04-06 run (the projection
    // at burn rate 200/7 sees 04-27 refused); the same-day re-run does not fire it again.
    const limitKeys = dueOn('auto').filter((d) => d.key.startsWith('recharge-limit:'));
    expect(limitKeys).toEqual([{ day: '2026-04-06', key: 'recharge-limit:2026-04' }]);
    expect(at('2026-04-05').auto.figures.rechargeLimitReachedOn).toBeNull();
    expect(at('2026-04-06').auto.figures.rechargeLimitReachedOn).toBe('2026-04-27');
    expect(reruns).toHaveLength(1);
    expect(reruns[0]?.auto.status).toBe('ok');
    expect(reruns[0]?.auto.due).toEqual([]);

    // Once the limit refuses: 04-13 is the refused day; 04-14 sees $30 (below belowUsd, above 25),
    // 04-15 sees −$50, so low-balance:25 and exhausted fire then, once each.
    expect(at('2026-04-14').auto.figures).toMatchObject({
      balanceUsd: 30,
      rechargedThisMonthUsd: LIMIT,
      rechargeLimitReachedOn: '2026-04-13',
    });
    expect(at('2026-04-14').auto.due).toEqual([]);
    expect(at('2026-04-15').auto.figures).toMatchObject({ balanceUsd: -50, overdraftUsd: 50 });
    expect(dueOn('auto').filter((d) => d.key === 'exhausted' || d.key === 'low-balance:25')).toEqual([
      { day: '2026-04-15', key: 'low-balance:25' },
      { day: '2026-04-15', key: 'exhausted' },
    ]);
    expect(dueOn('auto').map((d) => d.key)).toEqual([
      'recharge-limit:2026-04',
      'low-balance:25',
      'exhausted',
    ]);

    // Control: the same spend without auto-recharge runs the $100 grant down in 5 days:
    // 03-05 sees $20 (low-balance:25), 03-06 sees $0 (exhausted). No recharge is ever modelled.
    expect(at('2026-03-05').control.figures.balanceUsd).toBe(20);
    expect(at('2026-03-06').control.figures.balanceUsd).toBe(0);
    expect(dueOn('control')).toEqual([
      { day: '2026-03-05', key: 'low-balance:25' },
      { day: '2026-03-06', key: 'exhausted' },
    ]);
    expect(daily.every((d) => d.control.figures.grants.every((g) => !g.auto))).toBe(true);
    expect(daily.every((d) => d.control.figures.rechargedThisMonthUsd === 0)).toBe(true);
  });
});

/**
 * The issue-15 case: OpenAI restores to $60 below $20 (R = $40), at most $190 a month; a $47
 * promotional credit (expiring 06-30, so used first); demand $5 a day in March, $10 a day in
 * April. `simulatePrepaidOrg` is the provider, minute by minute (test/support/prepaid-org.ts). By hand:
 *   promo 47 reaches $20 after $27 = 5.4 days: c1 $40 at 03-06T09:36; then every 8 days: c2 03-14,
 *   c3 03-22, c4 03-30 (09:36; March $160). 04-01 $52; at $10 a day: c5 04-04T04:48, c6
 *   04-08T04:48 (April $80), c7 04-12T04:48, c8 04-16T04:48 (April $160); 04-20T04:48 the 5th
 *   ($200 > $190) is refused; $20 lasts to 04-22T04:48, where the provider pauses the
 *   organisation: the cost report shows $2 on 04-22 and $0 after.
 * Day 40 (04-09), after the 09:00 run, the operator checkpoints at T = 04-09T09:00 from the
 * billing page: promo 0, c1 … c4 0, c5 8.25 (40 × 5 + 47 − 238.75 spent), c6 40, with the six
 * card charges entered as recharges. April's room after T is 190 − 80 = 110: two more charges
 * (04-12, 04-16), then 04-20 refused, as the provider did. At 00:00 of each day the ledger then
 * equals the provider: 04-10 42, 04-12 22, 04-13 52, 04-17 52, 04-21 12, 04-22 2, 04-23 0.
 * The same checkpoint with `--add` (the old contract: the charges do not count toward the
 * limit) models a third April charge at 04-20: $40 too high from 04-21, and no alert fires.
 */
describe('a checkpoint on day 40 with the entered card charges (restore to $60 below $20, $190 a month)', () => {
  it('keeps the balance within a day’s spend of the provider through the month’s refusal; low-balance and exhausted fire when service stops', {
    timeout: 240_000,
  }, async () => {
    const T = '2026-04-09T09:00:00Z';
    const promo = {
      id: 'promo',
      amountUsd: 47,
      effectiveAt: '2026-03-01T00:00:00Z',
      expiresAt: '2026-06-30T00:00:00Z',
    };
    const autoRecharge = { belowUsd: 20, toUsd: 60, monthlyLimitUsd: 190 };
    const provider = simulatePrepaidOrg({
      start: START,
      days: DAYS,
      demandUsd: (i) => (i < 31 ? 5 : 10),
      grants: [{ ...promo, effectiveAt: START, expiresAt: Date.parse(promo.expiresAt) }],
      autoRecharge,
      readAt: [Date.parse(T)],
    });
    // The oracle is the hand computation above.
    expect(provider.charges.map((c) => `${c.id} ${new Date(c.at).toISOString()} ${c.amountUsd}`)).toEqual([
      'c1 2026-03-06T09:36:00.000Z 40',
      'c2 2026-03-14T09:36:00.000Z 40',
      'c3 2026-03-22T09:36:00.000Z 40',
      'c4 2026-03-30T09:36:00.000Z 40',
      'c5 2026-04-04T04:48:00.000Z 40',
      'c6 2026-04-08T04:48:00.000Z 40',
      'c7 2026-04-12T04:48:00.000Z 40',
      'c8 2026-04-16T04:48:00.000Z 40',
    ]);
    expect(provider.refusals.map((r) => new Date(r).toISOString())).toEqual(['2026-04-20T04:48:00.000Z']);
    expect(provider.pausedAt && new Date(provider.pausedAt).toISOString()).toBe('2026-04-22T04:48:00.000Z');
    const page = provider.remainingAt(Date.parse(T));
    expect(Object.fromEntries(page)).toMatchObject({ promo: 0, c1: 0, c4: 0, c5: 8.25, c6: 40 });

    const org: Org = {
      fake: await startOpenAiFake({ mode: 'live', adminKey: ENTERED_KEY }),
      table: await ddb.freshTable('entered-recharges'),
    };
    try {
      const costs: Record<string, Array<{ usd: number }>> = {};
      provider.costsUsd.forEach((usd, i) => {
        costs[dayOf(START + i * DAY)] = [{ usd }];
      });
      org.fake.setCosts(costs);
      org.fake.setUsage([]);
      const config = {
        provider: 'openai',
        recipients: ['ops@acme.example'],
        lowBalanceUsd: [5],
        autoRecharge,
      };
      await seedAccount(ddb.doc, org.table, { id: 'entered', ...config }, [promo]);
      await seedAccount(ddb.doc, org.table, { id: 'unmarked', ...config }, [promo]);

      const entered = provider.charges.filter((c) => c.at <= Date.parse(T));
      const checkpoint = async (account: string, flag: '--recharge' | '--add') => {
        const args = [
          'checkpoint',
          '--account',
          account,
          '--at',
          T,
          '--now',
          '2026-04-09T09:30:00Z',
          '--json',
        ];
        args.push(...[...page].map(([id, usd]) => `${id}=${usd}`));
        for (const c of entered) args.push(flag, `${c.id},${c.amountUsd},${new Date(c.at).toISOString()}`);
        const out = await cliInProcess(args, envFor(org));
        expect(out.code, out.stderr).toBe(0);
        return JSON.parse(out.stdout);
      };

      const daily: Array<{ day: string; entered: Outcome; unmarked: Outcome }> = [];
      for (let i = 0; i < DAYS; i++) {
        const day = dayOf(START + i * DAY);
        const { outcomes } = await run(`${day}T09:00:00Z`, org);
        daily.push({
          day,
          entered: outcomes.get('entered') as Outcome,
          unmarked: outcomes.get('unmarked') as Outcome,
        });
        if (day === '2026-04-09') {
          const report = await checkpoint('entered', '--recharge');
          // The six charges the page lists are the six burnrate modelled, day for day.
          expect(report.recharges).toMatchObject({
            from: '2026-03-06',
            through: '2026-04-09',
            burnrateUsd: 240,
            burnrateCharges: 6,
            billingPageUsd: 240,
            billingPageCharges: 6,
          });
          expect(report.recharges.days.map((d: { day: string }) => d.day)).toEqual(
            entered.map((c) => dayOf(c.at)),
          );
          await checkpoint('unmarked', '--add');
        }
      }
      expect(daily.every((d) => d.entered.status === 'ok' && d.unmarked.status === 'ok')).toBe(true);
      const at = (day: string) => daily.find((d) => d.day === day) as (typeof daily)[number];

      // Every run, before and after the checkpoint, through the refusal and the pause: within a
      // day's spend of the provider's balance at the start of the run's day (the cost report
      // covers the days before it; usage is empty, so there is no estimate for today).
      for (const [i, d] of daily.entries()) {
        const dayDemand = i < 31 ? 5 : 10;
        const truth = provider.balanceAtDayStart[i] as number;
        expect(Math.abs(d.entered.figures.balanceUsd - truth), d.day).toBeLessThanOrEqual(dayDemand);
      }
      expect(
        [
          '2026-04-10',
          '2026-04-12',
          '2026-04-13',
          '2026-04-17',
          '2026-04-21',
          '2026-04-22',
          '2026-04-23',
        ].map((day) => at(day).entered.figures.balanceUsd),
      ).toEqual([42, 22, 52, 52, 12, 2, 0]);

      // After T the ledger models the provider's two remaining April charges and none after the refusal.
      const modelledAfterT = (o: Outcome) =>
        o.figures.grants.filter((g) => g.auto).map((g) => `${g.id} ${g.amountUsd}`);
      expect(modelledAfterT(at('2026-04-29').entered)).toEqual(['auto-2026-04-12 40', 'auto-2026-04-16 40']);
      expect(at('2026-04-21').entered.figures).toMatchObject({
        rechargedThisMonthUsd: 160,
        rechargesThisMonth: 4,
        rechargeLimitReachedOn: '2026-04-20',
      });
      // The first run after T already sees the refusal ahead (burn $10/day: 04-12, 04-16, then 04-20).
      expect(at('2026-04-10').entered.figures).toMatchObject({
        rechargedThisMonthUsd: 80,
        rechargesThisMonth: 2,
        rechargeLimitReachedOn: '2026-04-20',
      });

      // low-balance:5 at the first run after the pause (balance $2), exhausted the next ($0), once each.
      const due = (who: 'entered' | 'unmarked') =>
        daily.flatMap((d) =>
          d[who].due.filter((k) => k === 'low-balance:5' || k === 'exhausted').map((k) => `${d.day} ${k}`),
        );
      expect(due('entered')).toEqual(['2026-04-22 low-balance:5', '2026-04-23 exhausted']);

      // The old contract: $40 too high from 04-21 on, one recharge the provider never made, no alert.
      expect(modelledAfterT(at('2026-04-29').unmarked)).toContain('auto-2026-04-20 40');
      expect(at('2026-04-23').unmarked.figures.balanceUsd).toBe(40);
      expect(due('unmarked')).toEqual([]);
    } finally {
      await org.fake.stop();
    }
  });
});
