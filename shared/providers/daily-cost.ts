import { DAY_MS, dayKey } from '../core/time.ts';
import { type DailyCost, NO_SCOPE } from '../ports.ts';
import { ProviderResponseError } from './errors.ts';

/** One provider bucket as a DailyCost: it must be exactly one UTC day; amounts are summed per scope. */
export function dailyCost(
  provider: string,
  what: string,
  start: number,
  end: number,
  items: ReadonlyArray<{ scope: string | null | undefined; micros: number }>,
): DailyCost {
  if (start % DAY_MS !== 0 || end - start !== DAY_MS) {
    throw new ProviderResponseError(
      provider,
      `${what}: bucket ${new Date(start).toISOString()}..${new Date(end).toISOString()} is not one UTC day`,
    );
  }
  const byScope: Record<string, number> = {};
  let amountMicros = 0;
  for (const { scope, micros } of items) {
    const key = scope || NO_SCOPE;
    byScope[key] = (byScope[key] ?? 0) + micros;
    amountMicros += micros;
  }
  return { day: dayKey(start), amountMicros, byScope };
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
