import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retiredKeyTtls, retiresAt } from '../../shared/core/alert-retirement.ts';
import { alertConditions } from '../../shared/core/alerts.ts';
import { digestDue } from '../../shared/core/digest.ts';
import { computeFigures, type Figures } from '../../shared/core/figures.ts';
import { DAY_MS } from '../../shared/core/time.ts';
import type { AlertPolicy, AutoRecharge, CostBucket, Grant } from '../../shared/core/types.ts';

const t = (iso: string) => Date.parse(iso);
const ORIGIN = t('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const expiryOf = (f: Figures) => (id: string) => f.grants.find((g) => g.grant.id === id)?.grant.expiresAt;

describe('when a fired key can no longer fire (and may be deleted by TTL)', () => {
  it('reads the instant off the key', () => {
    const none = () => undefined;
    expect(retiresAt('budget:2026-11:80', none)).toBe(t('2026-12-04T00:00:00Z'));
    expect(retiresAt('budget:2026-12:100', none)).toBe(t('2027-01-04T00:00:00Z'));
    expect(retiresAt('forecast:2026-11', none)).toBe(t('2026-12-01T00:00:00Z'));
    expect(retiresAt('recharge-limit:2026-02', none)).toBe(t('2026-03-01T00:00:00Z'));
    expect(retiresAt('spike:2026-11-30', none)).toBe(t('2026-12-02T00:00:00Z'));
    expect(retiresAt('digest:2026-11-23', none)).toBe(t('2026-11-30T09:00:00Z'));
    expect(
      retiresAt('expiry:team:a:7', (id) => (id === 'team:a' ? t('2027-01-01T00:00:00Z') : undefined)),
    ).toBe(t('2027-01-01T00:00:00Z'));
    // A grant no longer stored: kept. Keys that re-arm, operator notices, garbage: kept.
    expect(retiresAt('expiry:gone:7', none)).toBeUndefined();
    for (const key of [
      'low-balance:100',
      'runway:7',
      'exhausted',
      'operator:stale-data',
      'budget:x:1',
      'what',
    ])
      expect(retiresAt(key, none)).toBeUndefined();
  });

  it('gives a TTL (30 days after) only to delivered keys that have retired and have none', () => {
    const at = t('2026-12-04T00:00:00Z');
    const sent = (key: string, ttl?: number) => ({ key, status: 'sent', ...(ttl && { ttl }) });
    const grants = [{ id: 'g1', expiresAt: t('2026-12-01T00:00:00Z') }];
    expect(
      retiredKeyTtls(
        [
          sent('budget:2026-11:50'), // retired at 12-04 00:00
          { key: 'budget:2026-11:80', status: 'pending' }, // not delivered yet: kept
          { key: 'forecast:2026-11', status: 'claimed' },
          sent('budget:2026-12:50'), // can still fire
          sent('expiry:g1:7'), // its grant expired
          sent('expiry:g2:7'), // grant gone: kept
          sent('low-balance:100'), // re-arms instead
          sent('spike:2026-10-02', 1_700_000_000), // has one already
        ],
        grants,
        at,
      ),
    ).toEqual([
      { key: 'budget:2026-11:50', ttl: (at + 30 * DAY_MS) / 1000 },
      { key: 'expiry:g1:7', ttl: (t('2026-12-01T00:00:00Z') + 30 * DAY_MS) / 1000 },
    ]);
  });

  it("last month's budget key fires on the 3rd and not on the 4th, the instant it retires", () => {
    const policy: AlertPolicy = {
      burnOrder: 'expiring-first',
      monthlyBudgetUsd: 100,
      budgetAlertPercents: [50],
      forecastAlert: false,
      lowBalanceUsd: [],
      expiryWarningDays: [],
    };
    const buckets: CostBucket[] = [
      { start: t('2026-11-30T00:00:00Z'), end: t('2026-12-01T00:00:00Z'), amountMicros: 60_000_000 },
    ];
    const keysAt = (at: number) =>
      alertConditions(computeFigures({ grants: [], buckets, burnOrder: 'expiring-first', at }), policy).map(
        (c) => c.key,
      );
    const retire = retiresAt('budget:2026-11:50', () => undefined) as number;
    expect(keysAt(retire - 1)).toEqual(['budget:2026-11:50']);
    expect(keysAt(retire)).toEqual([]);
  });

  it('no key the rules fire at `at` has retired by `at` (random ledgers, every kind)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(grantsArb, bucketsArb, policyArb, runArb, (grants, buckets, policy, runAt) => {
        const run = runAt(grants);
        const f = computeFigures({
          grants,
          buckets,
          burnOrder: policy.burnOrder,
          autoRecharge: policy.autoRecharge,
          at: run.at,
          todayMicros: run.todayMicros,
          hour: {
            start: run.hourStart,
            amountMicros: run.hourMicros,
            byScope: {},
            byModel: {},
            unknownModels: [],
          },
        });
        for (const c of alertConditions(f, policy)) {
          seen.add(c.kind);
          const retire = retiresAt(c.key, expiryOf(f));
          if (retire !== undefined)
            expect(run.at, `${c.key} fires at ${new Date(run.at).toISOString()}`).toBeLessThan(retire);
        }
      }),
      { numRuns: 1000 },
    );
    // The generators reach every kind that retires, so the property is not vacuous.
    for (const kind of ['budget', 'forecast', 'spike', 'expiry', 'recharge-limit'])
      expect(seen).toContain(kind);
  });

  it('a digest key is due only before it retires', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * 24 }),
        fc.option(fc.integer({ min: 1, max: 30 * 24 })),
        (h, back) => {
          const at = ORIGIN + h * HOUR;
          const key = digestDue({
            at,
            setting: 'weekly',
            previousRunAt: back === null ? undefined : at - back * HOUR,
            storedKeys: new Set(),
          });
          if (key) expect(at).toBeLessThan(retiresAt(key, () => undefined) as number);
        },
      ),
    );
  });
});

const grantsArb = fc
  .array(
    fc.record({
      effDays: fc.integer({ min: 0, max: 200 }),
      lifeDays: fc.integer({ min: 1, max: 400 }),
      usd: fc.integer({ min: 1, max: 3000 }),
    }),
    { maxLength: 4 },
  )
  .map((raw) =>
    raw.map(
      (r, i): Grant => ({
        id: i % 2 === 0 ? `g${i}` : `team:g${i}`,
        amountMicros: r.usd * 1_000_000,
        effectiveAt: ORIGIN + r.effDays * DAY_MS,
        expiresAt: ORIGIN + (r.effDays + r.lifeDays) * DAY_MS,
      }),
    ),
  );

const bucketsArb = fc
  .array(fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }), { maxLength: 300 })
  .map((days) =>
    days.flatMap((usd, i): CostBucket[] =>
      usd === undefined
        ? []
        : [{ start: ORIGIN + i * DAY_MS, end: ORIGIN + (i + 1) * DAY_MS, amountMicros: usd * 1_000_000 }],
    ),
  );

const policyArb = fc
  .record({
    budget: fc.integer({ min: 1, max: 3000 }),
    percents: fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 4 }),
    expiryDays: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 3 }),
    factor: fc.integer({ min: 1, max: 10 }),
    minUsd: fc.integer({ min: 1, max: 20 }),
    recharge: fc.option(
      fc.record({
        below: fc.integer({ min: 1, max: 200 }),
        size: fc.integer({ min: 1, max: 300 }),
        extra: fc.integer({ min: 0, max: 600 }),
      }),
      { nil: undefined },
    ),
  })
  .map(
    (p): AlertPolicy => ({
      burnOrder: 'expiring-first',
      monthlyBudgetUsd: p.budget,
      budgetAlertPercents: p.percents,
      forecastAlert: true,
      lowBalanceUsd: [],
      expiryWarningDays: p.expiryDays,
      spike: { factor: p.factor, minUsd: p.minUsd },
      autoRecharge: p.recharge && rechargeOf(p.recharge),
    }),
  );

function rechargeOf(r: { below: number; size: number; extra: number }): AutoRecharge {
  return {
    belowMicros: r.below * 1_000_000,
    amountMicros: r.size * 1_000_000,
    monthlyLimitMicros: (r.size + r.extra) * 1_000_000,
  };
}

/**
 * A run: its instant (anywhere, or close to what the rules turn on: a month's first days, a grant's
 * expiry), today's spend so far, and the spike hour (the last complete one or the current one).
 */
const runArb = fc
  .record({
    where: fc.constantFrom('anywhere', 'month edge', 'grant expiry'),
    hours: fc.integer({ min: 0, max: 320 * 24 }),
    month: fc.integer({ min: 1, max: 10 }),
    edgeMinutes: fc.integer({ min: -2 * 24 * 60, max: 5 * 24 * 60 }),
    grant: fc.nat(),
    todayUsd: fc.integer({ min: 0, max: 100 }),
    hourUsd: fc.integer({ min: 0, max: 200 }),
    current: fc.boolean(),
  })
  .map((r) => (grants: readonly Grant[]) => {
    const expiring = grants[r.grant % Math.max(1, grants.length)];
    const at =
      r.where === 'month edge'
        ? Date.UTC(2026, r.month, 1) + r.edgeMinutes * 60_000
        : r.where === 'grant expiry' && expiring
          ? expiring.expiresAt - Math.abs(r.edgeMinutes) * 60_000 - 1
          : ORIGIN + r.hours * HOUR + (r.edgeMinutes % 60) * 60_000;
    const inProgress = Math.floor(at / HOUR) * HOUR;
    return {
      at,
      todayMicros: r.todayUsd * 1_000_000,
      hourMicros: r.hourUsd * 1_000_000,
      hourStart: r.current ? inProgress : inProgress - HOUR,
    };
  });
