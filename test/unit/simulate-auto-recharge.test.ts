import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateFile } from '../../shared/use-cases/simulate-file.ts';

const FILE = join(import.meta.dirname, '../../shared/examples/auto-recharge.json');

/**
 * The shipped example, computed by hand. Restore to $100 below $20 (R = 80), at most $200 a month;
 * checkpoint T = 11-25 ($60 left on `prepaid`); `promo` $30 from 11-26, expiring 12-05. Burn order
 * expiring-first: promo, prepaid, then the recharges (they expire a year on).
 *
 * Replay:
 *   11-25 $30: b 60, 30 ≯ 40: prepaid 30.            11-26 $40: b 60 (promo 30 + prepaid 30), 40 ≯ 40: 20.
 *   11-27 $50: b 20, 50 > 0: one $80 charge (Nov 80): overdraft 30 paid by auto-2026-11-27: 50.
 *   11-28 $60: b 50, 60 > 30: one $80 charge (Nov 160): auto-2026-11-28 pays overdraft 10: 70.
 *   11-29 $20: 50.   11-30 $70: b 50, 70 > 30: k = 1 but room 40 < 80: refused; overdraft 20.
 *   12-01 $45: b −20 < 20: restore charge 120 (Dec 120); 45 ≯ 80; overdraft 65 paid by auto-2026-12-01: 55.
 *   12-02 $0: nothing.   12-03 $35: b 55, 35 ≯ 35: 20.
 */
describe('simulate shared/examples/auto-recharge.json', () => {
  const { runs } = simulateFile(readFileSync(FILE, 'utf8'), FILE);
  const [r1, r2, r3] = runs;

  it('run 1 (11-28): recharges so far, the limit ahead and the runway it leaves', () => {
    // Burn (30 + 40 + 50) / 3 = 40. Projection: 11-28 b 50, 40 > 30: $80 (Nov room 120 → 40): 90;
    // 11-29: 50; 11-30 b 50, 40 > 30: refused (room 40): 10 → reached on 11-30. Dec: 12-01 restore 90;
    // 12-02 60 → 20; 12-03 $80 (Dec room 30 left); 12-04 → 20; 12-05 refused and 20 − 40 <= 0 at
    // j = 7: runway 7 + 20 / 40 = 7.5. Forecast recharges 80 + 80 = 160; forecast spend 120 + 3 × 40.
    expect(r1).toEqual({
      at: '2026-11-28T09:00:00Z',
      balanceUsd: 50,
      overdraftUsd: 0,
      monthToDateUsd: 120,
      burnRateUsdPerDay: 40,
      runwayDays: 7.5,
      forecastMonthEndUsd: 240,
      rechargedThisMonthUsd: 80,
      rechargesThisMonth: 1,
      forecastRechargesMonthEndUsd: 160,
      rechargeLimitReachedOn: '2026-11-30',
      grants: [
        {
          id: 'auto-2026-11-27',
          remainingUsd: 50,
          expiredUsd: 0,
          atRiskUsd: 0,
          auto: true,
          amountUsd: 80,
          charges: 1,
        },
        { id: 'prepaid', remainingUsd: 0, expiredUsd: 0, atRiskUsd: 0 },
        { id: 'promo', remainingUsd: 0, expiredUsd: 0, atRiskUsd: 0 },
      ],
      alerts: [
        { kind: 'recharge-limit', key: 'recharge-limit:2026-11' },
        { kind: 'runway', key: 'runway:10' },
      ],
    });
    // Field order as the spec lists it.
    expect(Object.keys(r1 ?? {})).toEqual([
      'at',
      'balanceUsd',
      'overdraftUsd',
      'monthToDateUsd',
      'burnRateUsdPerDay',
      'runwayDays',
      'forecastMonthEndUsd',
      'rechargedThisMonthUsd',
      'rechargesThisMonth',
      'forecastRechargesMonthEndUsd',
      'rechargeLimitReachedOn',
      'grants',
      'alerts',
    ]);
  });

  it('run 2 (12-01): November refused, December projected to hit its limit on 12-04', () => {
    // Burn 270 / 6 = 45. Projection: 12-01 b −20: restore 120 (room 80): 55; 12-02 55, 45 > 35: $80
    // (room 0): 90; 12-03: 45; 12-04 45 > 25: refused. Forecast recharges 0 + 200. November's
    // refusal (11-30) is before D's month. November's budget keys fire on day 1 ($270 of $300).
    expect(r2).toMatchObject({
      balanceUsd: -20,
      overdraftUsd: 20,
      monthToDateUsd: 0,
      burnRateUsdPerDay: 45,
      runwayDays: 0,
      forecastMonthEndUsd: 1395,
      rechargedThisMonthUsd: 0,
      rechargesThisMonth: 0,
      forecastRechargesMonthEndUsd: 200,
      rechargeLimitReachedOn: '2026-12-04',
    });
    expect(r2?.grants.map((g) => [g.id, g.remainingUsd, g.amountUsd, g.charges])).toEqual([
      ['auto-2026-11-27', 0, 80, 1],
      ['auto-2026-11-28', 0, 80, 1],
      ['prepaid', 0, undefined, undefined],
      ['promo', 0, undefined, undefined],
    ]);
    expect(r2?.alerts.map((a) => a.key).sort()).toEqual([
      'budget:2026-11:50',
      'budget:2026-11:80',
      'exhausted',
      'forecast:2026-12',
      'recharge-limit:2026-12',
    ]);
  });

  it('run 3 (12-04): the restore charge from an overdraft, and the limit two days ahead', () => {
    // Burn 280 / 7 = 40. Projection: 12-04 b 20: $80 (room 0): 60; 12-05: 20; 12-06 refused, 20 − 40
    // <= 0 at j = 2: runway 2.5. Recharged 120 in 1 charge; forecast 120 + 80. No new key.
    expect(r3).toMatchObject({
      balanceUsd: 20,
      monthToDateUsd: 80,
      burnRateUsdPerDay: 40,
      runwayDays: 2.5,
      forecastMonthEndUsd: 1200,
      rechargedThisMonthUsd: 120,
      rechargesThisMonth: 1,
      forecastRechargesMonthEndUsd: 200,
      rechargeLimitReachedOn: '2026-12-06',
      alerts: [],
    });
    expect(r3?.grants.find((g) => g.id === 'auto-2026-12-01')).toEqual({
      id: 'auto-2026-12-01',
      remainingUsd: 20,
      expiredUsd: 0,
      atRiskUsd: 0,
      auto: true,
      amountUsd: 120,
      charges: 1,
    });
  });
});
