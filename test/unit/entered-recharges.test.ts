import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { simulateFile } from '../../shared/use-cases/simulate-file.ts';
import { daily, keys, simulateObject } from '../support/scenario.ts';

const FILE = join(import.meta.dirname, '../../shared/examples/entered-recharges.json');
const example = () => JSON.parse(readFileSync(FILE, 'utf8')) as { grants: Array<Record<string, unknown>> };

/**
 * shared/examples/entered-recharges.json, by hand: OpenAI restores to $60 below $20 (R = $40), at
 * most $190 a month (4 charges); promo $45 (expires 12-01, drawn first); $10 a day of continuous
 * spend from 11-01. What the provider did (the day-by-day truth the test compares with):
 *   promo 45 → 20 at 11-03T12:00: charge r1 $40; then a charge every 4 days: r2 11-07T12:00,
 *   r3 11-11T12:00, r4 11-15T12:00 (Nov $160); 11-19T12:00 the 5th ($40) would make $200 > $190:
 *   refused; $20 lasts to 11-21T12:00, where the provider pauses the account. So the cost report
 *   shows $10 a day to 11-20, $5 on 11-21 and $0 after.
 * The operator checkpoints at T = 11-13T09:00 and enters r1, r2, r3 with `"recharge": true` and
 * the page's remaining figures (promo 0, r1 0, r2 1.25, r3 40: 165 charged − 123.75 spent).
 *
 * Replay after T (room for November = 190 − 120 entered = 70):
 *   11-13 (pro rata 15/24 × 10 = 6.25): b 41.25, 6.25 ≯ 21.25 → 35
 *   11-14: b 35, 10 ≯ 15 → 25
 *   11-15: b 25, 10 > 5: k = 1, room 70: $40 (Nov 160) → 55 = auto-2026-11-15   (the provider's r4)
 *   11-16 … 11-18 → 25;  11-19: b 25, 10 > 5, room 30 < 40: REFUSED → 15        (the provider's refusal)
 *   11-20: b 15 < 20: restore 45 > 30 refused → 5;  11-21 ($5): refused → 0;  then $0 days change nothing.
 */
describe('entered recharges: shared/examples/entered-recharges.json', () => {
  // Computed inside each test, so that a file the code refuses fails the tests one by one.
  const simulated = () => simulateFile(readFileSync(FILE, 'utf8'), FILE).runs;
  const byDay = (day: string) => {
    const run = simulated().find((r) => r.at.startsWith(day));
    if (!run) throw new Error(`no run on ${day}`);
    return run;
  };

  it('the month’s entered recharges leave only the room the provider had: a refusal on the day it refused', () => {
    // At T: the overdraft of 11-01 … 11-12 ($120, no grant active before T) is cleared; balance
    // 0 + 0 + 1.25 + 40. Recharged this month: the 3 entered charges. Projection at $10/day:
    // 11-15 one charge ($160), 11-19 refused → rechargeLimitReachedOn 11-19, recharge-limit fires
    // now; runway: 11-21 is the first day with b + r − S = 5 − 10 <= 0 (j = 8): 8 + 5 / 10.
    expect(byDay('2026-11-13')).toMatchObject({
      balanceUsd: 41.25,
      overdraftUsd: 0,
      burnRateUsdPerDay: 10,
      runwayDays: 8.5,
      rechargedThisMonthUsd: 120,
      rechargesThisMonth: 3,
      forecastRechargesMonthEndUsd: 160,
      rechargeLimitReachedOn: '2026-11-19',
      alerts: [{ kind: 'recharge-limit', key: 'recharge-limit:2026-11' }],
    });
    expect(byDay('2026-11-14')).toMatchObject({ balanceUsd: 35, runwayDays: 7.5, alerts: [] });
    // 11-16: the 11-15 bucket made the one charge the room allowed.
    expect(byDay('2026-11-16')).toMatchObject({
      balanceUsd: 55,
      rechargedThisMonthUsd: 160,
      rechargesThisMonth: 4,
      runwayDays: 5.5,
    });
    expect(byDay('2026-11-16').grants[0]).toEqual({
      id: 'auto-2026-11-15',
      remainingUsd: 40,
      expiredUsd: 0,
      atRiskUsd: 0,
      auto: true,
      amountUsd: 40,
      charges: 1,
    });
    // 11-20: the 11-19 bucket was refused (the replay's own refusal now): no recharge after it.
    const refused = byDay('2026-11-20');
    expect(refused).toMatchObject({
      balanceUsd: 15,
      rechargedThisMonthUsd: 160,
      rechargesThisMonth: 4,
      rechargeLimitReachedOn: '2026-11-19',
    });
    const runs = simulated();
    for (const run of runs)
      expect(run.grants.filter((g) => g.auto).map((g) => g.id)).not.toContain('auto-2026-11-19');
    expect(
      runs
        .at(-1)
        ?.grants.filter((g) => g.auto)
        .map((g) => g.id),
    ).toEqual(['auto-2026-11-15']);
  });

  it('low-balance and exhausted fire while service is actually stopped', () => {
    expect(byDay('2026-11-21')).toMatchObject({ balanceUsd: 5, runwayDays: 0.5 });
    expect(keys(byDay('2026-11-21'))).toEqual(['low-balance:10']);
    // 11-22: the provider paused at 11-21T12:00; burnrate's balance is 0 too.
    expect(byDay('2026-11-22')).toMatchObject({ balanceUsd: 0, overdraftUsd: 0, runwayDays: 0 });
    expect(keys(byDay('2026-11-22'))).toEqual(['exhausted']);
    expect(byDay('2026-11-23')).toMatchObject({ balanceUsd: 0, alerts: [] });
  });

  it('without "recharge" the same charges do not count toward the limit: one recharge too many, $40 too high', () => {
    // The previous contract: November's room after T is the whole $190, so 11-19 is charged too.
    const file = example();
    for (const g of file.grants) delete g.recharge;
    const unmarked = simulateFile(JSON.stringify(file), 'unmarked.json').runs;
    const last = unmarked.find((r) => r.at.startsWith('2026-11-22'));
    expect(last).toMatchObject({
      balanceUsd: 40,
      rechargedThisMonthUsd: 80,
      rechargeLimitReachedOn: '2026-12-20',
    });
    expect(last?.grants.filter((g) => g.auto).map((g) => g.id)).toEqual([
      'auto-2026-11-15',
      'auto-2026-11-19',
    ]);
    expect(unmarked.flatMap(keys)).toEqual([]);
  });
});

describe('entered recharges: the limit and the month figures', () => {
  const account = { autoRecharge: { belowUsd: 20, amountUsd: 50, monthlyLimitUsd: 100 } };
  const T = '2026-12-02T00:00:00Z';
  const card = {
    id: 'g1',
    amountUsd: 200,
    effectiveAt: '2026-10-01T00:00:00Z',
    remainingUsd: 30,
    remainingAsOf: T,
  };

  it('counts toward the limit of its own month, even a month before T', () => {
    // Entered (both spent by T): $50 on 11-30 counts toward November only; $50 on 12-01 leaves
    // December 100 − 50 = 50 of room. 12-02 $40: b 30, 40 > 10: k = 1, fits: $50 (Dec 100) → 40;
    // 12-03 $40: b 40, 40 > 20: wants 1, room 0: refused → 0.
    const runs = simulateObject({
      account,
      grants: [
        card,
        {
          id: 'r-nov',
          amountUsd: 50,
          effectiveAt: '2026-11-30T10:00:00Z',
          recharge: true,
          remainingUsd: 0,
          remainingAsOf: T,
        },
        {
          id: 'r-dec',
          amountUsd: 50,
          effectiveAt: '2026-12-01T10:00:00Z',
          recharge: true,
          remainingUsd: 0,
          remainingAsOf: T,
        },
      ],
      costs: daily('2026-12-02', [40, 40]),
      runs: ['2026-12-02T00:00:00Z', '2026-12-04T00:00:00Z'],
    });
    // At T: December's entered charge only (November's is last month): $50 in 1.
    expect(runs[0]).toMatchObject({ balanceUsd: 30, rechargedThisMonthUsd: 50, rechargesThisMonth: 1 });
    // 12-02: 30 − 40 + 50 = 40; 12-03: refused, 40 − 40 = 0.
    expect(runs[1]).toMatchObject({
      balanceUsd: 0,
      rechargedThisMonthUsd: 100,
      rechargesThisMonth: 2,
      rechargeLimitReachedOn: '2026-12-03',
    });
  });

  it('entered charges above the limit (it was higher earlier) leave no room, never a negative one', () => {
    const runs = simulateObject({
      account,
      grants: [
        card,
        ...[1, 2, 3].map((d) => ({
          id: `r${d}`,
          amountUsd: 50,
          effectiveAt: `2026-12-01T0${d}:00:00Z`,
          recharge: true,
          remainingUsd: 0,
          remainingAsOf: T,
        })),
      ],
      costs: daily('2026-12-02', [40]),
      runs: ['2026-12-03T00:00:00Z'],
    });
    // $150 entered against a $100 limit: 12-02 b 30, 40 > 10 wants one charge: refused: −10.
    expect(runs[0]).toMatchObject({
      balanceUsd: -10,
      rechargedThisMonthUsd: 150,
      rechargesThisMonth: 3,
      rechargeLimitReachedOn: '2026-12-02',
    });
    expect(runs[0]?.grants.some((g) => g.auto)).toBe(false);
  });
});

describe('entered recharges are valid only with a checkpoint and at or before T', () => {
  const problemsOf = (grants: unknown[]) => {
    try {
      simulateObject({ account: { autoRecharge: { belowUsd: 20, toUsd: 60 } }, grants, runs: [] });
    } catch (error) {
      if (error instanceof InvalidInputError) return error.problems;
      throw error;
    }
    throw new Error('expected InvalidInputError');
  };
  const T = '2026-11-13T09:00:00Z';

  it('refuses one on an account without a checkpoint, naming the grant', () => {
    expect(
      problemsOf([{ id: 'r1', amountUsd: 40, effectiveAt: '2026-11-03T12:00:00Z', recharge: true }]),
    ).toEqual([
      'simulation file: grants[0].recharge: an entered recharge needs a checkpoint on the account (it must be effective at or before the checkpoint instant): without one burnrate models every recharge, so this card charge would count twice; drop "recharge" or the grant, or take a checkpoint (burnrate checkpoint … --recharge)',
    ]);
  });

  it('refuses one effective after T, naming the grant', () => {
    expect(
      problemsOf([
        { id: 'g1', amountUsd: 100, effectiveAt: '2026-11-01T00:00:00Z', remainingUsd: 50, remainingAsOf: T },
        { id: 'r9', amountUsd: 40, effectiveAt: '2026-11-13T09:00:01Z', recharge: true },
      ]),
    ).toEqual([
      'simulation file: grants[1].recharge: effective "2026-11-13T09:00:01Z", after the checkpoint instant "2026-11-13T09:00:00Z": recharges after the checkpoint are modelled (autoRecharge), so this card charge would count twice; delete this grant',
    ]);
  });

  it('accepts one effective exactly at T (it needs no checkpoint of its own), and a wrong type is named', () => {
    const [run] = simulateObject({
      account: { autoRecharge: { belowUsd: 20, toUsd: 60 } },
      grants: [
        { id: 'g1', amountUsd: 100, effectiveAt: '2026-11-01T00:00:00Z', remainingUsd: 50, remainingAsOf: T },
        { id: 'r0', amountUsd: 40, effectiveAt: T, recharge: true },
      ],
      runs: [T],
    });
    expect(run).toMatchObject({ balanceUsd: 90, rechargedThisMonthUsd: 40, rechargesThisMonth: 1 });
    expect(problemsOf([{ id: 'r1', amountUsd: 40, effectiveAt: T, recharge: 'yes' }])).toEqual([
      'simulation file: grants[0].recharge: expected true (a card charge auto-recharge made, read off the billing page) or false, got "yes"',
    ]);
  });
});

/**
 * A grant that expired at or before T needs no checkpoint and is replayed like any grant.
 * `old` $30 (01-01 → expires 06-01), `g1` $100 from 05-01 checkpointed at T = 07-01 ($80 left);
 * $1 a day from 05-20. Expiring-first: `old` pays 05-20 … 05-31 (12 days): 18 left, expired 06-01;
 * June's $30 has no active grant (g1 activates at T): overdraft 30, cleared at T. Then g1 80 − 4.
 */
describe('a grant expired before the checkpoint instant', () => {
  const file = {
    grants: [
      { id: 'old', amountUsd: 30, effectiveAt: '2026-01-01T00:00:00Z', expiresAt: '2026-06-01T00:00:00Z' },
      {
        id: 'g1',
        amountUsd: 100,
        effectiveAt: '2026-05-01T00:00:00Z',
        remainingUsd: 80,
        remainingAsOf: '2026-07-01T00:00:00Z',
      },
    ],
    costs: daily(
      '2026-05-20',
      Array.from({ length: 46 }, () => 1),
    ),
    runs: ['2026-05-25T00:00:00Z', '2026-07-05T00:00:00Z'],
  };

  it('is accepted without a checkpoint and replayed: it absorbs its share before T, then expires', () => {
    const [before, after] = simulateObject(file);
    // 05-25: old paid 05-20 … 05-24: 25 left; g1 not active yet (shows what it will bring).
    expect(before).toMatchObject({ balanceUsd: 25, overdraftUsd: 0 });
    expect(before?.grants).toEqual([
      { id: 'g1', remainingUsd: 80, expiredUsd: 0, atRiskUsd: 0 },
      // Burn rate $1 (5 days); the projection draws 05-25 … 05-31 from it before it expires: 18 at risk.
      { id: 'old', remainingUsd: 25, expiredUsd: 0, atRiskUsd: 18 },
    ]);
    // 07-05: old expired with 18; g1 paid 07-01 … 07-04.
    expect(after).toMatchObject({ balanceUsd: 76, overdraftUsd: 0 });
    expect(after?.grants.find((g) => g.id === 'old')).toEqual({
      id: 'old',
      remainingUsd: 0,
      expiredUsd: 18,
      atRiskUsd: 0,
    });
  });

  it('still needs one when it expires after T', () => {
    const live = {
      ...file,
      grants: [{ ...file.grants[0], expiresAt: '2026-07-01T00:00:01Z' }, file.grants[1]],
    };
    expect(() => simulateObject(live)).toThrow(
      /grants\[0\]\.remainingUsd: grant is effective before the checkpoint instant/,
    );
  });
});
