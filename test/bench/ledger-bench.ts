import { evaluateAlerts } from '../../shared/core/alerts.ts';
import { toOutputFigures } from '../../shared/core/derived.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { DAY_MS } from '../../shared/core/time.ts';
import type { AlertPolicy, AutoRecharge, CostBucket, Grant } from '../../shared/core/types.ts';

/** One account run of the core: replay + figures + alert evaluation, on synthetic history. */
/** Production's per-project split: each bucket over 6 scopes (3 configured with budgets). */
const SCOPES = ['proj_a', 'proj_b', 'proj_c', 'proj_d', 'proj_e', '(none)'];

function scenario(years: number, grantCount: number, autoRecharge?: AutoRecharge, split = false) {
  // With auto-recharge the grants cover about half the spend, so the replay has recharges to make.
  const coverage = autoRecharge ? 0.5 : 1;
  const at = Date.parse('2026-11-24T09:00:00Z');
  const days = Math.round(years * 365.25);
  const first = at - (at % DAY_MS) - days * DAY_MS;
  const buckets: CostBucket[] = Array.from({ length: days }, (_, i) => ({
    start: first + i * DAY_MS,
    end: first + (i + 1) * DAY_MS,
    amountMicros: 5_000_000 + ((i * 7919) % 20_000_000),
  }));
  if (split)
    for (const b of buckets)
      b.byScope = Object.fromEntries(
        SCOPES.map((scope, k) => [scope, Math.round((b.amountMicros * (k + 1)) / 21) + (k % 2)]),
      );
  // Grants spread over the history (and a few in the future), each a year long.
  const grants: Grant[] = Array.from({ length: grantCount }, (_, i) => ({
    id: `g${String(i).padStart(3, '0')}`,
    amountMicros: Math.round((days * 15_000_000 * coverage) / grantCount) + 1_000_000,
    effectiveAt: first + Math.floor(((days + 30) * i) / grantCount) * DAY_MS + 3_600_000,
    expiresAt: first + Math.floor(((days + 30) * i) / grantCount) * DAY_MS + 3_600_000 + 365 * DAY_MS,
  }));
  const policy: AlertPolicy = {
    burnOrder: 'expiring-first',
    monthlyBudgetUsd: 500,
    budgetAlertPercents: [50, 80, 100],
    forecastAlert: true,
    lowBalanceUsd: [100, 25],
    lowRunwayDays: 7,
    expiryWarningDays: [30, 7, 1],
    autoRecharge,
    ...(split && {
      projects: SCOPES.slice(0, 3).map((id) => ({
        id,
        scope: id,
        monthlyBudgetUsd: 100,
        budgetAlertPercents: [50, 80, 100],
        forecastAlert: true,
      })),
    }),
  };
  return { at, buckets, grants, policy, split };
}

function runOnce(s: ReturnType<typeof scenario>) {
  const f = computeFigures({
    grants: s.grants,
    buckets: s.buckets,
    burnOrder: s.policy.burnOrder,
    autoRecharge: s.policy.autoRecharge,
    at: s.at,
    ...(s.split && { todayMicros: 3_000_000, todayByScope: { proj_a: 2_000_000, '(none)': 1_000_000 } }),
  });
  const evaluation = evaluateAlerts(f, s.policy, new Set());
  return { f, out: [toOutputFigures(f, 'x'), evaluation] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export function measure(
  years: number,
  grants: number,
  iterations = 200,
  autoRecharge?: AutoRecharge,
  split = false,
): { median: number; p95: number; recharges: number } {
  const s = scenario(years, grants, autoRecharge, split);
  for (let i = 0; i < 20; i++) runOnce(s); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    runOnce(s);
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const recharges = runOnce(s).f.grants.filter((g) => g.grant.auto).length;
  return { median: median(times), p95: sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN, recharges };
}

export function ledgerBench(): void {
  console.log('## Core: replay + figures + alert evaluation, one account run');
  const target = measure(5, 50, 500);
  console.log(
    `5 years daily buckets, 50 grants: median ${target.median.toFixed(3)} ms, p95 ${target.p95.toFixed(3)} ms (target: median <= 2 ms) ${target.median <= 2 ? 'OK' : 'MISSED'}`,
  );
  // Restore to $100 below $50, at most $300 a month: the $5-25/day account tops up every few days
  // and the limit refuses in most months.
  const auto = measure(5, 50, 500, {
    belowMicros: 50_000_000,
    toMicros: 100_000_000,
    monthlyLimitMicros: 300_000_000,
  });
  console.log(
    `5 years daily buckets, 50 grants, autoRecharge on: median ${auto.median.toFixed(3)} ms, p95 ${auto.p95.toFixed(3)} ms, ${auto.recharges} recharge grants made by the replay (target: median <= 2 ms) ${auto.median <= 2 ? 'OK' : 'MISSED'}`,
  );
  // As production runs since the sync passes the cost split: every bucket split over 6 scopes,
  // three of them configured projects with budgets (their figures and project-budget rules).
  const scoped = measure(5, 50, 500, undefined, true);
  console.log(
    `5 years daily buckets, 50 grants, split over 6 projects (3 with budgets): median ${scoped.median.toFixed(3)} ms, p95 ${scoped.p95.toFixed(3)} ms (target: median <= 2 ms) ${scoped.median <= 2 ? 'OK' : 'MISSED'}`,
  );
  console.log('\nmedian ms      5 grants   50 grants  500 grants');
  for (const years of [1, 2, 5]) {
    const row = [5, 50, 500].map((g) =>
      measure(years, g, g === 500 ? 60 : 200)
        .median.toFixed(3)
        .padStart(10),
    );
    console.log(`${`${years} year${years > 1 ? 's' : ''}`.padEnd(10)} ${row.join('  ')}`);
  }
}
