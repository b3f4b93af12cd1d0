import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../shared/core/alerts.ts';
import { toOutputFigures } from '../../shared/core/derived.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { DAY_MS } from '../../shared/core/time.ts';
import type { AlertPolicy, AutoRecharge, BurnOrder, CostBucket, Grant } from '../../shared/core/types.ts';

const ORIGIN = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

/**
 * Valid grant sets: optional shared checkpoint instant T; every grant effective before T and live at
 * T checkpointed (one expired by T is replayed without); with T, some grants effective at or before
 * T are entered recharges.
 */
const grantsArb = fc
  .tuple(
    fc.array(
      fc.record({
        effHours: fc.integer({ min: 0, max: 24 * 150 }),
        lifeHours: fc.option(fc.integer({ min: 1, max: 24 * 200 }), { nil: undefined }),
        cents: fc.integer({ min: 1, max: 50_000 }),
        remainingCents: fc.integer({ min: 0, max: 50_000 }),
        recharge: fc.boolean(),
      }),
      { minLength: 0, maxLength: 6 },
    ),
    fc.option(fc.integer({ min: 0, max: 24 * 150 }), { nil: undefined }),
  )
  .map(([raw, tHours]) => {
    const t = tHours === undefined ? undefined : ORIGIN + tHours * HOUR;
    const grants: Grant[] = [];
    raw.forEach((r, i) => {
      const effectiveAt = ORIGIN + r.effHours * HOUR;
      const expiresAt =
        r.lifeHours === undefined ? effectiveAt + 365 * DAY_MS : effectiveAt + r.lifeHours * HOUR;
      const grant: Grant = { id: `g${i}`, amountMicros: r.cents * 10_000, effectiveAt, expiresAt };
      if (t !== undefined && effectiveAt < t && expiresAt > t) {
        grant.checkpoint = { remainingMicros: r.remainingCents * 10_000, asOf: t };
      }
      if (t !== undefined && effectiveAt <= t && r.recharge) grant.recharge = true;
      grants.push(grant);
    });
    return grants;
  });

const bucketsArb = fc
  .array(fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: undefined }), { maxLength: 200 })
  .map((days) =>
    days.flatMap((cents, i): CostBucket[] =>
      cents === undefined
        ? []
        : [{ start: ORIGIN + i * DAY_MS, end: ORIGIN + (i + 1) * DAY_MS, amountMicros: cents * 10_000 }],
    ),
  );

const burnOrderArb = fc.constantFrom<BurnOrder>('expiring-first', 'oldest-first');

/** No auto-recharge, or a valid setting of either form, with or without a monthly limit. */
const autoRechargeArb = fc.option(
  fc
    .record({
      belowCents: fc.integer({ min: 1, max: 20_000 }),
      restore: fc.boolean(),
      sizeCents: fc.integer({ min: 1, max: 30_000 }),
      headroomCents: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
    })
    .map((r): AutoRecharge => {
      const below = r.belowCents * 10_000;
      const size = r.sizeCents * 10_000;
      const limit = r.headroomCents === undefined ? undefined : size + r.headroomCents * 10_000;
      return r.restore
        ? { belowMicros: below, toMicros: below + size, monthlyLimitMicros: limit }
        : { belowMicros: below, amountMicros: size, monthlyLimitMicros: limit };
    }),
  { nil: undefined },
);

/** What a visible bucket draws: all of it, or the share after T for the bucket holding T. */
function drawnBy(b: CostBucket, grants: readonly Grant[]): number {
  const t = grants.find((g) => g.checkpoint)?.checkpoint?.asOf;
  if (t === undefined || !(b.start < t && t < b.end)) return b.amountMicros;
  return Math.floor((b.amountMicros * (b.end - t)) / (b.end - b.start));
}
const atArb = fc.integer({ min: 0, max: 24 * 220 }).map((h) => ORIGIN + h * HOUR);

describe('ledger properties', () => {
  it('conserves money per grant and overall (recharge grants included), and never goes negative', () => {
    fc.assert(
      fc.property(
        grantsArb,
        bucketsArb,
        burnOrderArb,
        atArb,
        autoRechargeArb,
        (grants, buckets, burnOrder, at, autoRecharge) => {
          const f = computeFigures({ grants, buckets, burnOrder, at, autoRecharge });
          let drawn = 0;
          for (const g of f.grants) {
            expect(g.remainingMicros).toBeGreaterThanOrEqual(0);
            expect(g.expiredMicros).toBeGreaterThanOrEqual(0);
            if (!g.active) continue;
            expect(g.drawn + g.expiredMicros + g.remainingMicros).toBe(g.brought);
            drawn += g.drawn;
          }
          // The draws take every visible bucket (pro rata for the one holding the checkpoint).
          const costs = buckets.filter((b) => b.end <= at).reduce((sum, b) => sum + drawnBy(b, grants), 0);
          expect(f.overdraftMicros).toBeGreaterThanOrEqual(0);
          expect(drawn + f.overdraftMicros + f.overdraftClearedMicros).toBe(costs);
          if (!autoRecharge) expect(f.grants.some((g) => g.grant.auto)).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never models more recharges in a month than its limit, nor any at or before the checkpoint', () => {
    fc.assert(
      fc.property(
        grantsArb,
        bucketsArb,
        burnOrderArb,
        atArb,
        autoRechargeArb,
        (grants, buckets, burnOrder, at, autoRecharge) => {
          const f = computeFigures({ grants, buckets, burnOrder, at, autoRecharge });
          const t = grants.find((g) => g.checkpoint)?.checkpoint?.asOf;
          const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);
          const modelled = new Map<string, number>();
          for (const g of f.grants) {
            if (!g.grant.auto) continue;
            expect(g.grant.amountMicros).toBeGreaterThan(0);
            expect(g.grant.charges).toBeGreaterThanOrEqual(1);
            if (t !== undefined) expect(g.grant.effectiveAt).toBeGreaterThan(t);
            const key = g.grant.id.slice('auto-'.length, 'auto-'.length + 7);
            modelled.set(key, (modelled.get(key) ?? 0) + g.grant.amountMicros);
          }
          const entered = new Map<string, number>();
          for (const g of grants)
            if (g.recharge)
              entered.set(month(g.effectiveAt), (entered.get(month(g.effectiveAt)) ?? 0) + g.amountMicros);
          // Entered recharges count toward the limit of their month: modelled + entered stay within
          // it when the entered ones alone are; when they alone exceed it, nothing more is modelled.
          const limit = autoRecharge?.monthlyLimitMicros;
          if (limit !== undefined) {
            for (const [key, used] of modelled) {
              const before = entered.get(key) ?? 0;
              if (before <= limit) expect(used + before).toBeLessThanOrEqual(limit);
              else expect(used).toBe(0);
            }
          }
          // The month's figure: its recharge grants, plus its entered recharges effective by `at`.
          const thisMonth = month(at);
          const enteredByAt = grants
            .filter((g) => g.recharge && g.effectiveAt <= at && month(g.effectiveAt) === thisMonth)
            .reduce((sum, g) => sum + g.amountMicros, 0);
          expect(f.rechargedThisMonthMicros).toBe(
            autoRecharge ? (modelled.get(thisMonth) ?? 0) + enteredByAt : 0,
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('does not depend on the input order of grants or buckets', () => {
    fc.assert(
      fc.property(
        grantsArb,
        bucketsArb,
        burnOrderArb,
        atArb,
        autoRechargeArb,
        fc.infiniteStream(fc.nat()),
        (grants, buckets, burnOrder, at, autoRecharge, randoms) => {
          const shuffle = <T>(xs: readonly T[]) =>
            xs
              .map((x) => ({ x, k: randoms.next().value as number }))
              .sort((a, b) => a.k - b.k)
              .map((e) => e.x);
          const a = computeFigures({ grants, buckets, burnOrder, at, autoRecharge });
          const b = computeFigures({
            grants: shuffle(grants),
            buckets: shuffle(buckets),
            burnOrder,
            at,
            autoRecharge,
          });
          expect(toOutputFigures(b, 'x')).toEqual(toOutputFigures(a, 'x'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never shows more at risk than a grant holds', () => {
    fc.assert(
      fc.property(
        grantsArb,
        bucketsArb,
        burnOrderArb,
        atArb,
        autoRechargeArb,
        (grants, buckets, burnOrder, at, autoRecharge) => {
          const f = computeFigures({ grants, buckets, burnOrder, at, autoRecharge });
          for (const g of f.grants) {
            if (g.atRiskScaled === null) continue;
            expect(g.atRiskScaled).toBeGreaterThanOrEqual(0);
            expect(g.atRiskScaled).toBeLessThanOrEqual(g.remainingMicros * f.burnDays);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never fires a key twice without a re-arm in between', () => {
    const policy: AlertPolicy = {
      burnOrder: 'expiring-first',
      monthlyBudgetUsd: 100,
      budgetAlertPercents: [50, 80, 100],
      forecastAlert: true,
      lowBalanceUsd: [100, 25, 5],
      lowRunwayDays: 7,
      expiryWarningDays: [30, 7, 1],
    };
    fc.assert(
      fc.property(
        grantsArb,
        bucketsArb,
        fc.array(atArb, { minLength: 1, maxLength: 25 }),
        (grants, buckets, ats) => {
          let disarmed = new Set<string>();
          const armed = new Map<string, boolean>();
          for (const at of [...ats].sort((x, y) => x - y)) {
            const f = computeFigures({ grants, buckets, burnOrder: policy.burnOrder, at });
            const evaluation = evaluateAlerts(f, policy, disarmed);
            for (const key of evaluation.rearmed) armed.set(key, true);
            for (const { key } of evaluation.fired) {
              expect(armed.get(key) ?? true, `${key} fired twice without a re-arm`).toBe(true);
              armed.set(key, false);
            }
            disarmed = evaluation.disarmed;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
