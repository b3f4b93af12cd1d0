import type { PriceKey, Prices } from './prices.ts';

/** Billable units (requests, GB-seconds, GB, items): how many of each priced unit. */
export type Usage = Partial<Record<PriceKey, number>>;

/** AWS prices a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/**
 * What a deployment uses, split by what it grows with. Measured per account (a few real ones) and
 * extrapolated linearly; only the sync's invocations grow by batches (ceil(accounts / batchSize)).
 */
export interface Workload {
  /** Each scheduled run, whatever the number of accounts (the schedule firing, the dispatch). */
  perRun: Usage;
  /** Each scheduled run, per account (its sync). */
  perAccountRun: Usage;
  /** Each sync invocation (one per batch of up to `batchSize` accounts and run). */
  perSyncInvocation: Usage;
  batchSize: number;
  /** Each hour, whatever the number of accounts (the upkeep's schedule and invocation). */
  perHour: Usage;
  /** Each hour, per account (its upkeep: the due hour and the others averaged). */
  perAccountHour: Usage;
  /** Each month, whatever the number of accounts (keys, secrets, alarms, dashboard, metrics). */
  perMonth: Usage;
  /** Each month, per account (its admin-key secret, its items stored, its emails). */
  perAccountMonth: Usage;
}

export const runsPerMonth = (periodMinutes: number): number => (HOURS_PER_MONTH * 60) / periodMinutes;

/** Lambda bills the configured memory for the time the handler (and the init) ran. */
export const gbSeconds = (ms: number, memoryMb: number): number => (ms / 1000) * (memoryMb / 1024);

export const GB = 1024 ** 3;

/** Adds `times` × each unit of `b` into `a` (a new object). */
export function addUsage(a: Usage, b: Usage, times = 1): Usage {
  const out: Usage = { ...a };
  for (const [key, value] of Object.entries(b) as Array<[PriceKey, number]>)
    out[key] = (out[key] ?? 0) + value * times;
  return out;
}

/** One month's units for `accounts` accounts on a schedule of `periodMinutes`. */
export function monthlyUsage(w: Workload, accounts: number, periodMinutes: number): Usage {
  const runs = runsPerMonth(periodMinutes);
  const invocations = runs * Math.ceil(accounts / w.batchSize);
  let u = addUsage({}, w.perMonth);
  u = addUsage(u, w.perAccountMonth, accounts);
  u = addUsage(u, w.perRun, runs);
  u = addUsage(u, w.perAccountRun, runs * accounts);
  u = addUsage(u, w.perSyncInvocation, invocations);
  u = addUsage(u, w.perHour, HOURS_PER_MONTH);
  return addUsage(u, w.perAccountHour, HOURS_PER_MONTH * accounts);
}

/** Dollars per priced item. */
export function priced(usage: Usage, prices: Prices): Partial<Record<PriceKey, number>> {
  const out: Partial<Record<PriceKey, number>> = {};
  for (const [key, units] of Object.entries(usage) as Array<[PriceKey, number]>)
    out[key] = units * prices[key];
  return out;
}

export const total = (costs: Partial<Record<PriceKey, number>>): number =>
  Object.values(costs).reduce((a, b) => a + (b ?? 0), 0);

export interface CostRow {
  accounts: number;
  periodMinutes: number;
  /** What the stack costs with no account at all. */
  fixed: number;
  /** (total − fixed) / accounts. */
  perAccount: number;
  total: number;
}

export function costRow(w: Workload, prices: Prices, accounts: number, periodMinutes: number): CostRow {
  const all = total(priced(monthlyUsage(w, accounts, periodMinutes), prices));
  const fixed = total(priced(monthlyUsage(w, 0, periodMinutes), prices));
  return {
    accounts,
    periodMinutes,
    fixed,
    perAccount: accounts > 0 ? (all - fixed) / accounts : 0,
    total: all,
  };
}

/** The items of one month's bill, largest first, each with its share of the total. */
export function breakdown(
  w: Workload,
  prices: Prices,
  accounts: number,
  periodMinutes: number,
): Array<{ item: PriceKey; usd: number; share: number }> {
  const costs = priced(monthlyUsage(w, accounts, periodMinutes), prices);
  const sum = total(costs);
  return (Object.entries(costs) as Array<[PriceKey, number]>)
    .map(([item, usd]) => ({ item, usd, share: sum > 0 ? usd / sum : 0 }))
    .sort((a, b) => b.usd - a.usd);
}

/** $0.0042 → "0.0042", $12.3 → "12.30": cents above a dollar, 2 significant digits below. */
export function usd(value: number): string {
  if (value >= 1 || value === 0) return value.toFixed(2);
  return value.toPrecision(2);
}
