import { describe, expect, it } from 'vitest';
import { computeFigures } from '../../shared/core/figures.ts';
import { daily, keys, runAt, simulateObject } from '../support/scenario.ts';

type Run = ReturnType<typeof runAt>;
const grant = (run: Run, id: string) => run.grants.find((g) => g.id === id);
const autoGrants = (run: Run) => run.grants.filter((g) => g.auto);
const restore = { belowUsd: 20, toUsd: 100 };

describe('auto-recharge: the restore form', () => {
  const g1 = { id: 'g1', amountUsd: 100, effectiveAt: '2026-03-01T00:00:00Z' };
  const run = runAt('2026-03-04T00:00:00Z', {
    account: { autoRecharge: restore },
    grants: [g1],
    costs: daily('2026-03-01', [50, 40, 30]),
  });

  it('recharges when spending crosses below the threshold, as one grant effective at the bucket end', () => {
    // 03-01: b = 100, S = 50 is not > 100 − 20: balance 50.
    // 03-02: b = 50, S = 40 > 30: k = ceil((40 − 30) / 80) = 1: one $80 charge; balance 50 − 40 + 80 = 90.
    // 03-03: b = 90, S = 30 is not > 70: g1's last 10 then 20 of the recharge: balance 60.
    expect(run.balanceUsd).toBe(60);
    expect(grant(run, 'auto-2026-03-02')).toEqual({
      id: 'auto-2026-03-02',
      remainingUsd: 60,
      expiredUsd: 0,
      atRiskUsd: 0,
      auto: true,
      amountUsd: 80,
      charges: 1,
    });
    expect(grant(run, 'g1')).toEqual({ id: 'g1', remainingUsd: 0, expiredUsd: 0, atRiskUsd: 0 });
    // Sorted by id in code-unit order: "auto-…" before "g1".
    expect(run.grants.map((g) => g.id)).toEqual(['auto-2026-03-02', 'g1']);
  });

  it('reports the month’s recharges and forecasts the rest of the month; runway null while recharging', () => {
    // Burn rate (50 + 40 + 30) / 3 = 40/day. Projection from 03-04 with b = 60: 03-04 leaves 20 (40 is
    // not > 40); 03-05 crosses (one $80 charge, back to 60); so one charge every odd day 03-05..03-31:
    // 14 × 80 = 1120, plus the 80 already made = 1200.
    expect(run).toMatchObject({
      rechargedThisMonthUsd: 80,
      rechargesThisMonth: 1,
      forecastRechargesMonthEndUsd: 1200,
      rechargeLimitReachedOn: null,
      burnRateUsdPerDay: 40,
      runwayDays: null,
    });
    expect(run.alerts).toEqual([]);
  });

  it('restores to toUsd from an overdraft in one charge, and the limit can refuse that charge', () => {
    // Limit $30, R = 50 − 20 = 30. 03-31: b = 30, S = 100 > 10: k = ceil(90 / 30) = 3, room allows 1:
    // $30 and refused; overdraft 70 − 30 = 40. 04-01 (a new month): b = −40 < 20: the restore charge
    // is 50 − (−40) = 90 > room 30: refused, no recharge; overdraft 40 + 10 = 50.
    const [april] = simulateObject({
      account: { autoRecharge: { belowUsd: 20, toUsd: 50, monthlyLimitUsd: 30 } },
      grants: [{ id: 'g', amountUsd: 30, effectiveAt: '2026-03-01T00:00:00Z' }],
      costs: daily('2026-03-31', [100, 10]),
      runs: ['2026-04-02T00:00:00Z'],
    });
    expect(april).toMatchObject({
      balanceUsd: -50,
      rechargedThisMonthUsd: 0,
      rechargeLimitReachedOn: '2026-04-01',
    });
    expect(autoGrants(april as Run).map((g) => [g.id, g.amountUsd, g.charges])).toEqual([
      ['auto-2026-03-31', 30, 1],
    ]);
  });
});

describe('auto-recharge: the amount form', () => {
  it('makes several charges in one bucket: step 1 (already below), then step 2 (crossing)', () => {
    // b = 10 < 20: step 1 wants ceil((20 − 10) / 25) = 1 charge: b = 35. Step 2: S = 100 > 35 − 20 = 15:
    // k = ceil(85 / 25) = 4. Total 125 in 5 charges. The draw leaves overdraft 90; the recharge pays it: 35.
    const run = runAt('2026-03-02T00:00:00Z', {
      account: { autoRecharge: { belowUsd: 20, amountUsd: 25 } },
      grants: [{ id: 'g', amountUsd: 10, effectiveAt: '2026-03-01T00:00:00Z' }],
      costs: daily('2026-03-01', [100]),
    });
    expect(run).toMatchObject({
      balanceUsd: 35,
      overdraftUsd: 0,
      rechargedThisMonthUsd: 125,
      rechargesThisMonth: 5,
    });
    expect(grant(run, 'auto-2026-03-01')).toMatchObject({ amountUsd: 125, charges: 5, remainingUsd: 35 });
  });

  describe('the monthly limit refuses mid-bucket, a new month resets it, the alert fires once', () => {
    // $25 charges, at most $50 a month.
    // 03-31: b = 30, S = 100 > 10: k = ceil(90 / 25) = 4 wanted, floor(50 / 25) = 2 happen: $50, refused.
    //   Draw: overdraft 70; the recharge pays 50 of it: overdraft 20, balance −20.
    // 04-01 (new month, room 50): b = −20 < 20: step 1 wants ceil(40 / 25) = 2: $50 (b = 30). Step 2:
    //   S = 10 is not > 10. The draw makes overdraft 30; the recharge pays it: balance 20.
    const runs = simulateObject({
      account: { autoRecharge: { belowUsd: 20, amountUsd: 25, monthlyLimitUsd: 50 } },
      grants: [{ id: 'g', amountUsd: 30, effectiveAt: '2026-03-01T00:00:00Z' }],
      costs: daily('2026-03-31', [100, 10]),
      runs: ['2026-04-01T12:00:00Z', '2026-04-02T00:00:00Z', '2026-04-02T06:00:00Z'],
    });
    const [first, second, third] = runs as [Run, Run, Run];

    it('on 04-01 (only 03-31 visible) the projection sees April’s limit refuse on 04-01', () => {
      // Burn rate 100/day (n = 1). Projected 04-01: b = −20: step 1 $50 (room 50 → 0), then step 2
      // wants ceil((100 − 10) / 25) = 4 more: refused. Reached on 2026-04-01, in D's month: alert.
      expect(first).toMatchObject({
        balanceUsd: -20,
        rechargedThisMonthUsd: 0,
        rechargeLimitReachedOn: '2026-04-01',
      });
      // (Balance −20: exhausted too.)
      expect(keys(first)).toEqual(['exhausted', 'recharge-limit:2026-04']);
      // March's refusal (03-31) is before D's month: it does not count for April.
      expect(autoGrants(first).map((g) => [g.id, g.amountUsd, g.charges])).toEqual([
        ['auto-2026-03-31', 50, 2],
      ]);
    });

    it('on 04-02 April has its own $50 and the limit bites again tomorrow; runway is finite', () => {
      expect(second).toMatchObject({ balanceUsd: 20, rechargedThisMonthUsd: 50, rechargesThisMonth: 2 });
      expect(grant(second, 'auto-2026-04-01')).toMatchObject({ amountUsd: 50, charges: 2, remainingUsd: 20 });
      // Burn rate (100 + 10) / 2 = 55. Projected 04-02: b = 20, S = 55: step 2 wants 3, room 0: refused.
      // b + r − S = 20 − 55 <= 0 at j = 0: runway 0 + 20 / 55 = 0.3636… → 0.36.
      expect(second).toMatchObject({ rechargeLimitReachedOn: '2026-04-02', runwayDays: 0.36 });
      expect(second.forecastRechargesMonthEndUsd).toBe(50);
      // The key fired on the first run; it never fires again in April.
      expect(keys(second)).toEqual([]);
      expect(keys(third)).toEqual([]);
    });
  });
});

describe('auto-recharge and the checkpoint', () => {
  const checkpointed = {
    id: 'g1',
    amountUsd: 500,
    effectiveAt: '2026-01-01T00:00:00Z',
    remainingUsd: 30,
    remainingAsOf: '2026-07-01T00:00:00Z',
  };

  it('models no recharge for draws at or before T, and does from the first draw after T', () => {
    // 06-29 and 06-30 draw at or before T into an overdraft that T clears: no recharge although the
    // balance was below 20. 07-01: b = 30, S = 10 is not > 10: 20. 07-02: b = 20, S = 5 > 0: one $80 charge.
    const [before, after] = simulateObject({
      account: { autoRecharge: restore },
      grants: [checkpointed],
      costs: daily('2026-06-29', [50, 10, 10, 5]),
      runs: ['2026-07-02T00:00:00Z', '2026-07-03T00:00:00Z'],
    }) as [Run, Run];
    expect(before).toMatchObject({ balanceUsd: 20, overdraftUsd: 0, rechargedThisMonthUsd: 0 });
    expect(autoGrants(before)).toEqual([]);
    expect(after).toMatchObject({ balanceUsd: 95, rechargedThisMonthUsd: 80, rechargesThisMonth: 1 });
    expect(autoGrants(after).map((g) => g.id)).toEqual(['auto-2026-07-02']);
  });

  it('uses the pro-rata share as S for the checkpoint’s bucket', () => {
    // T = 07-01 12:00. The 07-01 bucket ($30) draws floor(30 × 12 / 24) = 15 after T: b = 30,
    // 15 > 10: one $80 charge; balance 30 − 15 + 80 = 95. The whole bucket counts month-to-date.
    const run = runAt('2026-07-02T00:00:00Z', {
      account: { autoRecharge: restore },
      grants: [{ ...checkpointed, remainingAsOf: '2026-07-01T12:00:00Z' }],
      costs: daily('2026-07-01', [30]),
    });
    expect(run).toMatchObject({ balanceUsd: 95, monthToDateUsd: 30, rechargedThisMonthUsd: 80 });
  });
});

describe('auto-recharge: buckets that change nothing', () => {
  it('zero-amount and missing buckets make no recharge even below the threshold', () => {
    const grants = [{ id: 'g', amountUsd: 10, effectiveAt: '2026-03-01T00:00:00Z' }];
    const [quiet, busy] = simulateObject({
      account: { autoRecharge: restore },
      grants,
      costs: [...daily('2026-03-01', [0]), ...daily('2026-03-03', [1])],
      runs: ['2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z'],
    }) as [Run, Run];
    expect(quiet).toMatchObject({ balanceUsd: 10, rechargesThisMonth: 0 });
    expect(autoGrants(quiet)).toEqual([]);
    // 03-03: b = 10 < 20: restore charge 100 − 10 = 90; S = 1 is not > 80. Balance 10 − 1 + 90 = 99.
    expect(busy).toMatchObject({ balanceUsd: 99, rechargedThisMonthUsd: 90, rechargesThisMonth: 1 });
  });
});

describe('auto-recharge: activation order and burn order', () => {
  // 03-01: b = 30, S = 100 > 10: one $100 charge; the draw leaves overdraft 70, paid at 03-02 00:00 by
  // the grants activating then, in burn order.
  const base = {
    account: { autoRecharge: { belowUsd: 20, amountUsd: 100 } },
    costs: daily('2026-03-01', [100]),
  };
  const a = { id: 'a', amountUsd: 30, effectiveAt: '2026-03-01T00:00:00Z' };

  it('a manual grant activating at the same instant as a recharge goes first when it expires first', () => {
    const m = {
      id: 'm',
      amountUsd: 50,
      effectiveAt: '2026-03-02T00:00:00Z',
      expiresAt: '2026-06-01T00:00:00Z',
    };
    const run = runAt('2026-03-02T00:00:00Z', { ...base, grants: [a, m] });
    // m (expires first) pays 50 of the 70, the recharge the other 20.
    expect(grant(run, 'm')?.remainingUsd).toBe(0);
    expect(grant(run, 'auto-2026-03-01')?.remainingUsd).toBe(80);
    expect(run.balanceUsd).toBe(80);
  });

  it('and after the recharge when it expires later', () => {
    const m = {
      id: 'm',
      amountUsd: 50,
      effectiveAt: '2026-03-02T00:00:00Z',
      expiresAt: '2028-01-01T00:00:00Z',
    };
    const run = runAt('2026-03-02T00:00:00Z', { ...base, grants: [a, m] });
    expect(grant(run, 'auto-2026-03-01')?.remainingUsd).toBe(30);
    expect(grant(run, 'm')?.remainingUsd).toBe(50);
  });

  it('under either burn order the bucket drains the older grants and the recharge holds the rest', () => {
    // promo $50 expires 03-10, bought $40 (expires 2027). 03-01: b = 90, S = 80 > 70: one $80 charge.
    // expiring-first: promo 50 → 0, bought 40 → 10. oldest-first: bought 40 → 0, promo 50 → 10.
    const grants = [
      { id: 'promo', amountUsd: 50, effectiveAt: '2026-02-01T00:00:00Z', expiresAt: '2026-03-10T00:00:00Z' },
      { id: 'bought', amountUsd: 40, effectiveAt: '2026-01-01T00:00:00Z' },
    ];
    const remaining = (burnOrder: string) =>
      Object.fromEntries(
        runAt('2026-03-02T00:00:00Z', {
          account: { autoRecharge: restore, burnOrder },
          grants,
          costs: daily('2026-03-01', [80]),
        }).grants.map((g) => [g.id, g.remainingUsd]),
      );
    expect(remaining('expiring-first')).toEqual({ 'auto-2026-03-01': 80, bought: 10, promo: 0 });
    expect(remaining('oldest-first')).toEqual({ 'auto-2026-03-01': 80, bought: 0, promo: 10 });
  });
});

describe('auto-recharge in production: the in-progress bucket is [D, at)', () => {
  it('recharges on today’s spend so far, effective at the run instant', () => {
    const at = Date.parse('2026-03-05T12:00:00Z');
    const f = computeFigures({
      grants: [
        {
          id: 'g',
          amountMicros: 30_000_000,
          effectiveAt: Date.parse('2026-03-01T00:00:00Z'),
          expiresAt: Date.parse('2027-03-01T00:00:00Z'),
        },
      ],
      buckets: [],
      burnOrder: 'expiring-first',
      at,
      todayMicros: 15_000_000,
      autoRecharge: { belowMicros: 20_000_000, toMicros: 100_000_000 },
    });
    // b = 30, S = 15 > 10: one $80 charge, effective at `at`, expiring a year later.
    const made = f.grants.find((g) => g.grant.auto);
    expect(made?.grant).toMatchObject({
      id: 'auto-2026-03-05',
      amountMicros: 80_000_000,
      effectiveAt: at,
      charges: 1,
    });
    expect(made?.grant.expiresAt).toBe(Date.parse('2027-03-05T12:00:00Z'));
    expect(f.balanceMicros).toBe(95_000_000);
    expect(f.hasGrants).toBe(true);
  });
});

describe('recharge grants count as grants for the alert rules', () => {
  it('an account with no input grant gets low-balance alerts once a recharge exists', () => {
    // 03-01: b = 0 < 20: restore charge 100; S = 10 is not > 80: balance 90.
    const run = runAt('2026-03-02T00:00:00Z', {
      account: { autoRecharge: restore, lowBalanceUsd: [95] },
      grants: [],
      costs: daily('2026-03-01', [10]),
    });
    expect(run.balanceUsd).toBe(90);
    expect(keys(run)).toEqual(['low-balance:95']);
  });

  it('without auto-recharge and grants an account stays post-paid', () => {
    const run = runAt('2026-03-02T00:00:00Z', {
      account: { lowBalanceUsd: [95] },
      grants: [],
      costs: daily('2026-03-01', [10]),
    });
    expect(keys(run)).toEqual([]);
    expect(run).toMatchObject({
      rechargedThisMonthUsd: 0,
      rechargesThisMonth: 0,
      forecastRechargesMonthEndUsd: 0,
    });
  });
});
