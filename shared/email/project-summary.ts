import { forecastMonthEnd, type Ratio } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { microsToUsd, ratioToUsd } from '../core/money.ts';
import { emptyScope, type ScopeFigures, scopeBurnRate, UNATTRIBUTED } from '../core/projects.ts';
import {
  type AccountConfig,
  projectName,
  projectOfScope,
  scopeOfProject,
} from '../schemas/account-config.ts';

/**
 * Names the provider lists for projects/workspaces, by id (the `upkeep` work loads them from the
 * PROJECTS item; until then an empty map: the config's names, else the ids, are shown).
 */
export type ProjectNames = ReadonlyMap<string, string>;

/**
 * The provider's hard monthly limit per project id, in USD, as last read from the provider (the
 * `upkeep` work's LIMITS item). Absent: the emails show the configured `hardLimitUsd`, marked so.
 */
export type ProviderHardLimits = ReadonlyMap<string, number>;

/** One row of the per-project table: a configured project, or a scope with spend and no entry. */
export interface ProjectSummary {
  /** The config id: `proj_…`, `wrkspc_…`, `default` (Anthropic's default workspace), or `(none)`. */
  id: string;
  /** Its key in the cost split (`(none)` for Anthropic's default workspace and unattributed spend). */
  scope: string;
  /** What a reader sees: the config name, else the provider's, else the id; `unattributed` for `(none)`. */
  name: string;
  configured: boolean;
  figures: ScopeFigures;
  burnRate: Ratio | null;
  forecast: Ratio;
  budgetUsd?: number | undefined;
  /** The configured `hardLimitUsd` (what burnrate keeps the provider at). */
  hardLimitUsd?: number | undefined;
  recipients: string[];
}

/** A project's display name; spend without a project id reads as "unattributed" (OpenAI). */
export function displayName(config: AccountConfig, id: string, names?: ProjectNames): string {
  if (id === UNATTRIBUTED) return 'unattributed';
  const listed =
    names?.get(id) ?? (config.provider === 'anthropic' && id === 'default' ? 'Default workspace' : undefined);
  return projectName(config, id, listed);
}

/**
 * Every configured project and every scope that spent in the window, largest month-to-date first
 * (then by name). Their month-to-date, today and burn sums add up to the account's (projects.ts).
 * Empty without a per-project split (simulations).
 */
export function projectSummaries(f: Figures, config: AccountConfig, names?: ProjectNames): ProjectSummary[] {
  if (!f.scopes) return [];
  const scopes = new Set(f.scopes.keys());
  for (const id of Object.keys(config.projects ?? {})) scopes.add(scopeOfProject(config.provider, id));
  const rows = [...scopes].map((scope): ProjectSummary => {
    const id = projectOfScope(config.provider, scope);
    const entry = config.projects?.[id];
    const s = f.scopes?.get(scope) ?? emptyScope(scope, f);
    return {
      id,
      scope,
      name: displayName(config, id, names),
      configured: entry !== undefined,
      figures: s,
      burnRate: scopeBurnRate(s),
      forecast: forecastMonthEnd(s),
      budgetUsd: entry?.monthlyBudgetUsd,
      hardLimitUsd: entry?.hardLimitUsd,
      recipients: entry?.recipients ?? [],
    };
  });
  return rows.sort(
    (a, b) =>
      b.figures.monthToDateMicros - a.figures.monthToDateMicros ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** A summary as the STATE snapshot stores it (USD to the cent), for `status --json` and the console. */
export function projectSnapshot(p: ProjectSummary) {
  return {
    id: p.id,
    name: p.name,
    configured: p.configured,
    monthToDateUsd: microsToUsd(p.figures.monthToDateMicros),
    todayUsd: microsToUsd(p.figures.todayMicros),
    burnRateUsdPerDay: p.burnRate ? ratioToUsd(p.burnRate.num, p.burnRate.den) : 0,
    forecastMonthEndUsd: ratioToUsd(p.forecast.num, p.forecast.den),
    monthlyBudgetUsd: p.budgetUsd ?? null,
    hardLimitUsd: p.hardLimitUsd ?? null,
  };
}
