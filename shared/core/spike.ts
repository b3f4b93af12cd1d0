import { decimalToInteger, parseDecimal } from './decimal.ts';
import type { Micros } from './money.ts';
import { dayKey } from './time.ts';

/**
 * The runaway-spend `spike` rule (ledger spec, alert table, production only): fires
 * `spike:YYYY-MM-DD` (the UTC day of the hour that fired it) when
 * hourSpend >= max(minUsd, factor × usualDay / 24), where hourSpend is the larger of the last
 * complete UTC hour before `at` and the hour in progress so far, priced from the provider's hourly
 * usage, and usualDay is the median of the burn rate's daily buckets (one runaway day does not
 * raise the bar for the next week, as a mean would). Never re-arms: a new day is a new key. Pure.
 */
export const HOUR_MS = 3_600_000;

export interface SpikePolicy {
  factor: number;
  minUsd: number;
}

export const DEFAULT_SPIKE_POLICY: SpikePolicy = { factor: 5, minUsd: 10 };

/** One UTC hour of priced usage, with what drove it. */
export interface HourSpend {
  /** Epoch ms of the hour's start (UTC). */
  start: number;
  amountMicros: Micros;
  /** Per project (OpenAI) or workspace (Anthropic). */
  byScope: Record<string, Micros>;
  byModel: Record<string, Micros>;
  /** Models seen in this hour that the price table does not know: not counted, never a silent zero. */
  unknownModels: string[];
}

/** The last complete UTC hour before `at` and the hour in progress: [start, end) of both. */
export function spikeWindow(at: number): { lastComplete: number; inProgress: number } {
  const inProgress = Math.floor(at / HOUR_MS) * HOUR_MS;
  return { lastComplete: inProgress - HOUR_MS, inProgress };
}

/**
 * hourSpend at `at`: the larger of the last complete hour and the hour in progress (the complete
 * one on a tie). Hours missing from the usage count as zero spend.
 */
export function pickSpikeHour(
  hours: ReadonlyArray<{ start: number } & Omit<HourSpend, 'start'>>,
  at: number,
): HourSpend {
  const { lastComplete, inProgress } = spikeWindow(at);
  const find = (start: number): HourSpend => {
    const h = hours.find((x) => x.start === start);
    return h
      ? {
          start,
          amountMicros: h.amountMicros,
          byScope: h.byScope,
          byModel: h.byModel,
          unknownModels: h.unknownModels,
        }
      : { start, amountMicros: 0, byScope: {}, byModel: {}, unknownModels: [] };
  };
  const complete = find(lastComplete);
  const current = find(inProgress);
  return current.amountMicros > complete.amountMicros ? current : complete;
}

/** An exact ratio num / den (den > 0). */
export interface UsualDay {
  num: number;
  den: number;
}

/**
 * The median of daily spends, exactly: the middle value for an odd count; for an even count the
 * mean of the two middle values, kept as (a + b) / 2 so a half micro-dollar is not rounded away.
 * 0 for no days.
 */
export function medianDay(days: readonly Micros[]): UsualDay {
  if (days.length === 0) return { num: 0, den: 1 };
  const sorted = [...days].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return { num: sorted[mid] as number, den: 1 };
  return { num: (sorted[mid - 1] as number) + (sorted[mid] as number), den: 2 };
}

/** An exact positive decimal as a ratio of BigInts (5 → 5/1, 2.5 → 25/10). */
function exact(x: number): { num: bigint; den: bigint } {
  const d = parseDecimal(String(x));
  if (!d) throw new RangeError(`not a finite number: ${x}`);
  return d.exp >= 0
    ? { num: d.units * 10n ** BigInt(d.exp), den: 1n }
    : { num: d.units, den: 10n ** BigInt(-d.exp) };
}

/**
 * hourSpend >= max(minUsd, factor × usualDay / 24), compared exactly: integers and BigInt
 * cross-multiplication, no float division. No spend history gives usualDay 0, so minUsd alone decides.
 */
export function spikeHolds(hourSpendMicros: Micros, usualDay: UsualDay, policy: SpikePolicy): boolean {
  const min = exact(policy.minUsd);
  // hour >= minUsd × 10^6  ⇔  hour × den >= num × 10^6
  if (BigInt(hourSpendMicros) * min.den < min.num * 1_000_000n) return false;
  const factor = exact(policy.factor);
  // hour >= factor × (num / den) / 24  ⇔  hour × 24 × den × factor.den >= factor.num × num
  return (
    BigInt(hourSpendMicros) * 24n * BigInt(usualDay.den) * factor.den >= factor.num * BigInt(usualDay.num)
  );
}

/** The threshold in micro-dollars per hour (for messages; rounded, the rule itself is exact). */
export function spikeThresholdMicros(usualDay: UsualDay, policy: SpikePolicy): Micros {
  const min = decimalToInteger(parseDecimal(String(policy.minUsd)) ?? { units: 0n, exp: 0 }, 6);
  return Math.max(min, Math.round((policy.factor * usualDay.num) / (24 * usualDay.den)));
}

/**
 * The UTC day (`YYYY-MM-DD`) a spike that holds for `hour` is keyed by, or undefined: the day of the
 * hour (so yesterday's 23:00 hour, seen again just after midnight, is the key it fired under then).
 * `policy` false or absent: off. The key itself is built by alert-keys.ts.
 */
export function spikeDay(
  hour: Pick<HourSpend, 'start' | 'amountMicros'> | undefined,
  usualDay: UsualDay,
  policy: SpikePolicy | false | undefined,
): string | undefined {
  if (!policy || hour === undefined) return undefined;
  return spikeHolds(hour.amountMicros, usualDay, policy) ? dayKey(hour.start) : undefined;
}
