import { type DesiredLimit, desiredLimitCents, limitDiffers } from '../core/hard-limits.ts';
import {
  type LimitReading,
  type LimitWrite,
  type SpendLimitScope,
  SpendLimitsUnavailableError,
} from '../ports.ts';
import type { KeepLimitsInput } from './keep-limits.ts';
import { scopeWord, unknownProjectIds, unknownProjectText } from './project-names.ts';

export const scopeOf = (projectId?: string): SpendLimitScope =>
  projectId === undefined ? { type: 'organization' } : { type: 'project', id: projectId };

export interface LimitReadings {
  readings: { organization?: LimitReading; projects: Record<string, LimitReading> };
  /** The writes due: scopes whose provider threshold differs from `desiredLimitCents`. */
  plan: LimitWrite[];
  /** A read failed: the next run checks again. */
  retry: boolean;
  /** Scopes with a desired limit the provider will not let this key manage. */
  unavailable: string[];
  /** Configured ids with a desired limit the provider does not list (never read or written). */
  unknown: string[];
  wanted(projectId?: string): DesiredLimit | undefined;
}

/**
 * The read half of a check: the organization's limit, then every configured project's (and those
 * the settings had before, and frozen ones), each beside `desiredLimitCents`. An id the provider
 * does not list is not asked about; without Anthropic's beta the organization's answer stands for
 * every scope (one request, not one per scope).
 */
export async function readLimits(
  input: Pick<KeepLimitsInput, 'config' | 'previous' | 'listing' | 'limits' | 'freezes'>,
  nowIso: string,
): Promise<LimitReadings> {
  const { config, previous } = input;
  const configured = Object.keys(config.projects ?? {});
  const projectIds = [
    ...new Set([
      ...configured,
      ...input.freezes.projects.keys(),
      ...Object.keys(previous?.settings.projects ?? {}),
    ]),
  ].sort();
  const unknown = new Map(
    (unknownProjectIds(projectIds, input.listing) ?? []).map((u) => [u.id, u] as const),
  );
  const unavailable: string[] = [];
  const unknownIds: string[] = [];
  const readings: { organization?: LimitReading; projects: Record<string, LimitReading> } = { projects: {} };
  const setReading = (projectId: string | undefined, r: LimitReading) => {
    if (projectId === undefined) readings.organization = r;
    else readings.projects[projectId] = r;
  };
  const wanted = (projectId?: string) =>
    projectId === undefined
      ? desiredLimitCents(config, input.freezes.organization)
      : desiredLimitCents(config.projects?.[projectId], input.freezes.projects.get(projectId));
  let retry = false;
  let betaUnavailable: string | undefined;
  const plan: LimitWrite[] = [];
  for (const projectId of [undefined, ...projectIds]) {
    const want = wanted(projectId);
    const label = projectId === undefined ? 'organization' : `${scopeWord(config.provider)} ${projectId}`;
    const u = projectId === undefined ? undefined : unknown.get(projectId);
    if (u) {
      setReading(projectId, { error: unknownProjectText(u, scopeWord(config.provider)) });
      if (want) unknownIds.push(projectId as string);
      continue;
    }
    try {
      if (betaUnavailable) throw new SpendLimitsUnavailableError(config.provider, betaUnavailable);
      const have = await input.limits.get(scopeOf(projectId));
      setReading(projectId, { provider: have, readAt: nowIso });
      if (want && limitDiffers(have, want)) {
        plan.push({
          ...(projectId !== undefined && { projectId }),
          cents: want.cents,
          previousCents: have.state === 'set' ? have.thresholdCents : null,
          source: want.source,
        });
      }
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof SpendLimitsUnavailableError) {
        // Without the beta every scope answers the same: ask once (the organization is read first).
        if (projectId === undefined) betaUnavailable = message.replace(/^[a-z]+: /, '');
        setReading(projectId, { unavailable: message });
        if (want) unavailable.push(`${label}: ${message}`);
      } else {
        setReading(projectId, { error: `could not read the limit: ${message}` });
        retry = true;
      }
    }
  }

  return { readings, plan, retry, unavailable, unknown: unknownIds, wanted };
}
