import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  desiredLimitCents,
  hardLimitSettings,
  limitDiffers,
  sameSettings,
  usdToCentsUp,
} from '../../shared/core/hard-limits.ts';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { buildInput, KIND_SCENARIOS } from '../support/render-emails.ts';

describe('desiredLimitCents: the one function that decides a scope’s hard limit', () => {
  it('is the config’s hardLimitUsd in cents, rounded up; none when unset', () => {
    expect(desiredLimitCents({ hardLimitUsd: 250 })).toEqual({ cents: 25_000, source: 'config' });
    expect(desiredLimitCents({ hardLimitUsd: 250.001 })).toEqual({ cents: 25_001, source: 'config' });
    expect(desiredLimitCents({ hardLimitUsd: 0.001 })).toEqual({ cents: 1, source: 'config' });
    expect(desiredLimitCents({ hardLimitUsd: 0.29 })).toEqual({ cents: 29, source: 'config' });
    expect(desiredLimitCents({})).toBeUndefined();
    expect(desiredLimitCents(undefined)).toBeUndefined();
  });

  it('never rounds below the config: cents × 100 >= dollars, and less than one cent above', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000 }), (micros) => {
        const usd = micros / 1_000_000;
        const cents = usdToCentsUp(usd);
        expect(cents * 10_000).toBeGreaterThanOrEqual(micros);
        expect(cents * 10_000 - micros).toBeLessThan(10_000);
      }),
    );
  });

  it('an active freeze wins: the keeper never sets a limit above it, so it cannot undo a freeze', () => {
    const freeze = { thresholdCents: 5_720, since: '2026-11-25T03:10:00Z' };
    expect(desiredLimitCents({ hardLimitUsd: 250 }, freeze)).toEqual({ cents: 5_720, source: 'freeze' });
    expect(desiredLimitCents(undefined, freeze)).toEqual({ cents: 5_720, source: 'freeze' });
    // A config limit already below the freeze stops spend too: it is kept (it never raises spend).
    expect(desiredLimitCents({ hardLimitUsd: 20 }, freeze)).toEqual({ cents: 2_000, source: 'config' });
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (usd, frozen) => {
          const want = desiredLimitCents({ hardLimitUsd: usd }, { thresholdCents: frozen, since: '' });
          expect(want?.cents).toBeLessThanOrEqual(frozen);
        },
      ),
    );
  });
});

describe('limitDiffers', () => {
  const want = { cents: 25_000, source: 'config' as const };
  it('differs when the provider has none or another threshold; enforcement words do not count', () => {
    expect(limitDiffers({ state: 'none' }, want)).toBe(true);
    expect(limitDiffers({ state: 'set', thresholdCents: 30_000, enforcement: 'enforcing' }, want)).toBe(true);
    expect(limitDiffers({ state: 'set', thresholdCents: 25_000, enforcement: 'enforcing' }, want)).toBe(
      false,
    );
    expect(limitDiffers({ state: 'set', thresholdCents: 25_000, enforcement: 'inactive' }, want)).toBe(false);
  });
});

describe('hardLimitSettings: the LIMITS item’s digest of the config', () => {
  it('lists the organization and each project with hardLimitUsd, in cents', () => {
    const settings = hardLimitSettings({
      hardLimitUsd: 1000,
      projects: { proj_b: { hardLimitUsd: 99.999 }, proj_a: {}, proj_c: { hardLimitUsd: 5 } },
    });
    expect(settings).toEqual({ organization: 100_000, projects: { proj_b: 10_000, proj_c: 500 } });
    expect(sameSettings(settings, { organization: 100_000, projects: { proj_c: 500, proj_b: 10_000 } })).toBe(
      true,
    );
    expect(sameSettings(settings, { organization: 100_000, projects: { proj_b: 10_000 } })).toBe(false);
    expect(sameSettings(settings, { projects: { proj_b: 10_000, proj_c: 500 } })).toBe(false);
    expect(hardLimitSettings({})).toEqual({ projects: {} });
  });
});

describe('hard-limit emails', () => {
  const email = (kind: keyof typeof KIND_SCENARIOS) => {
    const input = buildInput(KIND_SCENARIOS[kind]);
    return renderAlertEmail({ ...input, alerts: input.alerts.filter((a) => a.kind === kind) });
  };

  it('say what burnrate set and what the provider had, by the project’s name', () => {
    const e = email('project-hard-limit');
    expect(e.subject).toBe(
      'Acme production: hard limit for Search set to $250.00 (the provider had $300.00)',
    );
    expect(e.text).toContain('2026-11-24 00:10 UTC');
    expect(e.text).toContain('as projects.proj_search.hardLimitUsd says');
    expect(e.html).toContain('hard limit for Search set to $250.00 (the provider had $300.00)');
  });

  it('name the organization, and "no hard limit" when there was none', () => {
    expect(email('hard-limit').subject).toBe(
      'Acme production: hard limit for the organization set to $1,000.00 (the provider had no hard limit)',
    );
  });

  it('say once that a removed hardLimitUsd leaves the provider’s limit alone', () => {
    const e = email('project-hard-limit-unmanaged');
    expect(e.subject).toBe(
      'Acme production: hard limit for Search no longer kept by burnrate (the provider keeps $250.00)',
    );
    expect(e.text).toContain('left the provider');
  });
});
