import { usdToMicros } from './money.ts';

/**
 * The provider's hard monthly spend limit that burnrate keeps for one scope (the organization, or
 * one project/workspace): what it should be, and whether what the provider has differs. Pure: the
 * upkeep use case reads and writes; this only decides. Limits are integer US cents.
 */

/** A freeze the guard (issue 18) put on a scope: the limit it set, in cents. */
export interface ActiveFreeze {
  thresholdCents: number;
  /** When the freeze was applied (ISO instant), for the texts. */
  since: string;
}

/** The limit burnrate wants on a scope, and why; undefined = burnrate does not manage the scope. */
export type DesiredLimit = { cents: number; source: 'config' | 'freeze' };

/** Dollars to whole cents, rounded UP (a limit of $250.004 is 25,001 cents: never below the config). */
export function usdToCentsUp(usd: number): number {
  return Math.ceil(usdToMicros(usd) / 10_000);
}

/**
 * The one function that decides a scope's hard limit, for the daily keeper and the guard alike:
 * the config's `hardLimitUsd` (cents, rounded up), unless a freeze is active. An active freeze
 * wins: the keeper never sets a limit above it, so it can never undo a freeze; a config limit
 * below the freeze is still kept (it stops spend too, and never raises it).
 */
export function desiredLimitCents(
  entry: { hardLimitUsd?: number | undefined } | undefined,
  activeFreeze?: ActiveFreeze,
): DesiredLimit | undefined {
  const configured = entry?.hardLimitUsd === undefined ? undefined : usdToCentsUp(entry.hardLimitUsd);
  if (activeFreeze) {
    return configured !== undefined && configured < activeFreeze.thresholdCents
      ? { cents: configured, source: 'config' }
      : { cents: activeFreeze.thresholdCents, source: 'freeze' };
  }
  return configured === undefined ? undefined : { cents: configured, source: 'config' };
}

/** What a provider has on a scope, as the SpendLimits port reads it. */
export type ProviderLimit = { state: 'none' } | { state: 'set'; thresholdCents: number; enforcement: string };

/**
 * Whether the provider's limit must be written: it differs from the desired threshold. Only the
 * threshold counts: `enforcement` is the provider's open word (OpenAI's `inactive` may mean "not
 * tripped now" as well as "not enforced"), so re-posting on it could write every day for nothing.
 */
export function limitDiffers(have: ProviderLimit, want: DesiredLimit): boolean {
  return have.state === 'none' || have.thresholdCents !== want.cents;
}

/** The scope keys of a LIMITS item: `organization`, or a project/workspace id. */
export const ORGANIZATION = 'organization';

/**
 * The hard-limit settings of a config, as desired cents per scope: what the LIMITS item keeps as
 * its "digest", so the first run after a change re-checks, and a scope that left the settings is
 * noticed (its limit is left alone and the email says so once).
 */
export function hardLimitSettings(config: {
  hardLimitUsd?: number | undefined;
  projects?: Readonly<Record<string, { hardLimitUsd?: number | undefined }>> | undefined;
}): { organization?: number; projects: Record<string, number> } {
  const projects: Record<string, number> = {};
  for (const [id, p] of Object.entries(config.projects ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const want = desiredLimitCents(p);
    if (want) projects[id] = want.cents;
  }
  const org = desiredLimitCents(config);
  return org ? { organization: org.cents, projects } : { projects };
}

/** Whether two settings maps are the same (the digest comparison). */
export function sameSettings(
  a: { organization?: number | undefined; projects: Readonly<Record<string, number>> },
  b: { organization?: number | undefined; projects: Readonly<Record<string, number>> },
): boolean {
  const keys = new Set([...Object.keys(a.projects), ...Object.keys(b.projects)]);
  return a.organization === b.organization && [...keys].every((k) => a.projects[k] === b.projects[k]);
}
