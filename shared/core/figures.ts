import { burnOrderCompare } from './burn-order.ts';
import type { Micros } from './money.ts';
import { type ScopeFigures, scopeFigures } from './projects.ts';
import {
  activationTime,
  applyEvents,
  type DrawRecord,
  type Ledger,
  type LedgerEvent,
  newLedger,
  type RechargeRule,
  type ReplayOptions,
  scaleLedger,
  sortEvents,
} from './replay.ts';
import { type HourSpend, medianDay } from './spike.ts';
import { addUtcMonths, DAY_MS, startOfUtcDay, startOfUtcMonth } from './time.ts';
import type { AutoRecharge, Grant, LedgerInput } from './types.ts';

/**
 * Exact figures at one run instant. Rates are kept as ratios (sum over n days) so that nothing
 * is rounded until output; see `toOutputFigures`.
 */
export interface GrantFigures {
  grant: Grant;
  active: boolean;
  expired: boolean;
  brought: Micros;
  drawn: Micros;
  remainingMicros: Micros;
  expiredMicros: Micros;
  /** At-risk amount × burnDays (exact integer), or null when there is no spend history. */
  atRiskScaled: number | null;
}

/** An exact ratio num / den (den > 0). */
export interface Ratio {
  num: number;
  den: number;
}

export interface Figures {
  at: number;
  /** 00:00 UTC of the day containing `at`. */
  day: number;
  /** At least one input grant, or (with auto-recharge) a recharge grant made by `at`. */
  hasGrants: boolean;
  balanceMicros: Micros;
  overdraftMicros: Micros;
  overdraftClearedMicros: Micros;
  monthToDateMicros: Micros;
  todayMicros: Micros;
  previousMonthMicros: Micros;
  /** Burn rate = burnSumMicros / burnDays per day (0 when burnDays is 0). */
  burnSumMicros: Micros;
  burnDays: number;
  /**
   * The spike rule's `usualDay`: the median of the same burnDays daily buckets (missing days as
   * zero), exact: den 2 when the mean of two middle values is a half micro-dollar; 0 when n is 0.
   */
  usualDay: Ratio;
  /** Days of the month after D (D excluded). */
  daysAfterToday: number;
  /** Sorted by grant id (plain code-unit order); includes the modelled recharge grants. */
  grants: GrantFigures[];
  /** Production only: the spike rule's hour (absent in simulations). */
  hour?: HourSpend;
  /** The account's auto-recharge setting, if any. */
  autoRecharge: AutoRecharge | undefined;
  /**
   * Recharges modelled for buckets starting in D's month plus the entered recharges effective in
   * it by `at` (one charge each): amount and card charges.
   */
  rechargedThisMonthMicros: Micros;
  rechargesThisMonth: number;
  /** rechargedThisMonth + the projected recharges of D..month end (a ratio: scaled by burnDays). */
  forecastRecharges: Ratio;
  /** 00:00 UTC of the first day on/after D's month's first day whose bucket had a recharge refused. */
  rechargeLimitReachedOn: number | null;
  /**
   * With auto-recharge: the runway from the projection (`j* + (b + r) / burnRate`), or null when
   * recharging keeps the account going to the horizon. Undefined without auto-recharge.
   */
  rechargeRunway: Ratio | null | undefined;
  /**
   * Production only (buckets carry a split per project/workspace): every scope's figures, which add
   * up to the account's month-to-date, today and burn sum. Undefined in simulations.
   */
  scopes?: ReadonlyMap<string, ScopeFigures>;
}

/** The auto-recharge setting in the ledger's unit (micro-dollars × scale). */
function rechargeRule(a: AutoRecharge | undefined, scale: number): RechargeRule | undefined {
  if (!a) return undefined;
  return {
    below: a.belowMicros * scale,
    restoreTo: a.toMicros === undefined ? undefined : a.toMicros * scale,
    amount: a.amountMicros === undefined ? undefined : a.amountMicros * scale,
    limit: a.monthlyLimitMicros === undefined ? undefined : a.monthlyLimitMicros * scale,
  };
}

export function computeFigures(input: LedgerInput): Figures {
  const { at } = input;
  const day = startOfUtcDay(at);
  const monthStart = startOfUtcMonth(at);
  const nextMonthStart = addUtcMonths(at, 1);
  const previousMonthStart = addUtcMonths(at, -1);
  const todayMicros = input.todayMicros ?? 0;
  const compare = burnOrderCompare(input.burnOrder);
  const checkpointAt = input.grants.find((g) => g.checkpoint)?.checkpoint?.asOf;
  const ledger = newLedger(input.grants);

  const events: LedgerEvent[] = [];
  let monthToDate = todayMicros;
  let previousMonth = 0;
  let burnSum = 0;
  let earliestStart = Number.POSITIVE_INFINITY;
  // Spend per day of [D − 7 days, D), by bucket start (for the median behind the spike rule).
  const week = [0, 0, 0, 0, 0, 0, 0];
  for (const b of input.buckets) {
    if (b.end > at) continue;
    events.push({ kind: 'draw', at: b.end, start: b.start, amount: b.amountMicros });
    if (b.start < earliestStart) earliestStart = b.start;
    if (b.start >= monthStart) monthToDate += b.amountMicros;
    else if (b.start >= previousMonthStart) previousMonth += b.amountMicros;
    if (b.start >= day - 7 * DAY_MS && b.start < day) {
      burnSum += b.amountMicros;
      const i = Math.floor((b.start - (day - 7 * DAY_MS)) / DAY_MS);
      week[i] = (week[i] ?? 0) + b.amountMicros;
    }
  }
  // The in-progress bucket is [D, at): it draws at `at`.
  if (input.todayMicros !== undefined) events.push({ kind: 'draw', at, start: day, amount: todayMicros });
  for (const g of ledger.all) {
    if (activationTime(g.grant) <= at)
      events.push({ kind: 'activate', at: activationTime(g.grant), grant: g });
  }
  sortEvents(events, compare);

  let rechargedThisMonth = 0;
  let rechargesThisMonth = 0;
  if (input.autoRecharge) {
    for (const g of input.grants) {
      if (
        g.recharge &&
        g.effectiveAt >= monthStart &&
        g.effectiveAt < nextMonthStart &&
        g.effectiveAt <= at
      ) {
        rechargedThisMonth += g.amountMicros;
        rechargesThisMonth += 1;
      }
    }
  }
  let limitReachedOn: number | null = null;
  const onDraw = (r: DrawRecord) => {
    if (r.start < monthStart) return;
    rechargedThisMonth += r.recharged;
    rechargesThisMonth += r.charges;
    if (r.refused && limitReachedOn === null) limitReachedOn = startOfUtcDay(r.start);
  };
  applyEvents(ledger, events, {
    scale: 1,
    compare,
    checkpointAt,
    recharge: rechargeRule(input.autoRecharge, 1),
    onDraw,
  });

  const firstCountedDay = Math.max(day - 7 * DAY_MS, startOfUtcDay(earliestStart));
  const burnDays = Number.isFinite(earliestStart) ? Math.max(0, (day - firstCountedDay) / DAY_MS) : 0;
  const projection =
    burnDays > 0
      ? project(ledger, input, { day, nextMonthStart, burnSum, burnDays, compare, checkpointAt })
      : undefined;
  if (limitReachedOn === null && projection) limitReachedOn = projection.limitReachedOn;

  let balance = -ledger.overdraft;
  const grants = ledger.all.map((g): GrantFigures => {
    const expired = g.grant.expiresAt <= at;
    if (g.active && !expired) balance += g.remaining;
    return {
      grant: g.grant,
      active: g.active,
      expired,
      brought: g.brought,
      drawn: g.drawn,
      remainingMicros: expired ? 0 : g.active ? g.remaining : g.amount,
      expiredMicros: expired ? g.remaining : 0,
      atRiskScaled: projection === undefined ? null : expired ? 0 : (projection.remaining[g.index] ?? 0),
    };
  });
  grants.sort((a, b) => (a.grant.id < b.grant.id ? -1 : a.grant.id > b.grant.id ? 1 : 0));

  const daysAfterToday = (nextMonthStart - day) / DAY_MS - 1;
  const scoped = input.todayByScope !== undefined || input.buckets.some((b) => b.byScope !== undefined);
  const scopes = scoped
    ? scopeFigures({
        frame: { at, day, burnDays, daysAfterToday },
        buckets: input.buckets,
        today: input.todayByScope ?? {},
        todayMicros,
      })
    : undefined;

  return {
    at,
    day,
    hasGrants: ledger.all.length > 0,
    balanceMicros: balance,
    overdraftMicros: ledger.overdraft,
    overdraftClearedMicros: ledger.overdraftCleared,
    monthToDateMicros: monthToDate,
    todayMicros,
    previousMonthMicros: previousMonth,
    burnSumMicros: burnSum,
    burnDays,
    usualDay: medianDay(week.slice(7 - burnDays)),
    daysAfterToday,
    grants,
    ...(input.hour && { hour: input.hour }),
    autoRecharge: input.autoRecharge,
    rechargedThisMonthMicros: rechargedThisMonth,
    rechargesThisMonth,
    forecastRecharges: projection
      ? { num: rechargedThisMonth * burnDays + projection.rechargedToMonthEnd, den: burnDays }
      : { num: rechargedThisMonth, den: 1 },
    rechargeLimitReachedOn: input.autoRecharge?.monthlyLimitMicros === undefined ? null : limitReachedOn,
    rechargeRunway: input.autoRecharge ? (projection?.runway ?? null) : undefined,
    ...(scopes && { scopes }),
  };
}

interface ProjectionContext {
  day: number;
  nextMonthStart: number;
  burnSum: Micros;
  burnDays: number;
  compare: ReplayOptions['compare'];
  checkpointAt: number | undefined;
}

/**
 * Continues the replay with one bucket per UTC day from D, each of the burn rate. Amounts are
 * scaled by burnDays so the fractional burn rate stays an exact integer. Without auto-recharge the
 * buckets run to the latest expiry; with it, to the later of that and D + 365 days. Returns each
 * listed grant's final remaining (scaled, by index in the ledger), the projected recharges of
 * D..month end (scaled), the first day a recharge is refused, and the runway with recharges.
 */
function project(history: Ledger, input: LedgerInput, ctx: ProjectionContext) {
  const { day, burnSum, burnDays: scale } = ctx;
  const ledger = scaleLedger(history, scale);
  const listed = ledger.all.length;
  const events: LedgerEvent[] = [];
  let horizon = Number.NEGATIVE_INFINITY;
  for (const g of ledger.all) {
    horizon = Math.max(horizon, g.grant.expiresAt);
    if (!g.active) events.push({ kind: 'activate', at: activationTime(g.grant), grant: g });
  }
  if (input.autoRecharge) horizon = Math.max(horizon, day + 365 * DAY_MS);
  const today = (input.todayMicros ?? 0) * scale;
  for (let start = day; start < horizon; start += DAY_MS) {
    const amount = start === day ? Math.max(0, burnSum - today) : burnSum;
    events.push({ kind: 'draw', at: start + DAY_MS, start, amount });
  }
  sortEvents(events, ctx.compare);

  let rechargedToMonthEnd = 0;
  let limitReachedOn: number | null = null;
  let runway: Ratio | null = null;
  applyEvents(ledger, events, {
    scale,
    compare: ctx.compare,
    checkpointAt: ctx.checkpointAt,
    recharge: rechargeRule(input.autoRecharge, scale),
    onDraw: (r) => {
      if (r.start < ctx.nextMonthStart) rechargedToMonthEnd += r.recharged;
      if (r.refused && limitReachedOn === null) limitReachedOn = r.start;
      if (runway === null && r.balanceBefore + r.recharged - r.amount <= 0 && burnSum > 0) {
        const j = (r.start - day) / DAY_MS;
        runway = { num: j * burnSum + r.balanceBefore + r.recharged, den: burnSum };
      }
    },
  });
  return {
    remaining: ledger.all.slice(0, listed).map((g) => g.remaining),
    rechargedToMonthEnd,
    limitReachedOn: limitReachedOn as number | null,
    runway: runway as Ratio | null,
  };
}
