import { describe, expect, it } from 'vitest';
import { daily, runAt, simulateObject } from '../support/scenario.ts';

const remaining = (run: { grants: Array<{ id: string; remainingUsd: number }> }) =>
  Object.fromEntries(run.grants.map((g) => [g.id, g.remainingUsd]));

describe('replay: activation and eligibility at bucket edges', () => {
  const costs = daily('2026-03-10', [30]);
  const longLived = {
    id: 'long',
    amountUsd: 50,
    effectiveAt: '2026-03-01T00:00:00Z',
    expiresAt: '2027-01-01T00:00:00Z',
  };

  it('a grant effective during a bucket absorbs that whole bucket', () => {
    const soon = {
      id: 'soon',
      amountUsd: 50,
      effectiveAt: '2026-03-10T15:00:00Z',
      expiresAt: '2026-03-31T00:00:00Z',
    };
    const run = runAt('2026-03-11T00:00:00Z', { grants: [longLived, soon], costs });
    expect(remaining(run)).toEqual({ long: 50, soon: 20 });
  });

  it('a grant that activates exactly at the bucket end cannot absorb it (draws come first)', () => {
    const atEnd = {
      id: 'soon',
      amountUsd: 50,
      effectiveAt: '2026-03-11T00:00:00Z',
      expiresAt: '2026-03-31T00:00:00Z',
    };
    const run = runAt('2026-03-11T00:00:00Z', { grants: [longLived, atEnd], costs });
    expect(remaining(run)).toEqual({ long: 20, soon: 50 });
  });

  it('a grant expiring during a bucket still pays for it, and expiredUsd shrinks once the bucket is in', () => {
    const expiring = {
      id: 'exp',
      amountUsd: 50,
      effectiveAt: '2026-03-01T00:00:00Z',
      expiresAt: '2026-03-10T12:00:00Z',
    };
    const [before, after] = simulateObject({
      grants: [expiring, longLived],
      costs: daily('2026-03-10', [30, 10]),
      runs: ['2026-03-10T18:00:00Z', '2026-03-12T00:00:00Z'],
    });
    expect(before?.grants.find((g) => g.id === 'exp')).toMatchObject({ remainingUsd: 0, expiredUsd: 50 });
    expect(before?.balanceUsd).toBe(50);
    // [03-10, 03-11) starts before the expiry: drawn from it. [03-11, 03-12) does not: drawn from `long`.
    expect(after?.grants.find((g) => g.id === 'exp')).toMatchObject({ remainingUsd: 0, expiredUsd: 20 });
    expect(after?.balanceUsd).toBe(40);
  });

  it('zero-amount and missing buckets change nothing', () => {
    const withZeros = runAt('2026-03-20T00:00:00Z', {
      grants: [longLived],
      costs: [...daily('2026-03-10', [5, 0, 0]), ...daily('2026-03-18', [5])],
    });
    const without = runAt('2026-03-20T00:00:00Z', {
      grants: [longLived],
      costs: [...daily('2026-03-10', [5]), ...daily('2026-03-18', [5])],
    });
    expect(withZeros.balanceUsd).toBe(40);
    expect(without.balanceUsd).toBe(40);
  });

  it('only buckets that have ended by the run are drawn', () => {
    const run = runAt('2026-03-10T23:59:59Z', { grants: [longLived], costs });
    expect(run.balanceUsd).toBe(50);
  });
});

describe('replay: overdraft', () => {
  it('spend beyond the credit becomes overdraft, and a later grant pays it off when it activates', () => {
    const small = { id: 'small', amountUsd: 10, effectiveAt: '2026-03-01T00:00:00Z' };
    const topUp = { id: 'topup', amountUsd: 100, effectiveAt: '2026-03-05T10:00:00Z' };
    const [during, after] = simulateObject({
      grants: [small, topUp],
      costs: daily('2026-03-01', [8, 7, 0, 0, 3]),
      runs: ['2026-03-04T00:00:00Z', '2026-03-06T00:00:00Z'],
    });
    expect(during).toMatchObject({ balanceUsd: -5, overdraftUsd: 5 });
    expect(during?.grants.find((g) => g.id === 'topup')?.remainingUsd).toBe(100); // not active yet: what it brings
    // 100 − 5 (overdraft) − 3 (the 03-05 bucket, which it can absorb: it was effective during it).
    expect(after).toMatchObject({ balanceUsd: 92, overdraftUsd: 0 });
  });

  it('grants activating at one instant pay off overdraft in burn order', () => {
    const grants = [
      { id: 'a', amountUsd: 50, effectiveAt: '2026-03-05T00:00:00Z', expiresAt: '2026-06-01T00:00:00Z' },
      { id: 'b', amountUsd: 50, effectiveAt: '2026-03-05T00:00:00Z', expiresAt: '2026-05-01T00:00:00Z' },
    ];
    const costs = daily('2026-03-01', [30]);
    const expiring = runAt('2026-03-05T00:00:00Z', { grants, costs });
    expect(remaining(expiring)).toEqual({ a: 50, b: 20 });
    const oldest = runAt('2026-03-05T00:00:00Z', { grants, costs, account: { burnOrder: 'oldest-first' } });
    // Same effectiveAt: oldest-first falls back to expiresAt, then id.
    expect(remaining(oldest)).toEqual({ a: 50, b: 20 });
  });
});

describe('replay: burn order', () => {
  const grants = [
    { id: 'old', amountUsd: 100, effectiveAt: '2026-01-01T00:00:00Z', expiresAt: '2027-06-01T00:00:00Z' },
    { id: 'new', amountUsd: 100, effectiveAt: '2026-02-01T00:00:00Z' }, // expires 2027-02-01
  ];
  const costs = daily('2026-03-01', [30]);

  it('expiring-first (the default) draws the grant that expires first', () => {
    expect(remaining(runAt('2026-03-02T00:00:00Z', { grants, costs }))).toEqual({ new: 70, old: 100 });
  });

  it('oldest-first draws the grant that became effective first', () => {
    const run = runAt('2026-03-02T00:00:00Z', { grants, costs, account: { burnOrder: 'oldest-first' } });
    expect(remaining(run)).toEqual({ new: 100, old: 70 });
  });

  it('ties break on effectiveAt, then id', () => {
    const tied = [
      { id: 'z', amountUsd: 10, effectiveAt: '2026-01-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' },
      { id: 'y', amountUsd: 10, effectiveAt: '2026-01-02T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' },
      { id: 'x', amountUsd: 10, effectiveAt: '2026-01-02T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' },
    ];
    const run = runAt('2026-03-02T00:00:00Z', { grants: tied, costs: daily('2026-03-01', [15]) });
    expect(remaining(run)).toEqual({ x: 5, y: 10, z: 0 });
  });

  it('burn order uses the original effectiveAt of a checkpointed grant, not its checkpoint instant', () => {
    const cp = [
      {
        id: 'a',
        amountUsd: 100,
        effectiveAt: '2026-01-01T00:00:00Z',
        expiresAt: '2027-01-01T00:00:00Z',
        remainingUsd: 40,
        remainingAsOf: '2026-03-01T00:00:00Z',
      },
      {
        id: 'b',
        amountUsd: 100,
        effectiveAt: '2026-02-01T00:00:00Z',
        expiresAt: '2027-01-01T00:00:00Z',
        remainingUsd: 90,
        remainingAsOf: '2026-03-01T00:00:00Z',
      },
    ];
    const run = runAt('2026-03-02T00:00:00Z', {
      grants: cp,
      costs: daily('2026-03-01', [10]),
      account: { burnOrder: 'oldest-first' },
    });
    expect(remaining(run)).toEqual({ a: 30, b: 90 });
  });
});

describe('replay: checkpoints', () => {
  const grants = [
    {
      id: 'g1',
      amountUsd: 500,
      effectiveAt: '2026-01-01T00:00:00Z',
      remainingUsd: 61.37,
      remainingAsOf: '2026-07-01T00:00:00Z',
    },
  ];
  const costs = daily('2026-06-28', [10, 10, 10, 10, 10]);

  it('a run before the checkpoint knows nothing of the checkpointed grant', () => {
    const run = runAt('2026-06-30T12:00:00Z', { grants, costs });
    expect(run).toMatchObject({ balanceUsd: -20, overdraftUsd: 20 });
    expect(run.grants[0]).toMatchObject({ id: 'g1', remainingUsd: 61.37, expiredUsd: 0 });
  });

  it('the checkpoint activates with the provider figure and clears (does not pay) earlier overdraft', () => {
    const run = runAt('2026-07-03T00:00:00Z', { grants, costs });
    // 61.37 at 07-01 (after the 06-30 bucket drew into overdraft), minus 07-01 and 07-02.
    expect(run).toMatchObject({ balanceUsd: 41.37, overdraftUsd: 0 });
  });

  it('a checkpoint taken during a day has only the share of the day after it drawn (pro rata)', () => {
    const midDay = [{ ...grants[0], remainingAsOf: '2026-07-01T12:00:00Z' }];
    const run = runAt('2026-07-02T00:00:00Z', { grants: midDay, costs });
    // The 07-01 bucket ($10) draws floor(10 × 12h / 24h) = $5 after 12:00: 61.37 − 5.
    expect(run.balanceUsd).toBe(56.37);
    // Month-to-date and the burn rate still count the whole bucket.
    expect(run.monthToDateUsd).toBe(10);
  });

  it('pro rata floors to the micro-dollar, and a checkpoint at a bucket edge takes the whole bucket', () => {
    // $1 over 24h, T at 07-01 08:00: 16h after T: floor(1,000,000 × 16 / 24) = 666,666 µ$.
    const oneDollar = daily('2026-07-01', [1]);
    const g = [{ ...grants[0], remainingUsd: 10, remainingAsOf: '2026-07-01T08:00:00Z' }];
    const f = simulateObject({ grants: g, costs: oneDollar, runs: ['2026-07-02T00:00:00Z'] })[0];
    // 10 − 0.666666 = 9.333334, shown as 9.33.
    expect(f?.balanceUsd).toBe(9.33);
    const edge = [{ ...grants[0], remainingUsd: 10, remainingAsOf: '2026-07-01T00:00:00Z' }];
    const e = simulateObject({ grants: edge, costs: oneDollar, runs: ['2026-07-02T00:00:00Z'] })[0];
    expect(e?.balanceUsd).toBe(9);
  });
});

describe('replay: default expiry', () => {
  it('is one calendar year after effectiveAt, with Feb 29 mapped to Feb 28', () => {
    const grants = [{ id: 'leap', amountUsd: 10, effectiveAt: '2028-02-29T10:00:00Z' }];
    const [before, at] = simulateObject({ grants, runs: ['2029-02-28T09:59:59Z', '2029-02-28T10:00:00Z'] });
    expect(before?.grants[0]).toMatchObject({ remainingUsd: 10, expiredUsd: 0 });
    expect(at?.grants[0]).toMatchObject({ remainingUsd: 0, expiredUsd: 10 });
    expect(at?.balanceUsd).toBe(0);
  });
});
