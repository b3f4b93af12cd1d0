import type { Ratio } from './figures.ts';
import type { Micros } from './money.ts';
import { addUtcMonths, DAY_MS, startOfUtcMonth } from './time.ts';

/**
 * Per-project figures (LEDGER.md, "Projects"): a project's daily spend is its part of each daily
 * cost bucket (the cost report grouped by project/workspace); its month-to-date, burn rate and
 * month-end forecast follow the account's formulas with the account's `n`, and today's in-progress
 * part comes from the hourly usage grouped by project. Pure: no I/O, the clock is `at`.
 */

/** Spend in a bucket that no project/workspace id was given for (the cost report's null). */
export const UNATTRIBUTED = '(none)';

/** A cost bucket with its split per scope (project or workspace id). */
export interface ScopedBucket {
  start: number;
  end: number;
  amountMicros: Micros;
  /**
   * May be empty or absent (nothing known: all unattributed) or round to a micro-dollar or two off
   * the total.
   */
  byScope?: Readonly<Record<string, Micros>> | undefined;
}

/** What the account's figures already fixed: the run instant, D, the burn-rate `n`, days after D. */
export interface AccountFrame {
  at: number;
  day: number;
  burnDays: number;
  daysAfterToday: number;
}

/** One scope's figures at `at`, in the shape the account's forecast formula reads. */
export interface ScopeFigures {
  scope: string;
  monthToDateMicros: Micros;
  todayMicros: Micros;
  previousMonthMicros: Micros;
  /** Its part of the buckets in [D − 7 days, D); the burn rate is burnSumMicros / burnDays. */
  burnSumMicros: Micros;
  burnDays: number;
  daysAfterToday: number;
}

/**
 * A bucket's parts, made to add up to its amount exactly: each part was rounded on its own, so the
 * difference (a micro-dollar or two) is spread one micro-dollar at a time over the largest parts
 * (ties by scope name), round and round, never taking a part below zero (what is still owed when
 * every part is zero goes to UNATTRIBUTED). An empty split puts the whole bucket under
 * UNATTRIBUTED. Whole rounds are applied at once, so a hand-edited amount far from its split costs
 * a few passes over the scopes, not one step per micro-dollar.
 */
export function bucketParts(
  amountMicros: Micros,
  byScope: Readonly<Record<string, Micros>>,
): Map<string, Micros> {
  const entries = Object.entries(byScope).filter(([, v]) => v !== 0);
  if (entries.length === 0) return amountMicros === 0 ? new Map() : new Map([[UNATTRIBUTED, amountMicros]]);
  const parts = new Map(entries);
  let diff = amountMicros - entries.reduce((sum, [, v]) => sum + v, 0);
  const order = entries
    .map(([k]) => k)
    .sort((a, b) => (parts.get(b) ?? 0) - (parts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const add = (k: string, micros: number) => {
    parts.set(k, (parts.get(k) ?? 0) + micros);
  };
  if (diff > 0) {
    // Every part gets the whole rounds; the first `diff mod n` one more.
    const rounds = Math.floor(diff / order.length);
    const extra = diff % order.length;
    for (const [i, k] of order.entries()) add(k, rounds + (i < extra ? 1 : 0));
    return parts;
  }
  while (diff < 0) {
    const active = order.filter((k) => (parts.get(k) ?? 0) > 0);
    if (active.length === 0) {
      add(UNATTRIBUTED, diff);
      break;
    }
    // Whole rounds take one from every part still above zero, as long as none would go below.
    const rounds = Math.min(Math.floor(-diff / active.length), ...active.map((k) => parts.get(k) ?? 0));
    if (rounds === 0) {
      // Fewer micro-dollars left than parts: one from each, largest first.
      for (const k of active.slice(0, -diff)) add(k, -1);
      break;
    }
    for (const k of active) add(k, -rounds);
    diff += rounds * active.length;
  }
  return parts;
}

/**
 * Every scope's figures at `at` from the visible buckets (`end <= at`) and today's in-progress
 * split. The scopes' figures add up to the account's month-to-date, today and burn sum exactly.
 */
export function scopeFigures(input: {
  frame: AccountFrame;
  buckets: readonly ScopedBucket[];
  /** Today's in-progress spend per scope (production; empty in simulations). */
  today: Readonly<Record<string, Micros>>;
  todayMicros: Micros;
}): Map<string, ScopeFigures> {
  const { frame } = input;
  const monthStart = startOfUtcMonth(frame.at);
  const previousMonthStart = addUtcMonths(frame.at, -1);
  const out = new Map<string, ScopeFigures>();
  const get = (scope: string): ScopeFigures => {
    let f = out.get(scope);
    if (!f) {
      f = {
        scope,
        monthToDateMicros: 0,
        todayMicros: 0,
        previousMonthMicros: 0,
        burnSumMicros: 0,
        burnDays: frame.burnDays,
        daysAfterToday: frame.daysAfterToday,
      };
      out.set(scope, f);
    }
    return f;
  };
  // Older buckets count toward no figure here: skip them before splitting (years of history).
  const from = Math.min(previousMonthStart, frame.day - 7 * DAY_MS);
  for (const b of input.buckets) {
    if (b.end > frame.at || b.start < from) continue;
    for (const [scope, micros] of bucketParts(b.amountMicros, b.byScope ?? {})) {
      const f = get(scope);
      if (b.start >= monthStart) f.monthToDateMicros += micros;
      else if (b.start >= previousMonthStart) f.previousMonthMicros += micros;
      if (b.start >= frame.day - 7 * DAY_MS && b.start < frame.day) f.burnSumMicros += micros;
    }
  }
  for (const [scope, micros] of bucketParts(input.todayMicros, input.today)) {
    const f = get(scope);
    f.todayMicros += micros;
    f.monthToDateMicros += micros;
  }
  return out;
}

/** A scope with no spend at all in the window: every figure zero. */
export function emptyScope(scope: string, frame: AccountFrame): ScopeFigures {
  return {
    scope,
    monthToDateMicros: 0,
    todayMicros: 0,
    previousMonthMicros: 0,
    burnSumMicros: 0,
    burnDays: frame.burnDays,
    daysAfterToday: frame.daysAfterToday,
  };
}

/** The scope's burn rate per day as a ratio, or null with no spend history (n = 0). */
export function scopeBurnRate(f: ScopeFigures): Ratio | null {
  return f.burnDays > 0 ? { num: f.burnSumMicros, den: f.burnDays } : null;
}
