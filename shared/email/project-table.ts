import type { Figures } from '../core/figures.ts';
import { ratioToUsd, usdToMicros } from '../core/money.ts';
import { UNATTRIBUTED } from '../core/projects.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { percent, usd, usdMicros } from './format.ts';
import {
  type ProjectNames,
  type ProjectSummary,
  type ProviderHardLimits,
  projectSummaries,
} from './project-summary.ts';

/** The per-project table of the account's email and the digest: its heading, columns and rows. */
export interface ProjectTable {
  title: string;
  head: string[];
  rows: string[][];
}

/** `Search (proj_abc)`; the id alone when it has no other name; `unattributed` and the default workspace as named. */
export function projectLabel(p: Pick<ProjectSummary, 'id' | 'name'>): string {
  return p.name === p.id || p.id === UNATTRIBUTED || p.id === 'default' ? p.name : `${p.name} (${p.id})`;
}

/**
 * The provider's hard limit when burnrate has read it; else the configured one, marked so (until it
 * is read, that is what burnrate will set); else none.
 */
export function hardLimitText(p: Pick<ProjectSummary, 'id' | 'hardLimitUsd'>, limits?: ProviderHardLimits) {
  const read = limits?.get(p.id);
  if (read !== undefined) return usd(read);
  return p.hardLimitUsd === undefined ? 'none' : `${usd(p.hardLimitUsd)} (config)`;
}

/**
 * Every configured project and every project/workspace that spent this month (no entry: shown, no
 * budget), largest month-to-date first. Undefined when it would say nothing: no split (simulations),
 * or an account without projects whose spend is all unattributed.
 */
export function projectTable(input: {
  account: AccountConfig;
  figures: Figures;
  projectNames?: ProjectNames | undefined;
  hardLimits?: ProviderHardLimits | undefined;
}): ProjectTable | undefined {
  const { account, figures } = input;
  const rows = projectSummaries(figures, account, input.projectNames).filter(
    (p) => p.configured || p.figures.monthToDateMicros > 0,
  );
  if (rows.length === 0 || (rows.length === 1 && rows[0]?.scope === UNATTRIBUTED && !rows[0].configured))
    return undefined;
  const word = account.provider === 'anthropic' ? 'Workspace' : 'Project';
  return {
    title: `${word}s this month`,
    head: [word, 'Month to date', 'Budget', 'Forecast', 'Hard limit'],
    rows: rows.map((p) => [
      projectLabel(p),
      usdMicros(p.figures.monthToDateMicros),
      p.budgetUsd === undefined
        ? 'none'
        : `${usd(p.budgetUsd)} (${percent(p.figures.monthToDateMicros, usdToMicros(p.budgetUsd))} used)`,
      usd(ratioToUsd(p.forecast.num, p.forecast.den)),
      hardLimitText(p, input.hardLimits),
    ]),
  };
}
