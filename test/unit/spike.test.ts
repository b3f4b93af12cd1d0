import { describe, expect, it } from 'vitest';
import { evaluateAlerts, parseAlertKey } from '../../shared/core/alerts.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import {
  type HourSpend,
  medianDay,
  pickSpikeHour,
  spikeHolds,
  spikeWindow,
} from '../../shared/core/spike.ts';
import { DAY_MS } from '../../shared/core/time.ts';
import type { CostBucket } from '../../shared/core/types.ts';
import { parseAccountConfig, toAlertPolicy } from '../../shared/schemas/account-config.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { daily, keys, simulateObject } from '../support/scenario.ts';

const HOUR = 3_600_000;
const config = (extra: Record<string, unknown> = {}) =>
  parseAccountConfig({ id: 'acme', provider: 'openai', recipients: ['ops@acme.example'], ...extra });

/** 7 complete days of `usdPerDay` before the day of `at`. */
function history(at: number, usdPerDay: number, days = 7): CostBucket[] {
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  return Array.from({ length: days }, (_, i) => {
    const start = day - (days - i) * DAY_MS;
    return { start, end: start + DAY_MS, amountMicros: usdPerDay * 1_000_000 };
  });
}

function hour(start: number, micros: number): HourSpend {
  return {
    start,
    amountMicros: micros,
    byScope: { proj_a: micros },
    byModel: { 'gpt-4o': micros },
    unknownModels: [],
  };
}

/** The spike keys that fire at `at` with `hourMicros` in the spike hour and `disarmed` keys. */
function spikeAt(
  at: number,
  hourMicros: number | undefined,
  options: {
    usdPerDay?: number;
    days?: number;
    buckets?: CostBucket[];
    spikeAlert?: unknown;
    disarmed?: string[];
    /** The spike hour's start (default: the hour before `at`). */
    hourStart?: number;
  } = {},
) {
  const cfg = config(options.spikeAlert === undefined ? {} : { spikeAlert: options.spikeAlert });
  const f = computeFigures({
    grants: [],
    buckets: options.buckets ?? history(at, options.usdPerDay ?? 24, options.days ?? 7),
    burnOrder: 'expiring-first',
    at,
    ...(hourMicros === undefined ? {} : { hour: hour(options.hourStart ?? at - HOUR, hourMicros) }),
  });
  const evaluation = evaluateAlerts(f, toAlertPolicy(cfg), new Set(options.disarmed ?? []));
  return evaluation.fired.filter((a) => a.kind === 'spike').map((a) => a.key);
}

const AT = Date.parse('2026-11-24T14:10:00Z');

describe('spike rule: hourSpend >= max(minUsd, factor × usualDay / 24)', () => {
  it('fires at exactly the factor threshold and not one micro-dollar below', () => {
    // $480/day over 7 days: $20/hour usual; 5× = $100/hour > minUsd $10.
    expect(spikeAt(AT, 100_000_000, { usdPerDay: 480 })).toEqual(['spike:2026-11-24']);
    expect(spikeAt(AT, 99_999_999, { usdPerDay: 480 })).toEqual([]);
  });

  it('fires at exactly minUsd when the burn rate is low, and not below it', () => {
    // $24/day: $1/hour usual, 5× = $5 < minUsd $10.
    expect(spikeAt(AT, 10_000_000)).toEqual(['spike:2026-11-24']);
    expect(spikeAt(AT, 9_999_999)).toEqual([]);
  });

  it('compares exactly where floats would not', () => {
    // factor 1.1 × 720 µ$ / 24 = 33 µ$ exactly; in floats 1.1 * 720 / 24 = 33.00000000000001, so
    // a float comparison would miss the boundary.
    const policy = { factor: 1.1, minUsd: 0.000001 };
    expect((1.1 * 720) / 24).toBeGreaterThan(33);
    expect(spikeHolds(33, { num: 720, den: 1 }, policy)).toBe(true);
    expect(spikeHolds(32, { num: 720, den: 1 }, policy)).toBe(false);
    // minUsd with decimals: 0.1 is 100,000 µ$ exactly.
    expect(spikeHolds(100_000, { num: 0, den: 1 }, { factor: 5, minUsd: 0.1 })).toBe(true);
    expect(spikeHolds(99_999, { num: 0, den: 1 }, { factor: 5, minUsd: 0.1 })).toBe(false);
  });

  it('with no spend history, minUsd alone decides', () => {
    expect(spikeAt(AT, 10_000_000, { days: 0 })).toEqual(['spike:2026-11-24']);
    expect(spikeAt(AT, 9_999_999, { days: 0 })).toEqual([]);
    expect(spikeAt(AT, 5_000_000, { days: 0, spikeAlert: { minUsd: 5 } })).toEqual(['spike:2026-11-24']);
  });

  it('does not fire on an ordinary day: an hour at the usual pace, or 4.9× it', () => {
    // $960/day: $40/hour usual; 5× = $200.
    expect(spikeAt(AT, 40_000_000, { usdPerDay: 960 })).toEqual([]);
    expect(spikeAt(AT, 196_000_000, { usdPerDay: 960 })).toEqual([]);
  });

  it('spikeAlert: false turns it off; a custom factor applies', () => {
    expect(spikeAt(AT, 1_000_000_000, { spikeAlert: false })).toEqual([]);
    // $480/day: usual $20/hour; factor 2 → $40.
    expect(spikeAt(AT, 40_000_000, { usdPerDay: 480, spikeAlert: { factor: 2 } })).toEqual([
      'spike:2026-11-24',
    ]);
    expect(spikeAt(AT, 39_999_999, { usdPerDay: 480, spikeAlert: { factor: 2 } })).toEqual([]);
  });

  it('fires once a day: the key of the day is disarmed and never re-arms; the next day is a new key', () => {
    const first = spikeAt(AT, 50_000_000);
    expect(first).toEqual(['spike:2026-11-24']);
    expect(spikeAt(AT + 15 * 60_000, 80_000_000, { disarmed: first })).toEqual([]);
    // Even after the spend falls back to nothing, the key stays disarmed (no re-arm).
    const cfg = config();
    const quiet = computeFigures({
      grants: [],
      buckets: history(AT, 24),
      burnOrder: 'expiring-first',
      at: AT + HOUR,
      hour: hour(AT, 0),
    });
    const evaluation = evaluateAlerts(quiet, toAlertPolicy(cfg), new Set(first));
    expect(evaluation.rearmed).toEqual([]);
    expect(evaluation.disarmed.has('spike:2026-11-24')).toBe(true);
    expect(spikeAt(AT + DAY_MS, 50_000_000, { disarmed: first })).toEqual(['spike:2026-11-25']);
  });

  it('the key is the UTC day of the hour that fired it, and parses back', () => {
    const h23 = Date.parse('2026-11-24T23:00:00Z');
    expect(spikeAt(Date.parse('2026-11-25T00:10:00Z'), 50_000_000, { hourStart: h23 })).toEqual([
      'spike:2026-11-24',
    ]);
    expect(parseAlertKey('spike:2026-11-25')).toEqual({
      kind: 'spike',
      key: 'spike:2026-11-25',
      day: '2026-11-25',
    });
  });

  it('the 23:00 loop is emailed once across midnight; a loop still running fires the new day from the hour in progress', () => {
    const h23 = Date.parse('2026-11-24T23:00:00Z');
    const midnight = Date.parse('2026-11-25T00:00:00Z');
    const loop = [hour(h23 - HOUR, 1_000_000), hour(h23, 40_000_000)];
    // 23:30: the hour in progress (23:00, $40 so far) is the larger one: spike:2026-11-24 fires.
    const at2330 = Date.parse('2026-11-24T23:30:00Z');
    const first = pickSpikeHour(loop, at2330);
    expect(first.start).toBe(h23);
    const fired = spikeAt(at2330, first.amountMicros, { hourStart: first.start });
    expect(fired).toEqual(['spike:2026-11-24']);
    // 00:10: the loop stopped at 23:40; the complete 23:00 hour ($60) is the larger: same key, disarmed.
    const at0010 = Date.parse('2026-11-25T00:10:00Z');
    const again = pickSpikeHour([hour(h23, 60_000_000), hour(midnight, 500_000)], at0010);
    expect(again.start).toBe(h23);
    expect(spikeAt(at0010, again.amountMicros, { hourStart: again.start, disarmed: fired })).toEqual([]);
    // 00:40 with the loop still running: the hour in progress ($65 so far) is larger: the new day's key.
    const at0040 = Date.parse('2026-11-25T00:40:00Z');
    const still = pickSpikeHour([hour(h23, 60_000_000), hour(midnight, 65_000_000)], at0040);
    expect(still.start).toBe(midnight);
    expect(spikeAt(at0040, still.amountMicros, { hourStart: still.start, disarmed: fired })).toEqual([
      'spike:2026-11-25',
    ]);
  });

  it('without hourly data (simulate) spike never fires, however large a day is', () => {
    expect(spikeAt(AT, undefined)).toEqual([]);
    const runs = simulateObject({
      costs: daily('2026-11-01', [1, 1, 1, 1, 1, 1, 1, 5000]),
      runs: ['2026-11-08T12:00:00Z', '2026-11-09T00:00:00Z'],
    });
    expect(runs.flatMap(keys).filter((k) => k.startsWith('spike'))).toEqual([]);
  });
});

describe('usualDay: the median of the burn rate’s daily buckets', () => {
  const at = (day: string) => Date.parse(`${day}T12:10:00Z`);
  /** $240 a day (a usual $10/hour) from 11-01, and $1,680 on 11-10: a loop of $60/hour all day. */
  const runaway = (): CostBucket[] =>
    Array.from({ length: 20 }, (_, i) => {
      const start = Date.parse('2026-11-01T00:00:00Z') + i * DAY_MS;
      return { start, end: start + DAY_MS, amountMicros: (i === 9 ? 1680 : 240) * 1_000_000 };
    });

  it('a week after a runaway day, a second loop of the same size still fires', () => {
    // The first loop, on 11-10: its hour is $70 (usual $10 + loop $60) against max($10, 5 × 240 / 24 = $50).
    expect(spikeAt(at('2026-11-10'), 70_000_000, { buckets: runaway() })).toEqual(['spike:2026-11-10']);
    // 11-16: the burn-rate days 11-09 … 11-15 hold the runaway day. Mean (6 × 240 + 1680) / 7 =
    // $445.71 would put the bar at 5 × 445.71 / 24 = $92.86 and miss the same $70 hour; the median
    // is $240, the bar stays $50.
    expect(spikeAt(at('2026-11-16'), 70_000_000, { buckets: runaway() })).toEqual(['spike:2026-11-16']);
    const f = computeFigures({
      grants: [],
      buckets: runaway(),
      burnOrder: 'expiring-first',
      at: at('2026-11-16'),
    });
    expect(f.burnDays).toBe(7);
    expect(f.burnSumMicros).toBe((6 * 240 + 1680) * 1_000_000);
    expect(f.usualDay).toEqual({ num: 240_000_000, den: 1 });
    expect(spikeAt(at('2026-11-16'), 50_000_000, { buckets: runaway() })).toEqual(['spike:2026-11-16']);
    expect(spikeAt(at('2026-11-16'), 49_999_999, { buckets: runaway() })).toEqual([]);
  });

  it('the median takes missing days as zero, only the burn rate’s n days, and 0 with no history', () => {
    // Buckets on 11-20 ($30) and 11-22 ($90); run on 11-24: n = 4 days (11-20 … 11-23), values
    // 30, 0, 90, 0 → sorted 0, 0, 30, 90 → (0 + 30) / 2.
    const buckets = [
      {
        start: Date.parse('2026-11-20T00:00:00Z'),
        end: Date.parse('2026-11-21T00:00:00Z'),
        amountMicros: 30_000_000,
      },
      {
        start: Date.parse('2026-11-22T00:00:00Z'),
        end: Date.parse('2026-11-23T00:00:00Z'),
        amountMicros: 90_000_000,
      },
    ];
    const f = computeFigures({ grants: [], buckets, burnOrder: 'expiring-first', at: at('2026-11-24') });
    expect(f.burnDays).toBe(4);
    expect(f.usualDay).toEqual({ num: 30_000_000, den: 2 });
    expect(medianDay([])).toEqual({ num: 0, den: 1 });
    expect(medianDay([5, 1, 3])).toEqual({ num: 3, den: 1 });
  });

  it('an even count keeps the half micro-dollar of the two middle values: compared exactly', () => {
    // Two days, 24,000,000 and 24,000,001 µ$: usualDay = 24,000,000.5 µ$; factor 1 puts the bar
    // at 1,000,000.02 µ$/hour. $1.000000 is below it (rounding the median down would fire it);
    // $1.000001 is above.
    const start = Date.parse('2026-11-22T00:00:00Z');
    const buckets = [
      { start, end: start + DAY_MS, amountMicros: 24_000_000 },
      { start: start + DAY_MS, end: start + 2 * DAY_MS, amountMicros: 24_000_001 },
    ];
    const options = { buckets, spikeAlert: { factor: 1, minUsd: 0.000001 } };
    expect(spikeAt(at('2026-11-24'), 1_000_000, options)).toEqual([]);
    expect(spikeAt(at('2026-11-24'), 1_000_001, options)).toEqual(['spike:2026-11-24']);
    expect(spikeHolds(1_000_000, { num: 48_000_001, den: 2 }, { factor: 1, minUsd: 0.000001 })).toBe(false);
    expect(spikeHolds(1_000_000, { num: 24_000_000, den: 1 }, { factor: 1, minUsd: 0.000001 })).toBe(true);
  });
});

describe('spike hour: the larger of the last complete UTC hour and the hour in progress', () => {
  it('picks the hour in progress when it is larger, else the complete hour', () => {
    const { lastComplete, inProgress } = spikeWindow(AT);
    expect(new Date(lastComplete).toISOString()).toBe('2026-11-24T13:00:00.000Z');
    const hours = [hour(lastComplete - HOUR, 900), hour(lastComplete, 5), hour(inProgress, 7)];
    expect(pickSpikeHour(hours, AT).start).toBe(inProgress);
    expect(pickSpikeHour([hour(lastComplete, 7), hour(inProgress, 7)], AT).start).toBe(lastComplete);
    // An older hour never counts, and missing hours are zero.
    expect(pickSpikeHour([hour(lastComplete - HOUR, 900)], AT)).toMatchObject({
      start: lastComplete,
      amountMicros: 0,
    });
  });

  it('just after midnight the last complete hour is yesterday 23:00–24:00', () => {
    const at = Date.parse('2026-11-25T00:10:00Z');
    const yesterday23 = Date.parse('2026-11-24T23:00:00Z');
    expect(spikeWindow(at).lastComplete).toBe(yesterday23);
    expect(pickSpikeHour([hour(yesterday23, 60_000_000), hour(at - 10 * 60_000, 1)], at)).toMatchObject({
      start: yesterday23,
      amountMicros: 60_000_000,
    });
  });
});

describe('spikeAlert config', () => {
  const problems = (spikeAlert: unknown) => {
    try {
      config({ spikeAlert });
    } catch (error) {
      if (error instanceof InvalidInputError) return error.problems;
    }
    return [];
  };

  it('defaults to factor 5, minUsd 10; false is off; a partial object keeps the other default', () => {
    expect(config().spikeAlert).toEqual({ factor: 5, minUsd: 10 });
    expect(config({ spikeAlert: false }).spikeAlert).toBe(false);
    expect(config({ spikeAlert: { minUsd: 3 } }).spikeAlert).toEqual({ factor: 5, minUsd: 3 });
  });

  it('rejects bad values with the field named', () => {
    expect(problems({ factor: -1 })).toEqual([
      'account acme: spikeAlert.factor: expected a positive number, got -1',
    ]);
    expect(problems({ minUsd: 0 })).toEqual([
      'account acme: spikeAlert.minUsd: expected a positive number, got 0',
    ]);
    expect(problems({ minUsd: '10' })).toEqual([
      'account acme: spikeAlert.minUsd: expected a positive number, got "10"',
    ]);
    expect(problems({ factor: 5, limit: 3 })).toEqual(['account acme: spikeAlert.limit: unknown field']);
    expect(problems(true)).toEqual([
      'account acme: spikeAlert: expected false or an object such as { "factor": 5, "minUsd": 10 }, got true',
    ]);
    expect(problems(null)).toEqual([
      'account acme: spikeAlert: expected false or an object such as { "factor": 5, "minUsd": 10 }, got null',
    ]);
  });
});
