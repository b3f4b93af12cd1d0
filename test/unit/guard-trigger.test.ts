import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retiresAt } from '../../shared/core/alert-retirement.ts';
import {
  alreadyLimited,
  freezeThresholdCents,
  type GuardMode,
  type GuardPolicy,
  guardConditions,
  guardTarget,
  topScope,
} from '../../shared/core/guard.ts';
import type { HourSpend } from '../../shared/core/spike.ts';

const H = 3_600_000;
const at = Date.parse('2026-11-24T15:40:00Z');
const usd = (n: number) => Math.round(n * 1_000_000);
/** A usual day of $48 (median): the spike threshold is max($10, 5 × $2) = $10 an hour. */
const usualDay = { num: usd(48), den: 1 };

function hour(byScope: Record<string, number>, start = Date.parse('2026-11-24T15:00:00Z')): HourSpend {
  const micros = Object.fromEntries(Object.entries(byScope).map(([k, v]) => [k, usd(v)]));
  const amountMicros = Object.values(micros).reduce((a, b) => a + b, 0);
  return { start, amountMicros, byScope: micros, byModel: {}, unknownModels: [] };
}

function policy(modes: Record<string, GuardMode>, fallback: GuardMode = 'off'): GuardPolicy {
  return {
    spike: { factor: 5, minUsd: 10 },
    modeOf: (id) => modes[id] ?? fallback,
    projectOfScope: (scope) => (scope === '(none)' ? undefined : scope),
  };
}

describe('the guard trigger (LEDGER.md "Guard")', () => {
  it('targets the project with the largest spend in the spiking hour, with its mode and incident key', () => {
    const t = guardTarget(
      { hour: hour({ proj_web: 2, proj_loop: 30 }), usualDay },
      policy({ proj_loop: 'approve' }),
      new Set(),
    );
    expect(t).toEqual({
      projectId: 'proj_loop',
      scope: 'proj_loop',
      mode: 'approve',
      incident: 'guard:proj_loop:2026-11-24',
      day: '2026-11-24',
      hourStart: Date.parse('2026-11-24T15:00:00Z'),
      hourSpendMicros: usd(30),
    });
  });

  it('is nothing when the spike condition does not hold, whatever the modes', () => {
    // $9.99 in the hour is under the $10 minimum.
    expect(guardTarget({ hour: hour({ proj_loop: 9.99 }), usualDay }, policy({}, 'auto'), new Set())).toBe(
      undefined,
    );
    // spikeAlert false turns the trigger off with the alert.
    const off = { ...policy({}, 'auto'), spike: false as const };
    expect(guardTarget({ hour: hour({ proj_loop: 30 }), usualDay }, off, new Set())).toBeUndefined();
    expect(guardTarget({ usualDay }, policy({}, 'auto'), new Set())).toBeUndefined();
  });

  it('never moves on to the next project: the top one is off, frozen or not freezable → no target', () => {
    const h = hour({ proj_loop: 30, proj_web: 20 });
    expect(guardTarget({ hour: h, usualDay }, policy({ proj_web: 'auto' }), new Set())).toBeUndefined();
    expect(guardTarget({ hour: h, usualDay }, policy({}, 'auto'), new Set(['proj_loop']))).toBeUndefined();
    const unattributed = hour({ '(none)': 30, proj_web: 20 });
    expect(guardTarget({ hour: unattributed, usualDay }, policy({}, 'auto'), new Set())).toBeUndefined();
  });

  it('keys the incident by the UTC day of the spiking hour: the 00:10 run after a 23:00 loop names yesterday', () => {
    const late = hour({ proj_loop: 40 }, Date.parse('2026-11-24T23:00:00Z'));
    const keys = guardConditions(
      { at: Date.parse('2026-11-25T00:10:00Z'), hour: late, usualDay },
      policy({}, 'auto'),
      [],
    ).map((c) => c.key);
    expect(keys).toEqual(['guard:proj_loop:2026-11-24']);
  });

  it('ties go to the smaller id, so every run picks the same project', () => {
    expect(topScope({ proj_b: usd(5), proj_a: usd(5), proj_c: usd(1) })).toEqual(['proj_a', usd(5)]);
    expect(topScope({ proj_a: 0 })).toBeUndefined();
  });

  it('a frozen project gets a reminder each later UTC day, none on the day of the freeze or while it is being applied', () => {
    const quiet = { at: Date.parse('2026-11-25T09:00:00Z'), usualDay };
    const freezes = [
      { projectId: 'proj_a', since: '2026-11-24T15:45:00Z' },
      { projectId: 'proj_b', since: '2026-11-25T01:00:00Z' },
      { projectId: 'proj_c' },
    ];
    expect(guardConditions(quiet, policy({}, 'auto'), freezes).map((c) => c.key)).toEqual([
      'guard-reminder:proj_a:2026-11-25',
    ]);
  });

  it('a second project running away the same day is its own incident; the frozen first one is not raised again', () => {
    const p = policy({}, 'auto');
    const first = guardConditions({ at, hour: hour({ proj_a: 30, proj_b: 2 }), usualDay }, p, []);
    const second = guardConditions(
      { at: at + H, hour: hour({ proj_a: 0.5, proj_b: 30 }, Date.parse('2026-11-24T16:00:00Z')), usualDay },
      p,
      [{ projectId: 'proj_a', since: '2026-11-24T15:41:00Z' }],
    );
    expect(first.map((c) => c.key)).toEqual(['guard:proj_a:2026-11-24']);
    expect(second.map((c) => c.key)).toEqual(['guard:proj_b:2026-11-24']);
  });

  it('no guard key the rules raise at `at` has retired by `at` (so a TTL never lets one fire twice)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 47 }),
        fc.integer({ min: 0, max: 59 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        (hours, minutes, inProgress, daysFrozen) => {
          const now = Date.parse('2026-11-24T00:00:00Z') + hours * H + minutes * 60_000;
          const start = Math.floor(now / H) * H - (inProgress ? 0 : H);
          const keys = guardConditions(
            { at: now, hour: hour({ proj_a: 30 }, start), usualDay },
            policy({}, 'approve'),
            [{ projectId: 'proj_z', since: new Date(now - daysFrozen * 24 * H).toISOString() }],
          );
          expect(keys.length).toBe(2);
          for (const k of keys) expect(retiresAt(k.key, () => undefined) ?? 0).toBeGreaterThan(now);
        },
      ),
    );
  });
});

describe('the freeze threshold', () => {
  it('is the month to date rounded up to the cent plus the headroom in cents', () => {
    expect(freezeThresholdCents(usd(52.2), 5)).toBe(5_720);
    // $52.200001 rounds up to $52.21: never below what was spent.
    expect(freezeThresholdCents(usd(52.2) + 1, 5)).toBe(5_721);
    expect(freezeThresholdCents(0, 0.001)).toBe(1);
    expect(freezeThresholdCents(usd(412.6), 5.005)).toBe(41_761);
  });

  it('a limit at or below it is already limiting; none, or a higher one, is not', () => {
    expect(alreadyLimited({ state: 'set', thresholdCents: 5_720 }, 5_720)).toBe(true);
    expect(alreadyLimited({ state: 'set', thresholdCents: 5_000 }, 5_720)).toBe(true);
    expect(alreadyLimited({ state: 'set', thresholdCents: 30_000 }, 5_720)).toBe(false);
    expect(alreadyLimited({ state: 'none' }, 5_720)).toBe(false);
  });
});
