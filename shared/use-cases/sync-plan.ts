import { activationTime } from '../core/replay.ts';
import { addUtcMonths, DAY_MS, dayKey, startOfUtcDay } from '../core/time.ts';
import type { CostBucket, Grant } from '../core/types.ts';
import type { CostDayRecord, DailyCost } from '../ports.ts';

/**
 * Stored days read again on every sync, per provider, because the provider revises past days
 * (shared/providers/LIVE.md). A day is re-read on every run until it is this many days older
 * than the newest stored day, so it is watched for about LOOKBACK + 1 days after it ends.
 * - OpenAI: data lands "within 24 hours"; clients re-read 3 days. 3 leaves two days of margin.
 * - Anthropic: "typically within 4 hours, occasionally up to 24", one integration moved to
 *   24–48 h, and corrections keep arriving after a day ends: 4 keeps two days of margin beyond
 *   the 48 h worst case. It costs one more bucket per request, still a single page.
 */
export const LOOKBACK_DAYS = { openai: 3, anthropic: 4 } as const;
const DEFAULT_LOOKBACK_DAYS = 3;

const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * The whole UTC days of actual cost to fetch: everything the ledger needs that is not stored yet
 * (from the earliest grant activation, or the start of last month for budgets), plus the last
 * `lookbackDays` stored days again because the provider revises recent days.
 */
export function costWindow(input: {
  now: number;
  lookbackDays?: number;
  grants: readonly Grant[];
  costsFrom?: string | undefined;
  costsThrough?: string | undefined;
}): { start: number; end: number } {
  const today = startOfUtcDay(input.now);
  let needed = addUtcMonths(input.now, -1);
  for (const g of input.grants) needed = Math.min(needed, startOfUtcDay(activationTime(g)));
  const storedFrom = input.costsFrom ? dayStart(input.costsFrom) : undefined;
  const storedThrough = input.costsThrough ? dayStart(input.costsThrough) : undefined;
  let start = needed;
  if (storedFrom !== undefined && storedThrough !== undefined && storedFrom <= needed) {
    start = Math.max(needed, storedThrough - (input.lookbackDays ?? DEFAULT_LOOKBACK_DAYS) * DAY_MS);
  }
  return { start: Math.min(start, today), end: today };
}

/** Records to write: fetched days whose figure differs from what is stored. */
export function changedDays(
  stored: readonly CostDayRecord[],
  fetched: readonly CostDayRecord[],
): CostDayRecord[] {
  const byDay = new Map(stored.map((r) => [r.day, r]));
  return fetched.filter((r) => {
    const old = byDay.get(r.day);
    return (
      !old ||
      old.kind !== r.kind ||
      old.amountMicros !== r.amountMicros ||
      !sameScopes(old.byScope, r.byScope)
    );
  });
}

function sameScopes(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function actualRecord(cost: DailyCost, fetchedAt: string): CostDayRecord {
  return { day: cost.day, amountMicros: cost.amountMicros, byScope: cost.byScope, kind: 'actual', fetchedAt };
}

/**
 * Merges stored and fetched days (fetched wins) into ledger buckets for the days before today,
 * each with its split per project/workspace, and today's in-progress amount and split. An
 * estimate left on a past day (the cost report has not covered it yet) still counts: it is the
 * best figure there is until the actual arrives.
 */
export function ledgerBuckets(records: readonly CostDayRecord[], now: number) {
  const today = dayKey(now);
  const byDay = new Map<string, CostDayRecord>();
  for (const r of records) byDay.set(r.day, r);
  const buckets: CostBucket[] = [];
  let todayMicros = 0;
  let todayByScope: Record<string, number> = {};
  let estimateDays = 0;
  for (const r of byDay.values()) {
    if (r.day === today) {
      todayMicros = r.amountMicros;
      todayByScope = r.byScope;
      continue;
    }
    if (r.day > today) continue;
    if (r.kind === 'estimate') estimateDays++;
    const start = dayStart(r.day);
    buckets.push({ start, end: start + DAY_MS, amountMicros: r.amountMicros, byScope: r.byScope });
  }
  return { buckets, todayMicros, todayByScope, estimateDays, merged: byDay };
}

/**
 * The cost report can lag: just after midnight it may show yesterday at less than what the hourly
 * usage already priced. Until a day is two days old, an actual lower than the stored estimate does
 * not replace it (the balance would jump up, re-arm low-balance alerts and fire them again later).
 */
export function keepLateEstimates(
  stored: readonly CostDayRecord[],
  fetched: CostDayRecord[],
  now: number,
): CostDayRecord[] {
  const settled = dayKey(startOfUtcDay(now) - 2 * DAY_MS);
  const estimates = new Map(stored.filter((r) => r.kind === 'estimate').map((r) => [r.day, r]));
  return fetched.map((r) => {
    const estimate = estimates.get(r.day);
    return estimate && r.day > settled && r.amountMicros < estimate.amountMicros ? estimate : r;
  });
}
