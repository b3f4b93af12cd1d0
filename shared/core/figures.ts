import { sortByBurnOrder } from './burn-order.ts';
import type { Micros } from './money.ts';
import {
  activationTime,
  applyEvents,
  compareEvents,
  type LedgerEvent,
  type LedgerState,
  newLedgerState,
} from './replay.ts';
import type { HourSpend } from './spike.ts';
import { addUtcMonths, DAY_MS, startOfUtcDay, startOfUtcMonth } from './time.ts';
import type { Grant, LedgerInput } from './types.ts';

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

export interface Figures {
  at: number;
  /** 00:00 UTC of the day containing `at`. */
  day: number;
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
  /** Days of the month after D (D excluded). */
  daysAfterToday: number;
  /** Sorted by grant id. */
  grants: GrantFigures[];
  /** Production only: the spike rule's hour (absent in simulations). */
  hour?: HourSpend;
}

export function computeFigures(input: LedgerInput): Figures {
  const { at } = input;
  const day = startOfUtcDay(at);
  const monthStart = startOfUtcMonth(at);
  const previousMonthStart = addUtcMonths(at, -1);
  const todayMicros = input.todayMicros ?? 0;
  const ordered = sortByBurnOrder(input.grants, input.burnOrder);

  const events: LedgerEvent[] = [];
  let monthToDate = todayMicros;
  let previousMonth = 0;
  let burnSum = 0;
  let earliestStart = Number.POSITIVE_INFINITY;
  for (const b of input.buckets) {
    if (b.end > at) continue;
    events.push({ kind: 'draw', at: b.end, start: b.start, amount: b.amountMicros });
    if (b.start < earliestStart) earliestStart = b.start;
    if (b.start >= monthStart) monthToDate += b.amountMicros;
    else if (b.start >= previousMonthStart) previousMonth += b.amountMicros;
    if (b.start >= day - 7 * DAY_MS && b.start < day) burnSum += b.amountMicros;
  }
  if (input.todayMicros !== undefined) events.push({ kind: 'draw', at, start: day, amount: todayMicros });
  ordered.forEach((g, index) => {
    const t = activationTime(g);
    if (t <= at) events.push({ kind: 'activate', at: t, index });
  });
  events.sort(compareEvents);
  const state = newLedgerState(ordered);
  applyEvents(state, events, 1);

  const firstCountedDay = Math.max(day - 7 * DAY_MS, startOfUtcDay(earliestStart));
  const burnDays = Number.isFinite(earliestStart) ? Math.max(0, (day - firstCountedDay) / DAY_MS) : 0;
  const atRisk = burnDays > 0 ? projectAtRisk(state, input, day, burnSum, burnDays) : undefined;

  let balance = -state.overdraft;
  const grants = state.grants.map((g, index): GrantFigures => {
    const expired = g.grant.expiresAt <= at;
    if (g.active && !expired) balance += g.remaining;
    const willBring = g.grant.checkpoint ? g.grant.checkpoint.remainingMicros : g.grant.amountMicros;
    return {
      grant: g.grant,
      active: g.active,
      expired,
      brought: g.brought,
      drawn: g.drawn,
      remainingMicros: expired ? 0 : g.active ? g.remaining : willBring,
      expiredMicros: expired ? g.remaining : 0,
      atRiskScaled: atRisk === undefined ? null : expired ? 0 : (atRisk[index] ?? 0),
    };
  });
  grants.sort((a, b) => (a.grant.id < b.grant.id ? -1 : a.grant.id > b.grant.id ? 1 : 0));

  const nextMonthStart = addUtcMonths(at, 1);
  return {
    at,
    day,
    hasGrants: input.grants.length > 0,
    balanceMicros: balance,
    overdraftMicros: state.overdraft,
    overdraftClearedMicros: state.overdraftCleared,
    monthToDateMicros: monthToDate,
    todayMicros,
    previousMonthMicros: previousMonth,
    burnSumMicros: burnSum,
    burnDays,
    daysAfterToday: (nextMonthStart - day) / DAY_MS - 1,
    grants,
    ...(input.hour && { hour: input.hour }),
  };
}

/**
 * Continues the replay with one bucket per UTC day from D, each of the burn rate, until the latest
 * expiry. Amounts are scaled by burnDays so the fractional burn rate stays an exact integer.
 * Returns each grant's final remaining (scaled), indexed in burn order.
 */
function projectAtRisk(
  history: LedgerState,
  input: LedgerInput,
  day: number,
  burnSum: Micros,
  burnDays: number,
): number[] {
  const scale = burnDays;
  const state: LedgerState = {
    grants: history.grants.map((g) => ({
      ...g,
      brought: g.brought * scale,
      remaining: g.remaining * scale,
      drawn: g.drawn * scale,
    })),
    overdraft: history.overdraft * scale,
    overdraftCleared: history.overdraftCleared * scale,
  };
  const events: LedgerEvent[] = [];
  let latestExpiry = Number.NEGATIVE_INFINITY;
  state.grants.forEach((g, index) => {
    latestExpiry = Math.max(latestExpiry, g.grant.expiresAt);
    if (!g.active) events.push({ kind: 'activate', at: activationTime(g.grant), index });
  });
  const today = (input.todayMicros ?? 0) * scale;
  for (let start = day; start < latestExpiry; start += DAY_MS) {
    const amount = start === day ? Math.max(0, burnSum - today) : burnSum;
    events.push({ kind: 'draw', at: start + DAY_MS, start, amount });
  }
  events.sort(compareEvents);
  applyEvents(state, events, scale);
  return state.grants.map((g) => g.remaining);
}
