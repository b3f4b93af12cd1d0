import { describe, expect, it } from 'vitest';
import { toOutputFigures } from '../../shared/core/derived.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { daily, runAt } from '../support/scenario.ts';

const longGrant = {
  id: 'g',
  amountUsd: 1000,
  effectiveAt: '2026-01-01T00:00:00Z',
  expiresAt: '2027-06-01T00:00:00Z',
};

describe('month-to-date', () => {
  it('counts visible buckets that start in the run day’s month', () => {
    const costs = daily('2026-02-26', [1, 2, 3, 4, 5, 6]); // Feb 26..28, Mar 1..3
    expect(runAt('2026-03-01T05:00:00Z', { grants: [longGrant], costs }).monthToDateUsd).toBe(0);
    expect(runAt('2026-03-03T05:00:00Z', { grants: [longGrant], costs }).monthToDateUsd).toBe(9);
  });
});

describe('burn rate', () => {
  it('averages the 7 days before the run day', () => {
    const costs = daily('2026-03-01', [100, 1, 2, 3, 4, 5, 6, 7, 50]); // 03-09 is the run day
    expect(runAt('2026-03-09T12:00:00Z', { grants: [longGrant], costs }).burnRateUsdPerDay).toBe(4);
  });

  it('with less than 7 days of history divides by the days since the first bucket', () => {
    const run = runAt('2026-03-04T08:00:00Z', {
      grants: [longGrant],
      costs: daily('2026-03-01', [30, 0, 0]),
    });
    expect(run.burnRateUsdPerDay).toBe(10);
  });

  it('counts missing days after the first bucket as zero spend', () => {
    const run = runAt('2026-03-04T08:00:00Z', { grants: [longGrant], costs: daily('2026-03-01', [30]) });
    expect(run.burnRateUsdPerDay).toBe(10);
  });

  it('starts counting at the earliest visible bucket even when it is zero', () => {
    const run = runAt('2026-03-03T08:00:00Z', { grants: [longGrant], costs: daily('2026-03-01', [0, 14]) });
    expect(run.burnRateUsdPerDay).toBe(7);
  });

  it('is 0 with no visible bucket, so runway is null and at-risk is null', () => {
    const run = runAt('2026-03-01T10:00:00Z', { grants: [longGrant], costs: daily('2026-03-01', [30]) });
    expect(run).toMatchObject({ burnRateUsdPerDay: 0, runwayDays: null, balanceUsd: 1000 });
    expect(run.grants[0]?.atRiskUsd).toBeNull();
  });

  it('rounds to the cent with ties away from zero', () => {
    const run = runAt('2026-03-02T00:00:00Z', { grants: [longGrant], costs: daily('2026-03-01', [0.125]) });
    expect(run.burnRateUsdPerDay).toBe(0.13);
  });
});

describe('runway', () => {
  it('is balance over burn rate, rounded to 2 decimals with ties away from zero', () => {
    const grant = { ...longGrant, amountUsd: 1.32 };
    const run = runAt('2026-03-02T00:00:00Z', { grants: [grant], costs: daily('2026-03-01', [0.32]) });
    expect(run.runwayDays).toBe(3.13); // 1.00 / 0.32 = 3.125
  });

  it('is 0 when the balance is at or below zero', () => {
    const grant = { ...longGrant, amountUsd: 10 };
    const run = runAt('2026-03-03T00:00:00Z', { grants: [grant], costs: daily('2026-03-01', [6, 6]) });
    expect(run).toMatchObject({ balanceUsd: -2, overdraftUsd: 2, runwayDays: 0 });
  });

  it('is null when nothing is being spent and the balance is positive', () => {
    const run = runAt('2026-03-03T00:00:00Z', { grants: [longGrant], costs: daily('2026-03-01', [0, 0]) });
    expect(run.runwayDays).toBeNull();
  });
});

describe('month-end forecast', () => {
  it('adds the burn rate for every day from the run day to the month end, both included', () => {
    // D = 03-04: burn 10/day, 28 days from 03-04 to 03-31.
    const run = runAt('2026-03-04T08:00:00Z', {
      grants: [longGrant],
      costs: daily('2026-03-01', [10, 10, 10]),
    });
    expect(run.forecastMonthEndUsd).toBe(30 + 10 * 28);
  });

  it('on the last day of the month adds one day', () => {
    const run = runAt('2026-02-28T08:00:00Z', {
      grants: [longGrant],
      costs: daily('2026-02-20', Array(8).fill(5)),
    });
    expect(run.forecastMonthEndUsd).toBe(5 * 8 + 5);
  });
});

describe('at-risk projection', () => {
  const costs = daily('2026-03-01', [10, 10, 10, 10]);

  it('is what a grant still holds after the last projected day that starts before its expiry', () => {
    const expiring = {
      id: 'exp',
      amountUsd: 100,
      effectiveAt: '2026-03-01T00:00:00Z',
      expiresAt: '2026-03-10T00:00:00Z',
    };
    const run = runAt('2026-03-05T06:00:00Z', { grants: [expiring, longGrant], costs });
    // remaining 60; days 03-05..03-09 draw 5 × 10.
    expect(run.grants.find((g) => g.id === 'exp')?.atRiskUsd).toBe(10);
    // The long grant absorbs the rest of its life: nothing at risk... unless it outlives the burn.
    expect(run.grants.find((g) => g.id === 'g')?.atRiskUsd).toBe(0);
  });

  it('a grant expiring mid-day is drawn on for that whole day', () => {
    const expiring = {
      id: 'exp',
      amountUsd: 100,
      effectiveAt: '2026-03-01T00:00:00Z',
      expiresAt: '2026-03-09T12:00:00Z',
    };
    const run = runAt('2026-03-05T06:00:00Z', { grants: [expiring], costs });
    expect(run.grants[0]?.atRiskUsd).toBe(10);
  });

  it('future grants activate in the projection and can themselves be at risk', () => {
    const small = { id: 'now', amountUsd: 50, effectiveAt: '2026-03-01T00:00:00Z' };
    const future = { id: 'later', amountUsd: 5000, effectiveAt: '2026-04-01T00:00:00Z' };
    const run = runAt('2026-03-05T06:00:00Z', { grants: [small, future], costs });
    const later = run.grants.find((g) => g.id === 'later');
    expect(later?.remainingUsd).toBe(5000); // not active yet: shows what it will bring
    expect(run.balanceUsd).toBe(10);
    // The projection overdraws `now` on 03-05 (10 − 10 = 0), then 03-06..03-31 run 26 × 10 = 260 into
    // overdraft, which `later` pays off at 04-01, then it burns 10/day until 2027-04-01 (365 days).
    expect(later?.atRiskUsd).toBe(5000 - 260 - 3650);
  });

  it('stays exact with a fractional burn rate', () => {
    const g = {
      id: 'short',
      amountUsd: 10,
      effectiveAt: '2026-03-01T00:00:00Z',
      expiresAt: '2026-03-07T00:00:00Z',
    };
    const run = runAt('2026-03-04T00:00:00Z', {
      grants: [g, longGrant],
      costs: daily('2026-03-01', [0, 0, 0]),
    });
    expect(run.grants.find((x) => x.id === 'short')?.atRiskUsd).toBe(10);
    const run2 = runAt('2026-03-04T00:00:00Z', {
      grants: [{ ...g, amountUsd: 20 }],
      costs: daily('2026-03-01', [10, 0, 0]),
    });
    // 10 left, burn 10/3 a day for 03-04, 03-05, 03-06: exactly 0 at risk.
    expect(run2.grants[0]?.atRiskUsd).toBe(0);
  });

  it('is 0 for an expired grant', () => {
    const old = {
      id: 'old',
      amountUsd: 10,
      effectiveAt: '2025-01-01T00:00:00Z',
      expiresAt: '2026-03-02T00:00:00Z',
    };
    const run = runAt('2026-03-05T06:00:00Z', { grants: [old, longGrant], costs: [] });
    expect(run.grants.find((g) => g.id === 'old')).toMatchObject({ expiredUsd: 10, atRiskUsd: null });
    const withHistory = runAt('2026-03-05T06:00:00Z', { grants: [old, longGrant], costs });
    expect(withHistory.grants.find((g) => g.id === 'old')).toMatchObject({ expiredUsd: 0, atRiskUsd: 0 });
  });
});

describe('production: today’s in-progress bucket', () => {
  const DAY = 86_400_000;
  const d = (s: string) => Date.parse(s);
  const grant = {
    id: 'g',
    amountMicros: 100_000_000,
    effectiveAt: d('2026-03-01T00:00:00Z'),
    expiresAt: d('2026-03-10T00:00:00Z'),
  };
  const buckets = [0, 1, 2, 3].map((i) => ({
    start: d('2026-03-01T00:00:00Z') + i * DAY,
    end: d('2026-03-01T00:00:00Z') + (i + 1) * DAY,
    amountMicros: 10_000_000,
  }));

  it('counts toward balance and month-to-date, never toward the burn rate', () => {
    const f = computeFigures({
      grants: [grant],
      buckets,
      burnOrder: 'expiring-first',
      at: d('2026-03-05T12:00:00Z'),
      todayMicros: 4_000_000,
    });
    const out = toOutputFigures(f, 'x');
    expect(out).toMatchObject({ balanceUsd: 56, monthToDateUsd: 44, burnRateUsdPerDay: 10 });
    // forecast = mtd − today + max(today, burn) + burn × 26 days after D
    expect(out.forecastMonthEndUsd).toBe(44 - 4 + 10 + 260);
    // at risk: day D draws max(0, 10 − 4) = 6, then 03-06..03-09 draw 40: 56 − 46.
    expect(out.grants[0]?.atRiskUsd).toBe(10);
  });

  it('with today above the burn rate uses today for the rest of the day', () => {
    const f = computeFigures({
      grants: [grant],
      buckets,
      burnOrder: 'expiring-first',
      at: d('2026-03-05T12:00:00Z'),
      todayMicros: 25_000_000,
    });
    const out = toOutputFigures(f, 'x');
    expect(out.forecastMonthEndUsd).toBe(65 - 25 + 25 + 260);
    expect(out.grants[0]?.atRiskUsd).toBe(0); // 35 left, day D adds 0, then 4 × 10
  });

  it('with today = 0 equals the simulation formulas', () => {
    const at = d('2026-03-05T12:00:00Z');
    const withZero = computeFigures({
      grants: [grant],
      buckets,
      burnOrder: 'expiring-first',
      at,
      todayMicros: 0,
    });
    const without = computeFigures({ grants: [grant], buckets, burnOrder: 'expiring-first', at });
    expect(toOutputFigures(withZero, 'x')).toEqual(toOutputFigures(without, 'x'));
  });
});
