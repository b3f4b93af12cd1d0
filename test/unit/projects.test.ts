import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../shared/core/alerts.ts';
import { forecastMonthEnd } from '../../shared/core/derived.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { usdToMicros } from '../../shared/core/money.ts';
import { bucketParts, UNATTRIBUTED } from '../../shared/core/projects.ts';
import { DAY_MS } from '../../shared/core/time.ts';
import type { CostBucket } from '../../shared/core/types.ts';
import { parseAccountConfig, toAlertPolicy } from '../../shared/schemas/account-config.ts';

const $ = usdToMicros;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/** Whole UTC days from `first`, each split as given (USD). */
function days(first: string, splits: Array<Record<string, number>>): CostBucket[] {
  return splits.map((split, i) => {
    const start = day(first) + i * DAY_MS;
    const byScope = Object.fromEntries(Object.entries(split).map(([k, v]) => [k, $(v)]));
    const amountMicros = Object.values(byScope).reduce((a, b) => a + b, 0);
    return { start, end: start + DAY_MS, amountMicros, byScope };
  });
}

const config = parseAccountConfig({
  id: 'acme',
  provider: 'openai',
  recipients: ['ops@acme.example'],
  monthlyBudgetUsd: 10_000,
  projects: {
    proj_search: { name: 'Search', monthlyBudgetUsd: 100, budgetAlertPercents: [80, 100] },
    proj_named: { name: 'Only a name' },
  },
});
const policy = toAlertPolicy(config);

describe('per-project figures (LEDGER.md, "Projects")', () => {
  it('month to date, burn rate (same n as the account) and forecast follow the account formulas', () => {
    // Oct 30..Nov 9: search $4/day and batch $6/day; unattributed $1 on Nov 9.
    const buckets = days('2026-10-30', [
      ...Array.from({ length: 10 }, () => ({ proj_search: 4, proj_batch: 6 })),
      { proj_search: 4, proj_batch: 6, [UNATTRIBUTED]: 1 },
    ]);
    const at = Date.parse('2026-11-10T12:00:00Z');
    const f = computeFigures({
      grants: [],
      buckets,
      burnOrder: 'expiring-first',
      at,
      todayMicros: $(9),
      todayByScope: { proj_search: $(7), proj_batch: $(2) },
    });
    const search = f.scopes?.get('proj_search');
    // Nov 1..9 = 9 days × $4 + today's $7 = $43; Oct 30, 31 are last month: $8.
    expect(search).toMatchObject({
      monthToDateMicros: $(43),
      todayMicros: $(7),
      previousMonthMicros: $(8),
      burnSumMicros: $(28),
      burnDays: 7,
    });
    // Forecast: 43 − 7 + max(7, 4) + 4 × 20 days after Nov 10 = $123.
    const fc = forecastMonthEnd(search as NonNullable<typeof search>);
    expect(fc.num / fc.den).toBe($(123));
    expect(f.scopes?.get(UNATTRIBUTED)?.monthToDateMicros).toBe($(1));
    // The account: $10 × 9 + $1 + $9 today.
    expect(f.monthToDateMicros).toBe($(100));
  });

  it('fires project-budget 80 and 100 on the days the project crosses them, once each; unconfigured projects fire nothing', () => {
    // Search spends $10/day from Nov 1 (budget $100: 80% on the 8th day, 100% on the 10th),
    // batch $500/day with no entry of its own (no account budget in this test).
    const buckets = days(
      '2026-11-01',
      Array.from({ length: 12 }, () => ({ proj_search: 10, proj_batch: 500 })),
    );
    const fired: Array<[string, string[]]> = [];
    let disarmed = new Set<string>();
    for (let d = 2; d <= 13; d++) {
      const at = day('2026-11-01') + (d - 1) * DAY_MS + 3_600_000; // 01:00 of Nov d
      const f = computeFigures({
        grants: [],
        buckets,
        burnOrder: 'expiring-first',
        at,
        todayMicros: 0,
        todayByScope: {},
      });
      const e = evaluateAlerts(
        f,
        {
          ...policy,
          monthlyBudgetUsd: undefined,
          projects: policy.projects?.map((p) => ({ ...p, forecastAlert: false })),
        },
        disarmed,
      );
      disarmed = e.disarmed;
      if (e.fired.length) fired.push([`Nov ${d}`, e.fired.map((c) => c.key)]);
    }
    expect(fired).toEqual([
      ['Nov 9', ['project-budget:proj_search:2026-11:80']],
      ['Nov 11', ['project-budget:proj_search:2026-11:100']],
    ]);
  });

  it("last month's project keys fire only on the first 3 days of a month, like the account's", () => {
    const buckets = days(
      '2026-10-01',
      Array.from({ length: 31 }, () => ({ proj_search: 4 })),
    );
    const keysAt = (iso: string) => {
      const f = computeFigures({
        grants: [],
        buckets,
        burnOrder: 'expiring-first',
        at: Date.parse(iso),
        todayMicros: 0,
        todayByScope: {},
      });
      return evaluateAlerts(f, policy, new Set()).fired.map((c) => c.key);
    };
    // October: $124 of a $100 budget.
    expect(keysAt('2026-11-03T23:00:00Z')).toEqual(
      expect.arrayContaining([
        'project-budget:proj_search:2026-10:80',
        'project-budget:proj_search:2026-10:100',
      ]),
    );
    expect(keysAt('2026-11-04T00:00:00Z').filter((k) => k.includes('2026-10'))).toEqual([]);
  });

  it('project-forecast uses the production formula with today in progress', () => {
    // Search $2/day for Nov 1..19, today $60 so far (a busy day): forecast 38 + 60 + 2 × 10 = $118.
    const buckets = days(
      '2026-11-01',
      Array.from({ length: 19 }, () => ({ proj_search: 2 })),
    );
    const at = Date.parse('2026-11-20T15:00:00Z');
    const f = computeFigures({
      grants: [],
      buckets,
      burnOrder: 'expiring-first',
      at,
      todayMicros: $(60),
      todayByScope: { proj_search: $(60) },
    });
    const keys = evaluateAlerts(f, policy, new Set()).fired.map((c) => c.key);
    expect(keys).toEqual(['project-budget:proj_search:2026-11:80', 'project-forecast:proj_search:2026-11']);
    // Without today's split the same day fires no forecast ($38 + $2 + $2 × 10 = $60).
    const g = computeFigures({
      grants: [],
      buckets,
      burnOrder: 'expiring-first',
      at,
      todayMicros: $(60),
      todayByScope: {},
    });
    expect(evaluateAlerts(g, policy, new Set()).fired.map((c) => c.key)).toEqual([]);
  });

  it("Anthropic's default workspace is `default` in the config and the null workspace in the reports", () => {
    const anthropic = parseAccountConfig({
      id: 'acme-claude',
      provider: 'anthropic',
      recipients: ['ops@acme.example'],
      projects: { default: { monthlyBudgetUsd: 10 } },
    });
    const buckets = days('2026-11-01', [{ [UNATTRIBUTED]: 12, wrkspc_01: 1 }]);
    const f = computeFigures({
      grants: [],
      buckets,
      burnOrder: 'expiring-first',
      at: day('2026-11-02'),
      todayMicros: 0,
      todayByScope: {},
    });
    expect(evaluateAlerts(f, toAlertPolicy(anthropic), new Set()).fired.map((c) => c.key)).toEqual([
      'project-budget:default:2026-11:50',
      'project-budget:default:2026-11:80',
      'project-budget:default:2026-11:100',
      'project-forecast:default:2026-11',
    ]);
  });

  it('simulations (no split) give no per-project figures and fire no project key', () => {
    const buckets = days('2026-11-01', [{ proj_search: 500 }]).map(({ byScope: _, ...b }) => b);
    const f = computeFigures({ grants: [], buckets, burnOrder: 'expiring-first', at: day('2026-11-03') });
    expect(f.scopes).toBeUndefined();
    expect(evaluateAlerts(f, policy, new Set()).fired.filter((c) => c.kind.startsWith('project'))).toEqual(
      [],
    );
  });
});

describe('bucketParts: a split that adds up', () => {
  it('spreads the rounding difference over the largest parts; an empty split is all unattributed', () => {
    expect(Object.fromEntries(bucketParts(10, { a: 3, b: 3, c: 3 }))).toEqual({ a: 4, b: 3, c: 3 });
    expect(Object.fromEntries(bucketParts(7, { a: 3, b: 5 }))).toEqual({ a: 3, b: 4 });
    expect(Object.fromEntries(bucketParts(5, {}))).toEqual({ [UNATTRIBUTED]: 5 });
    expect(bucketParts(0, {}).size).toBe(0);
  });

  it('property: the same parts as spreading the difference one micro-dollar at a time, round and round', () => {
    /** The rule as LEDGER.md words it, step by step (what bucketParts did before whole rounds). */
    function oneByOne(amount: number, byScope: Record<string, number>): Map<string, number> {
      const entries = Object.entries(byScope).filter(([, v]) => v !== 0);
      if (entries.length === 0) return amount === 0 ? new Map() : new Map([[UNATTRIBUTED, amount]]);
      const parts = new Map(entries);
      let diff = amount - entries.reduce((sum, [, v]) => sum + v, 0);
      const order = entries
        .map(([k]) => k)
        .sort((a, b) => (parts.get(b) ?? 0) - (parts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
      for (let i = 0; diff !== 0; i = (i + 1) % order.length) {
        const k = order[i] as string;
        const step = diff > 0 ? 1 : -1;
        if (step < 0 && (parts.get(k) ?? 0) === 0) {
          if (order.every((o) => (parts.get(o) ?? 0) === 0)) {
            parts.set(UNATTRIBUTED, (parts.get(UNATTRIBUTED) ?? 0) + diff);
            break;
          }
          continue;
        }
        parts.set(k, (parts.get(k) ?? 0) + step);
        diff -= step;
      }
      return parts;
    }
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', UNATTRIBUTED), fc.integer({ min: 0, max: 40 }), {
          maxKeys: 5,
        }),
        fc.integer({ min: 0, max: 300 }),
        (byScope, amount) => {
          expect(Object.fromEntries(bucketParts(amount, byScope))).toEqual(
            Object.fromEntries(oneByOne(amount, byScope)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a hand-edited amount far from its split still adds up, in a few passes', () => {
    // $1,000,000 more than the parts, and the parts $1,000,000 more than the amount: one step per
    // micro-dollar would be 10^12 steps.
    const more = bucketParts(1_000_000_000_000 + 3, { a: 1, b: 2 });
    expect(Object.fromEntries(more)).toEqual({ a: 500_000_000_001, b: 500_000_000_002 });
    const less = bucketParts(5, { a: 600_000_000_000, b: 400_000_000_005 });
    expect([...less.values()].reduce((x, y) => x + y, 0)).toBe(5);
    expect(Object.fromEntries(less)).toEqual({ a: 5, b: 0 });
  });

  it('property: per-project spend sums to the account spend (month to date, today, last month, burn sum)', () => {
    const split = fc.dictionary(
      fc.constantFrom('proj_a', 'proj_b', 'proj_c', UNATTRIBUTED),
      fc.integer({ min: 0, max: 50_000_000 }),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(split, fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 70 }),
        split,
        fc.integer({ min: 0, max: 80 }),
        (rows, todaySplit, runDay) => {
          // Each bucket's total is its parts ± a few micro-dollars of rounding (never negative).
          const buckets: CostBucket[] = rows.map(([byScope, drift], i) => {
            const start = day('2026-09-01') + i * DAY_MS;
            const sum = Object.values(byScope).reduce((a, b) => a + b, 0);
            return { start, end: start + DAY_MS, amountMicros: Math.max(0, sum + drift), byScope };
          });
          const todayMicros = Object.values(todaySplit).reduce((a, b) => a + b, 0);
          const at = day('2026-09-01') + runDay * DAY_MS + 7_200_000;
          const f = computeFigures({
            grants: [],
            buckets,
            burnOrder: 'expiring-first',
            at,
            todayMicros,
            todayByScope: todaySplit,
          });
          const scopes = [...(f.scopes?.values() ?? [])];
          const total = (pick: (s: (typeof scopes)[number]) => number) =>
            scopes.reduce((a, s) => a + pick(s), 0);
          expect(total((s) => s.monthToDateMicros)).toBe(f.monthToDateMicros);
          expect(total((s) => s.todayMicros)).toBe(f.todayMicros);
          expect(total((s) => s.previousMonthMicros)).toBe(f.previousMonthMicros);
          expect(total((s) => s.burnSumMicros)).toBe(f.burnSumMicros);
          for (const s of scopes) expect(s.burnDays).toBe(f.burnDays);
        },
      ),
      { numRuns: 300 },
    );
  });
});
