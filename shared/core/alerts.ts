import { type AlertCandidate, candidate, parseKey } from './alert-keys.ts';
import { forecastMonthEnd, runway } from './derived.ts';
import type { Figures } from './figures.ts';
import { usdToMicros } from './money.ts';
import { emptyScope } from './projects.ts';
import { spikeDay } from './spike.ts';
import { addUtcMonths, DAY_MS, monthKey, startOfUtcMonth } from './time.ts';
import type { AlertPolicy, ProjectAlertPolicy } from './types.ts';

export type { AlertCandidate, AlertKind } from './alert-keys.ts';
export { ALERT_KINDS, alertKindOf, parseKey as parseAlertKey } from './alert-keys.ts';

export interface AlertEvaluation {
  /** Armed keys whose condition holds: they fire now. */
  fired: AlertCandidate[];
  /** Disarmed keys whose re-arm condition holds: armed again from this run on. */
  rearmed: string[];
  /** The disarmed keys after this run. */
  disarmed: Set<string>;
}

/**
 * Applies the alert table of the ledger spec: every key starts armed, fires once when its condition
 * holds, and (for the kinds that re-arm) is armed again by a later run in which its re-arm condition
 * holds. Fire and re-arm conditions of one key exclude each other, so their order does not matter.
 */
export function evaluateAlerts(
  f: Figures,
  policy: AlertPolicy,
  disarmed: ReadonlySet<string>,
): AlertEvaluation {
  const next = new Set(disarmed);
  const rearmed = [...disarmed].filter((key) => rearmHolds(key, f));
  for (const key of rearmed) next.delete(key);
  const fired = alertConditions(f, policy).filter((c) => !next.has(c.key));
  for (const c of fired) next.add(c.key);
  return { fired, rearmed, disarmed: next };
}

/** Every key whose condition holds at this run, armed or not. */
export function alertConditions(f: Figures, policy: AlertPolicy): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  const spike = spikeDay(f.hour, f.usualDay, policy.spike);
  if (spike) out.push(candidate({ kind: 'spike', day: spike }));
  if (policy.monthlyBudgetUsd !== undefined) {
    const budget = usdToMicros(policy.monthlyBudgetUsd);
    for (const [month, spend] of budgetMonths(f, f.monthToDateMicros, f.previousMonthMicros)) {
      for (const p of policy.budgetAlertPercents) {
        if (spend * 100 >= budget * p) out.push(candidate({ kind: 'budget', month, threshold: p }));
      }
    }
    const forecast = forecastMonthEnd(f);
    if (policy.forecastAlert && forecast.num >= budget * forecast.den) {
      out.push(candidate({ kind: 'forecast', month: monthKey(f.at) }));
    }
  }
  out.push(...projectConditions(f, policy.projects ?? []));
  // rechargeLimitReachedOn is null without a monthly limit; it may be a later day (the projection's).
  const reached = f.rechargeLimitReachedOn;
  if (reached !== null && reached >= startOfUtcMonth(f.at) && reached < addUtcMonths(f.at, 1)) {
    out.push(candidate({ kind: 'recharge-limit', month: monthKey(f.at) }));
  }
  if (!f.hasGrants) return out;
  for (const t of policy.lowBalanceUsd) {
    if (f.balanceMicros < usdToMicros(t)) out.push(candidate({ kind: 'low-balance', threshold: t }));
  }
  const days = runway(f);
  const n = policy.lowRunwayDays;
  if (n !== undefined && days !== null && days.num < n * days.den) {
    out.push(candidate({ kind: 'runway', threshold: n }));
  }
  for (const g of f.grants) {
    if (!g.active || g.expired || g.remainingMicros < 10_000) continue;
    // A grant the burn rate will use up in time (less than a cent at risk) gets no warning.
    if (g.atRiskScaled !== null && g.atRiskScaled < 10_000 * f.burnDays) continue;
    for (const d of policy.expiryWarningDays) {
      if (f.at >= g.grant.expiresAt - d * DAY_MS) {
        out.push(candidate({ kind: 'expiry', grantId: g.grant.id, threshold: d }));
      }
    }
  }
  if (f.balanceMicros <= 0) out.push(candidate({ kind: 'exhausted' }));
  return out;
}

/**
 * The months whose budget keys can fire at this run, with their spend: D's month, and the month
 * before while D is one of the first 3 days of its month.
 */
function budgetMonths(f: Figures, monthToDate: number, previousMonth: number): Array<[string, number]> {
  const months: Array<[string, number]> = [[monthKey(f.at), monthToDate]];
  if (f.day < startOfUtcMonth(f.at) + 3 * DAY_MS)
    months.push([monthKey(addUtcMonths(f.at, -1)), previousMonth]);
  return months;
}

/**
 * Each configured project with a budget: `project-budget:<id>:YYYY-MM:p` and
 * `project-forecast:<id>:YYYY-MM`, by the account's rules applied to the project's part of the
 * spend. Without a per-project split (simulations) every project spends nothing.
 */
function projectConditions(f: Figures, projects: readonly ProjectAlertPolicy[]): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  for (const p of projects) {
    if (p.monthlyBudgetUsd === undefined) continue;
    const budget = usdToMicros(p.monthlyBudgetUsd);
    const s = f.scopes?.get(p.scope) ?? emptyScope(p.scope, f);
    for (const [month, spend] of budgetMonths(f, s.monthToDateMicros, s.previousMonthMicros)) {
      for (const percent of p.budgetAlertPercents) {
        if (spend * 100 >= budget * percent)
          out.push(candidate({ kind: 'project-budget', projectId: p.id, month, threshold: percent }));
      }
    }
    const forecast = forecastMonthEnd(s);
    if (p.forecastAlert && forecast.num >= budget * forecast.den) {
      out.push(candidate({ kind: 'project-forecast', projectId: p.id, month: monthKey(f.at) }));
    }
  }
  return out;
}

function rearmHolds(key: string, f: Figures): boolean {
  const k = parseKey(key);
  switch (k?.kind) {
    case 'low-balance':
      return f.balanceMicros >= usdToMicros(k.threshold);
    case 'runway': {
      const days = runway(f);
      return days === null || days.num >= k.threshold * days.den;
    }
    case 'exhausted':
      return f.balanceMicros > 0;
    default:
      return false;
  }
}
