import { forecastMonthEnd, runway } from './derived.ts';
import type { Figures } from './figures.ts';
import { usdToMicros } from './money.ts';
import { spikeKey } from './spike.ts';
import { addUtcMonths, DAY_MS, monthKey, startOfUtcMonth } from './time.ts';
import type { AlertPolicy } from './types.ts';

export type AlertKind =
  | 'budget'
  | 'forecast'
  | 'low-balance'
  | 'runway'
  | 'expiry'
  | 'exhausted'
  | 'recharge-limit'
  | 'spike';

export const ALERT_KINDS: readonly AlertKind[] = [
  'budget',
  'forecast',
  'low-balance',
  'runway',
  'expiry',
  'exhausted',
  'recharge-limit',
  'spike',
];

/** A key whose condition holds at this run. `threshold` is p, t, d or N; `month` is YYYY-MM. */
export interface AlertCandidate {
  kind: AlertKind;
  key: string;
  threshold?: number;
  month?: string;
  grantId?: string;
  /** spike: the UTC day (YYYY-MM-DD). */
  day?: string;
}

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
  const spike = spikeKey(f.hour, f.usualDay, policy.spike);
  if (spike) out.push({ kind: 'spike', key: spike, day: spike.slice(6) });
  if (policy.monthlyBudgetUsd !== undefined) {
    const budget = usdToMicros(policy.monthlyBudgetUsd);
    const months: Array<[string, number]> = [[monthKey(f.at), f.monthToDateMicros]];
    // The previous month only while D is one of the first 3 days of its month.
    if (f.day < startOfUtcMonth(f.at) + 3 * DAY_MS)
      months.push([monthKey(addUtcMonths(f.at, -1)), f.previousMonthMicros]);
    for (const [month, spend] of months) {
      for (const p of policy.budgetAlertPercents) {
        if (spend * 100 >= budget * p)
          out.push({ kind: 'budget', key: `budget:${month}:${p}`, threshold: p, month });
      }
    }
    const forecast = forecastMonthEnd(f);
    if (policy.forecastAlert && forecast.num >= budget * forecast.den) {
      const month = monthKey(f.at);
      out.push({ kind: 'forecast', key: `forecast:${month}`, month });
    }
  }
  // rechargeLimitReachedOn is null without a monthly limit; it may be a later day (the projection's).
  const reached = f.rechargeLimitReachedOn;
  if (reached !== null && reached >= startOfUtcMonth(f.at) && reached < addUtcMonths(f.at, 1)) {
    const month = monthKey(f.at);
    out.push({ kind: 'recharge-limit', key: `recharge-limit:${month}`, month });
  }
  if (!f.hasGrants) return out;
  for (const t of policy.lowBalanceUsd) {
    if (f.balanceMicros < usdToMicros(t))
      out.push({ kind: 'low-balance', key: `low-balance:${t}`, threshold: t });
  }
  const days = runway(f);
  const n = policy.lowRunwayDays;
  if (n !== undefined && days !== null && days.num < n * days.den) {
    out.push({ kind: 'runway', key: `runway:${n}`, threshold: n });
  }
  for (const g of f.grants) {
    if (!g.active || g.expired || g.remainingMicros < 10_000) continue;
    // A grant the burn rate will use up in time (less than a cent at risk) gets no warning.
    if (g.atRiskScaled !== null && g.atRiskScaled < 10_000 * f.burnDays) continue;
    for (const d of policy.expiryWarningDays) {
      if (f.at >= g.grant.expiresAt - d * DAY_MS) {
        out.push({ kind: 'expiry', key: `expiry:${g.grant.id}:${d}`, threshold: d, grantId: g.grant.id });
      }
    }
  }
  if (f.balanceMicros <= 0) out.push({ kind: 'exhausted', key: 'exhausted' });
  return out;
}

/** The kind of a key (its text before the first colon). */
export function alertKindOf(key: string): AlertKind | undefined {
  const kind = key.split(':', 1)[0];
  return ALERT_KINDS.find((k) => k === kind);
}

function rearmHolds(key: string, f: Figures): boolean {
  const kind = alertKindOf(key);
  const param = Number(key.slice(key.indexOf(':') + 1));
  switch (kind) {
    case 'low-balance':
      return Number.isFinite(param) && f.balanceMicros >= usdToMicros(param);
    case 'runway': {
      const days = runway(f);
      return Number.isFinite(param) && (days === null || days.num >= param * days.den);
    }
    case 'exhausted':
      return f.balanceMicros > 0;
    default:
      return false;
  }
}

/** Rebuilds a candidate's details from its stable key (for delivering a key stored earlier). */
export function parseAlertKey(key: string): AlertCandidate | undefined {
  const kind = alertKindOf(key);
  const parts = key.split(':');
  switch (kind) {
    case 'budget':
      return { kind, key, month: parts[1], threshold: Number(parts[2]) };
    case 'forecast':
      return { kind, key, month: parts[1] };
    case 'low-balance':
    case 'runway':
      return { kind, key, threshold: Number(parts[1]) };
    case 'expiry':
      // Grant ids may contain ':'; the days are always the last part.
      return { kind, key, grantId: parts.slice(1, -1).join(':'), threshold: Number(parts.at(-1)) };
    case 'exhausted':
      return { kind, key };
    case 'spike':
      return { kind, key, day: parts[1] };
    case 'recharge-limit':
      return { kind, key, month: parts[1] };
    default:
      return undefined;
  }
}
