import { describe, expect, it } from 'vitest';
import { daily, keys, simulateObject } from '../support/scenario.ts';

const bigGrant = { id: 'g', amountUsd: 10_000, effectiveAt: '2026-01-01T00:00:00Z' };

describe('budget alerts', () => {
  it('fire once per threshold per month, each when month-to-date crosses it', () => {
    const runs = simulateObject({
      account: { monthlyBudgetUsd: 100, forecastAlert: false },
      grants: [bigGrant],
      costs: daily('2026-03-01', [40, 20, 25, 30, 5]),
      runs: [
        '2026-03-02T00:00:00Z',
        '2026-03-03T00:00:00Z',
        '2026-03-03T06:00:00Z',
        '2026-03-04T00:00:00Z',
        '2026-03-05T00:00:00Z',
        '2026-03-06T00:00:00Z',
      ],
    });
    expect(runs.map(keys)).toEqual([
      [],
      ['budget:2026-03:50'],
      [],
      ['budget:2026-03:80'],
      ['budget:2026-03:100'],
      [],
    ]);
    expect(runs[1]?.alerts[0]?.kind).toBe('budget');
  });

  it('fire for the previous month once its last day becomes visible', () => {
    const runs = simulateObject({
      account: { monthlyBudgetUsd: 100, budgetAlertPercents: [100], forecastAlert: false },
      grants: [bigGrant],
      costs: daily('2026-03-01', Array(31).fill(3.3)), // 102.30 in March
      runs: ['2026-03-31T12:00:00Z', '2026-04-01T00:00:00Z', '2026-04-02T00:00:00Z'],
    });
    expect(runs.map(keys)).toEqual([[], ['budget:2026-03:100'], []]);
  });

  it('a new month is a new key', () => {
    const runs = simulateObject({
      account: { monthlyBudgetUsd: 10, budgetAlertPercents: [50], forecastAlert: false },
      grants: [bigGrant],
      costs: [...daily('2026-03-30', [6]), ...daily('2026-04-10', [6])],
      runs: ['2026-03-31T00:00:00Z', '2026-04-11T00:00:00Z'],
    });
    expect(runs.map(keys)).toEqual([['budget:2026-03:50'], ['budget:2026-04:50']]);
  });

  it('write fractional percents as plain numbers', () => {
    const [run] = simulateObject({
      account: { monthlyBudgetUsd: 100, budgetAlertPercents: [12.5], forecastAlert: false },
      costs: daily('2026-03-01', [12.5]),
      runs: ['2026-03-02T00:00:00Z'],
    });
    expect(keys(run as never)).toEqual(['budget:2026-03:12.5']);
  });
});

describe('forecast alert', () => {
  const file = {
    account: { monthlyBudgetUsd: 300, budgetAlertPercents: [] },
    grants: [bigGrant],
    costs: daily('2026-03-01', [10, 10, 10, 10]),
  };

  it('fires once a month when the month-end forecast reaches the budget', () => {
    // At 03-04 the forecast is 30 + 10 × 28 = 310 >= 300.
    const runs = simulateObject({ ...file, runs: ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z'] });
    expect(runs.map(keys)).toEqual([['forecast:2026-03'], []]);
  });

  it('is off with forecastAlert: false, and needs a budget', () => {
    const off = simulateObject({
      ...file,
      account: { ...file.account, forecastAlert: false },
      runs: ['2026-03-04T00:00:00Z'],
    });
    expect(off.map(keys)).toEqual([[]]);
    const noBudget = simulateObject({ ...file, account: {}, runs: ['2026-03-04T00:00:00Z'] });
    expect(noBudget.map(keys)).toEqual([[]]);
  });
});

describe('low-balance alerts', () => {
  it('fire per threshold and re-arm after a top-up brings the balance back', () => {
    const runs = simulateObject({
      account: { lowBalanceUsd: [100, 25] },
      grants: [
        { id: 'first', amountUsd: 150, effectiveAt: '2026-03-01T00:00:00Z' },
        { id: 'topup', amountUsd: 200, effectiveAt: '2026-03-10T00:00:00Z' },
      ],
      costs: [...daily('2026-03-01', [60, 70]), ...daily('2026-03-12', [100, 100])],
      runs: [
        '2026-03-02T00:00:00Z', // 90: below 100
        '2026-03-03T00:00:00Z', // 20: below 25
        '2026-03-04T00:00:00Z', // still 20: nothing new
        '2026-03-10T00:00:00Z', // 220: both re-arm
        '2026-03-13T00:00:00Z', // 120
        '2026-03-14T00:00:00Z', // 20: both fire again
      ],
    });
    expect(runs.map(keys)).toEqual([
      ['low-balance:100'],
      ['low-balance:25'],
      [],
      [],
      [],
      ['low-balance:100', 'low-balance:25'],
    ]);
  });

  it('compare unrounded balances: 24.996 is below 25 though it shows as 25.00', () => {
    const [run] = simulateObject({
      account: { lowBalanceUsd: [25] },
      grants: [{ id: 'g', amountUsd: 25, effectiveAt: '2026-03-01T00:00:00Z' }],
      costs: daily('2026-03-01', [0.004]),
      runs: ['2026-03-02T00:00:00Z'],
    });
    expect(run?.balanceUsd).toBe(25);
    expect(keys(run as never)).toEqual(['low-balance:25']);
  });
});

describe('runway alert', () => {
  it('fires below N days, also at a zero balance, and re-arms when runway is back or null', () => {
    const runs = simulateObject({
      account: { lowRunwayDays: 7 },
      grants: [
        { id: 'g', amountUsd: 100, effectiveAt: '2026-03-01T00:00:00Z' },
        { id: 'topup', amountUsd: 1000, effectiveAt: '2026-03-20T00:00:00Z' },
      ],
      costs: [...daily('2026-03-01', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10])],
      runs: [
        '2026-03-03T00:00:00Z', // 80 / 10 = 8 days
        '2026-03-05T00:00:00Z', // 60 / 10 = 6 days: fires
        '2026-03-11T00:00:00Z', // balance 0: runway 0, already fired
        '2026-03-20T00:00:00Z', // 1000 / (0 spend over the last 7 days... ) = null: re-arms
        '2026-03-21T00:00:00Z',
      ],
    });
    expect(runs.map(keys)).toEqual([[], ['runway:7'], ['exhausted'], [], []]);
    expect(runs[2]?.runwayDays).toBe(0);
  });

  it('is keyed by the threshold as a plain number', () => {
    const [run] = simulateObject({
      account: { lowRunwayDays: 12.5 },
      grants: [{ id: 'g', amountUsd: 100, effectiveAt: '2026-03-01T00:00:00Z' }],
      costs: daily('2026-03-01', [10]),
      runs: ['2026-03-02T00:00:00Z'],
    });
    expect(keys(run as never)).toEqual(['runway:12.5']);
  });
});

describe('expiry alerts', () => {
  const grant = {
    id: 'promo',
    amountUsd: 50,
    effectiveAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-04-01T00:00:00Z',
  };

  it('fire once for each warning window, never again', () => {
    const runs = simulateObject({
      grants: [grant],
      runs: [
        '2026-03-01T23:59:59Z',
        '2026-03-02T00:00:00Z',
        '2026-03-20T00:00:00Z',
        '2026-03-25T00:00:00Z',
        '2026-03-31T00:00:00Z',
        '2026-03-31T12:00:00Z',
      ],
    });
    expect(runs.map(keys)).toEqual([[], ['expiry:promo:30'], [], ['expiry:promo:7'], ['expiry:promo:1'], []]);
  });

  it('skip a grant with less than a cent left, and a grant not yet active', () => {
    const spent = simulateObject({
      grants: [grant],
      costs: daily('2026-01-01', [49.995]),
      runs: ['2026-03-31T00:00:00Z'],
    });
    expect(spent.map(keys)).toEqual([[]]);
    const future = simulateObject({
      grants: [
        { ...grant, effectiveAt: '2026-03-31T06:00:00Z' },
        { id: 'other', amountUsd: 1, effectiveAt: '2026-01-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' },
      ],
      runs: ['2026-03-31T00:00:00Z'],
    });
    expect(future.map(keys)).toEqual([[]]);
  });
});

describe('exhausted alert', () => {
  it('fires at a zero balance and re-arms once the balance is positive', () => {
    const runs = simulateObject({
      grants: [
        { id: 'g', amountUsd: 10, effectiveAt: '2026-03-01T00:00:00Z' },
        { id: 'topup', amountUsd: 10, effectiveAt: '2026-03-05T00:00:00Z' },
      ],
      costs: [...daily('2026-03-01', [10, 2, 0, 0, 5, 5])],
      runs: [
        '2026-03-02T00:00:00Z',
        '2026-03-03T00:00:00Z',
        '2026-03-05T00:00:00Z',
        '2026-03-06T00:00:00Z',
        '2026-03-07T00:00:00Z',
      ],
    });
    expect(runs.map((r) => r.balanceUsd)).toEqual([0, -2, 8, 3, -2]);
    expect(runs.map(keys)).toEqual([['exhausted'], [], [], [], ['exhausted']]);
  });
});

describe('post-paid accounts (no grants)', () => {
  it('get only budget and forecast alerts', () => {
    const [run] = simulateObject({
      account: { monthlyBudgetUsd: 10, lowBalanceUsd: [5], lowRunwayDays: 3 },
      costs: daily('2026-03-01', [20]),
      runs: ['2026-03-02T00:00:00Z'],
    });
    expect(run?.balanceUsd).toBe(-20);
    expect(keys(run as never)).toEqual([
      'budget:2026-03:100',
      'budget:2026-03:50',
      'budget:2026-03:80',
      'forecast:2026-03',
    ]);
  });
});

describe('parseAlertKey', () => {
  it('rebuilds each kind’s details from its key', async () => {
    const { parseAlertKey } = await import('../../shared/core/alerts.ts');
    expect(parseAlertKey('budget:2026-11:80')).toEqual({
      kind: 'budget',
      key: 'budget:2026-11:80',
      month: '2026-11',
      threshold: 80,
    });
    expect(parseAlertKey('forecast:2026-11')).toMatchObject({ kind: 'forecast', month: '2026-11' });
    expect(parseAlertKey('low-balance:12.5')).toMatchObject({ kind: 'low-balance', threshold: 12.5 });
    expect(parseAlertKey('runway:7')).toMatchObject({ kind: 'runway', threshold: 7 });
    expect(parseAlertKey('expiry:org:promo:30')).toMatchObject({
      kind: 'expiry',
      grantId: 'org:promo',
      threshold: 30,
    });
    expect(parseAlertKey('exhausted')).toEqual({ kind: 'exhausted', key: 'exhausted' });
    expect(parseAlertKey('operator:stale-data')).toBeUndefined();
  });
});
