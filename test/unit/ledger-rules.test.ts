import { describe, expect, it } from 'vitest';
import { daily, keys, runAt, simulateObject } from '../support/scenario.ts';

describe('the projection draws the bucket holding a future checkpoint pro rata', () => {
  it('at-risk counts only the share of that day after T', () => {
    // Run 07-05 12:00, before T = 07-10 06:00: the checkpointed grant is not active yet. Burn rate
    // 96 / 4 = 24/day. Projected buckets before its expiry 07-13: 07-10 draws floor(24 × 18h / 24h)
    // = 18, 07-11 and 07-12 draw 24 each: 100 − 66 = 34 at risk (whole-day drawing would say 28).
    const run = runAt('2026-07-05T12:00:00Z', {
      grants: [
        {
          id: 'g1',
          amountUsd: 500,
          effectiveAt: '2026-01-01T00:00:00Z',
          expiresAt: '2026-07-13T00:00:00Z',
          remainingUsd: 100,
          remainingAsOf: '2026-07-10T06:00:00Z',
        },
      ],
      costs: daily('2026-07-01', [24, 24, 24, 24]),
    });
    expect(run.burnRateUsdPerDay).toBe(24);
    expect(run.grants[0]).toMatchObject({ id: 'g1', remainingUsd: 100, atRiskUsd: 34 });
  });
});

describe('expiry warnings skip grants with less than a cent at risk', () => {
  const promo = {
    id: 'promo',
    amountUsd: 50,
    effectiveAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-03-25T00:00:00Z',
  };

  it('no warning when the burn rate uses the grant up before it expires', () => {
    // $20 left on 03-20 at $10/day: 03-20..03-24 draw 50 > 20: at risk 0.
    const run = runAt('2026-03-20T00:00:00Z', { grants: [promo], costs: daily('2026-03-17', [10, 10, 10]) });
    expect(run.grants[0]).toMatchObject({ remainingUsd: 20, atRiskUsd: 0 });
    expect(keys(run)).toEqual([]);
  });

  it('a warning when a cent or more is at risk', () => {
    // $1/day: 03-20..03-24 draw 5 of the 47 left: 42 at risk.
    const run = runAt('2026-03-20T00:00:00Z', { grants: [promo], costs: daily('2026-03-17', [1, 1, 1]) });
    expect(run.grants[0]?.atRiskUsd).toBe(42);
    expect(keys(run)).toEqual(['expiry:promo:30', 'expiry:promo:7']);
  });

  it('compares unrounded: 0.008 at risk shows as 0.01 but is below a cent, so no warning', () => {
    // A $0.104 grant; 03-17 draws 0.084 (0.02 left). Burn rate 0.084 / 7 = 0.012/day. Run 03-24: the
    // one projected bucket before the expiry (03-24) draws 0.012: 0.008 at risk, shown as 0.01.
    const run = runAt('2026-03-24T00:00:00Z', {
      grants: [{ ...promo, amountUsd: 0.104 }],
      costs: daily('2026-03-17', [0.084]),
    });
    expect(run.grants[0]).toMatchObject({ remainingUsd: 0.02, atRiskUsd: 0.01 });
    expect(keys(run)).toEqual([]);
  });

  it('still warns when at-risk is unknown (no spend history yet)', () => {
    const run = runAt('2026-03-20T00:00:00Z', { grants: [promo] });
    expect(run.grants[0]?.atRiskUsd).toBeNull();
    expect(keys(run)).toEqual(['expiry:promo:30', 'expiry:promo:7']);
  });
});

describe('the previous month’s budget keys fire only on the first 3 days of the month', () => {
  const file = {
    account: { monthlyBudgetUsd: 100, forecastAlert: false },
    costs: daily(
      '2026-03-01',
      Array.from({ length: 31 }, () => 5),
    ), // March: $155
  };

  it('on April 1..3 the completed March crosses 50, 80 and 100%', () => {
    for (const at of ['2026-04-01T06:00:00Z', '2026-04-03T23:59:59Z']) {
      expect(keys(runAt(at, file))).toEqual(['budget:2026-03:100', 'budget:2026-03:50', 'budget:2026-03:80']);
    }
  });

  it('from April 4 on a stale month no longer fires', () => {
    expect(keys(runAt('2026-04-04T00:00:00Z', file))).toEqual([]);
  });

  it('the current month is unaffected', () => {
    const [run] = simulateObject({ ...file, runs: ['2026-03-31T12:00:00Z'] });
    expect(keys(run as never)).toEqual(['budget:2026-03:100', 'budget:2026-03:50', 'budget:2026-03:80']);
  });
});
