import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALERT_KINDS,
  type AlertKey,
  alertKindOf,
  candidate,
  formatKey,
  parseKey,
} from '../../shared/core/alert-keys.ts';

const month = fc
  .tuple(fc.integer({ min: 2020, max: 2099 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`);
const day = fc
  .tuple(month, fc.integer({ min: 1, max: 28 }))
  .map(([m, d]) => `${m}-${String(d).padStart(2, '0')}`);
// Thresholds as operators write them: whole numbers and decimals, always positive.
const threshold = fc.oneof(
  fc.integer({ min: 1, max: 10_000 }),
  fc.double({ min: 0.01, max: 10_000, noNaN: true, noDefaultInfinity: true }),
);
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const projectId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/);
const seconds = fc.integer({ min: 0, max: 4_102_444_800 });
const limit = fc.integer({ min: 1, max: 1_000_000_000 });
const priorCents = fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: null });

const anyKey: fc.Arbitrary<AlertKey> = fc.oneof(
  fc.record({ kind: fc.constant('budget' as const), month, threshold }),
  fc.record({ kind: fc.constant('forecast' as const), month }),
  fc.record({ kind: fc.constant('low-balance' as const), threshold }),
  fc.record({ kind: fc.constant('runway' as const), threshold }),
  fc.record({ kind: fc.constant('expiry' as const), grantId: id, threshold }),
  fc.record({ kind: fc.constant('exhausted' as const) }),
  fc.record({ kind: fc.constant('recharge-limit' as const), month }),
  fc.record({ kind: fc.constant('spike' as const), day }),
  fc.record({ kind: fc.constant('project-budget' as const), projectId, month, threshold }),
  fc.record({ kind: fc.constant('project-forecast' as const), projectId, month }),
  fc.record({
    kind: fc.constant('hard-limit' as const),
    at: seconds,
    cents: limit,
    previousCents: priorCents,
  }),
  fc.record({
    kind: fc.constant('project-hard-limit' as const),
    projectId,
    at: seconds,
    cents: limit,
    previousCents: priorCents,
  }),
  fc.record({ kind: fc.constant('hard-limit-unmanaged' as const), at: seconds, providerCents: priorCents }),
  fc.record({
    kind: fc.constant('project-hard-limit-unmanaged' as const),
    projectId,
    at: seconds,
    providerCents: priorCents,
  }),
  fc.record({ kind: fc.constant('guard' as const), projectId, day }),
  fc.record({ kind: fc.constant('guard-reminder' as const), projectId, day }),
);

describe('alert keys: one grammar (formatKey / parseKey)', () => {
  it('every key reads back as the parts it was made from (round trip, all kinds)', () => {
    fc.assert(
      fc.property(anyKey, (k) => {
        const text = formatKey(k);
        expect(parseKey(text)).toEqual({ ...k, key: text });
        expect(alertKindOf(text)).toBe(k.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('the generator covers every kind the module knows', () => {
    const seen = new Set(fc.sample(anyKey, 3000).map((k) => k.kind));
    expect([...seen].sort()).toEqual([...ALERT_KINDS].sort());
  });

  it('writes the keys the ledger contract names, numbers as plain text', () => {
    expect(
      [
        candidate({ kind: 'budget', month: '2026-11', threshold: 50 }),
        candidate({ kind: 'runway', threshold: 12.5 }),
        candidate({ kind: 'expiry', grantId: 'promo', threshold: 7 }),
        candidate({ kind: 'project-budget', projectId: 'proj_abc', month: '2026-11', threshold: 80 }),
        candidate({ kind: 'project-forecast', projectId: 'default', month: '2026-12' }),
        candidate({ kind: 'spike', day: '2026-11-24' }),
        candidate({
          kind: 'project-hard-limit',
          projectId: 'proj_abc',
          at: 1_764_029_400,
          cents: 25_000,
          previousCents: 30_000,
        }),
        candidate({ kind: 'hard-limit', at: 1_764_029_400, cents: 100_000, previousCents: null }),
        candidate({ kind: 'hard-limit-unmanaged', at: 1_764_029_400, providerCents: null }),
        candidate({ kind: 'guard', projectId: 'proj_abc', day: '2026-11-24' }),
        candidate({ kind: 'guard-reminder', projectId: 'wrkspc_01ab', day: '2026-11-25' }),
      ].map((c) => c.key),
    ).toEqual([
      'budget:2026-11:50',
      'runway:12.5',
      'expiry:promo:7',
      'project-budget:proj_abc:2026-11:80',
      'project-forecast:default:2026-12',
      'spike:2026-11-24',
      'project-hard-limit:proj_abc:1764029400:25000:30000',
      'hard-limit:1764029400:100000:none',
      'hard-limit-unmanaged:1764029400:none',
      'guard:proj_abc:2026-11-24',
      'guard-reminder:wrkspc_01ab:2026-11-25',
    ]);
  });

  it('reads a grant id that contains colons (the days are the last part)', () => {
    expect(parseKey('expiry:a:b:30')).toEqual({
      kind: 'expiry',
      grantId: 'a:b',
      threshold: 30,
      key: 'expiry:a:b:30',
    });
  });

  it('refuses text that is not a canonical key of this version, so callers must say so', () => {
    for (const text of [
      'digest:2026-11-23',
      'operator:auth-failed',
      'budget:2026-11',
      'budget:2026-11:050',
      'budget:2026-11:-5',
      'budget:26-11:50',
      'low-balance:',
      'low-balance:abc',
      'exhausted:now',
      'spike:2026-11',
      'project-budget:proj_a:2026-11',
      'project-forecast:proj a:2026-11',
      'recharge-limit:2026-11:1',
      'hard-limit:1764029400:0:none',
      'hard-limit:1764029400:025000:none',
      'hard-limit:1764029400:25000',
      'hard-limit:1.5:25000:none',
      'project-hard-limit:1764029400:25000:none',
      'hard-limit-unmanaged:1764029400:-1',
      'guard:proj_abc',
      'guard:proj_abc:2026-11',
      'guard:proj abc:2026-11-24',
      'guard-reminder:2026-11-24',
      '',
    ]) {
      expect(parseKey(text), text).toBeUndefined();
    }
  });
});
