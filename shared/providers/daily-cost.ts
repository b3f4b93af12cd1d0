import { addDecimal, type Decimal, decimalToInteger, formatDecimal, ZERO } from '../core/decimal.ts';
import { DAY_MS, dayKey } from '../core/time.ts';
import { type DailyCost, NO_SCOPE } from '../ports.ts';
import { ProviderResponseError } from './errors.ts';

/** Where a provider's amounts sit against dollars: micro-dollars = amount × 10^shift. */
export const DOLLARS = 6;
export const CENTS = 4;

/**
 * One provider bucket as a DailyCost: it must be exactly one UTC day. Row amounts are exact
 * decimals, summed exactly per scope and for the day, and each sum is rounded once to the
 * micro-dollar (half away from zero): 10,000 rows of $0.0000001234 make $0.001234, not zero.
 * So a scope's figure and the day's total are each within half a micro-dollar of the truth (the
 * scopes can add up to a micro-dollar or two away from the total; the total is the exact one).
 */
export function dailyCost(
  provider: string,
  what: string,
  start: number,
  end: number,
  items: ReadonlyArray<{ scope: string | null | undefined; amount: Decimal }>,
  shift: number,
): DailyCost {
  if (start % DAY_MS !== 0 || end - start !== DAY_MS) {
    throw new ProviderResponseError(
      provider,
      `${what}: bucket ${new Date(start).toISOString()}..${new Date(end).toISOString()} is not one UTC day`,
    );
  }
  const scopes = new Map<string, Decimal>();
  let total = ZERO;
  for (const { scope, amount } of items) {
    const key = scope || NO_SCOPE;
    scopes.set(key, addDecimal(scopes.get(key) ?? ZERO, amount));
    total = addDecimal(total, amount);
  }
  if (total.units < 0n) {
    // Single rows may be negative (adjustments), but a day of negative spend is not something the
    // ledger models: refuse it loudly rather than store a figure the balance would be wrong with.
    throw new ProviderResponseError(
      provider,
      `${what}: day ${dayKey(start)} totals a negative amount (${formatDecimal(total)} in report units)`,
    );
  }
  const byScope: Record<string, number> = {};
  for (const [key, sum] of scopes) byScope[key] = decimalToInteger(sum, shift);
  return { day: dayKey(start), amountMicros: decimalToInteger(total, shift), byScope };
}

/**
 * Daily buckets of a cost report for [start, end): the live APIs also return the current, still
 * growing UTC day (and may snap or overrun the range), so only whole days inside the range count.
 */
export function completeDays<B>(buckets: readonly B[], start: (b: B) => number, range: { end: Date }): B[] {
  return buckets.filter((b) => start(b) + DAY_MS <= range.end.getTime());
}

/** Exact model first, then the longest table key that prefixes it before a `-` (dated snapshots). */
export function findModel<P>(table: ReadonlyMap<string, P>, model: string): P | undefined {
  const exact = table.get(model);
  if (exact) return exact;
  let best: string | undefined;
  for (const key of table.keys()) {
    if (model.startsWith(`${key}-`) && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table.get(best);
}
