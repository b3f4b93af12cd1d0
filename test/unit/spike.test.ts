import { describe, expect, it } from 'vitest';
import { evaluateAlerts, parseAlertKey } from '../../shared/core/alerts.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { type HourSpend, pickSpikeHour, spikeHolds, spikeWindow } from '../../shared/core/spike.ts';
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
  options: { usdPerDay?: number; days?: number; spikeAlert?: unknown; disarmed?: string[] } = {},
) {
  const cfg = config(options.spikeAlert === undefined ? {} : { spikeAlert: options.spikeAlert });
  const f = computeFigures({
    grants: [],
    buckets: history(at, options.usdPerDay ?? 24, options.days ?? 7),
    burnOrder: 'expiring-first',
    at,
    ...(hourMicros === undefined ? {} : { hour: hour(at - HOUR, hourMicros) }),
  });
  const evaluation = evaluateAlerts(f, toAlertPolicy(cfg), new Set(options.disarmed ?? []));
  return evaluation.fired.filter((a) => a.kind === 'spike').map((a) => a.key);
}

const AT = Date.parse('2026-11-24T14:10:00Z');

describe('spike rule: hourSpend >= max(minUsd, factor × burnRate / 24)', () => {
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
    expect(spikeHolds(33, { sumMicros: 720, days: 1 }, policy)).toBe(true);
    expect(spikeHolds(32, { sumMicros: 720, days: 1 }, policy)).toBe(false);
    // minUsd with decimals: 0.1 is 100,000 µ$ exactly.
    expect(spikeHolds(100_000, { sumMicros: 0, days: 7 }, { factor: 5, minUsd: 0.1 })).toBe(true);
    expect(spikeHolds(99_999, { sumMicros: 0, days: 7 }, { factor: 5, minUsd: 0.1 })).toBe(false);
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

  it('the key is the UTC day of the run, and parses back', () => {
    expect(spikeAt(Date.parse('2026-11-25T00:10:00Z'), 50_000_000)).toEqual(['spike:2026-11-25']);
    expect(parseAlertKey('spike:2026-11-25')).toEqual({
      kind: 'spike',
      key: 'spike:2026-11-25',
      day: '2026-11-25',
    });
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
