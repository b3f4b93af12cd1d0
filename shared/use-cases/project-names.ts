import { closest } from 'fastest-levenshtein';
import type { ProviderHardLimits } from '../email/project-summary.ts';
import type { AccountItems, ProjectsRecord } from '../ports.ts';

/**
 * Project (OpenAI) and workspace (Anthropic) names as the provider lists them, by id: what emails,
 * `status`, the digest and `doctor` show beside an id. Keyed by the config's ids (`proj_…`,
 * `wrkspc_…`, and `default` for Anthropic's default workspace, whose costs are booked under
 * `(none)`: map a scope of the cost split with `projectOfScope` first). Archived projects keep their
 * names (their past costs keep their ids). Empty until the upkeep has listed them once. A name in
 * the config item wins over these (`projectName(config, id, names.get(id))`).
 */
export function projectNames(items: Pick<AccountItems, 'projects'>): Map<string, string> {
  return new Map(Object.entries(items.projects?.projects ?? {}).map(([id, p]) => [id, p.name]));
}

/**
 * The provider's hard monthly limit per project id, in USD, as the upkeep last read it (LIMITS
 * item): what the emails show beside the configured one. A project whose limit the provider has
 * none of, or that could not be read, is absent (the emails then show the configured limit, marked).
 */
export function providerHardLimits(items: Pick<AccountItems, 'limits'>): ProviderHardLimits {
  const out = new Map<string, number>();
  for (const [id, reading] of Object.entries(items.limits?.projects ?? {})) {
    if (reading.provider?.state === 'set') out.set(id, reading.provider.thresholdCents / 100);
  }
  return out;
}

/**
 * The configured project ids the provider does not list, each with the listed id nearest to it by
 * edit distance (a typo names what was meant). Undefined when nothing was listed yet: unknown.
 */
export function unknownProjectIds(
  configured: readonly string[],
  listed: ProjectsRecord | undefined,
): Array<{ id: string; nearest: string | undefined }> | undefined {
  if (!listed) return undefined;
  const ids = Object.keys(listed.projects).sort();
  return configured
    .filter((id) => !(id in listed.projects))
    .map((id) => ({ id, nearest: ids.length > 0 ? closest(id, ids) : undefined }));
}

/** `projects.proj_abd: not a project of this organization (did you mean proj_abc?)`. */
export function unknownProjectText(u: { id: string; nearest: string | undefined }, word: string): string {
  const hint = u.nearest === undefined ? '' : ` (did you mean ${u.nearest}?)`;
  return `projects.${u.id}: not a ${word} of this organization as the provider lists them${hint}`;
}

/** "project" for OpenAI, "workspace" for Anthropic. */
export const scopeWord = (provider: string): string => (provider === 'anthropic' ? 'workspace' : 'project');
