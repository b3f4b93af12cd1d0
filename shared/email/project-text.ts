import type { AlertCandidate } from '../core/alert-keys.ts';
import { forecastMonthEnd } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { ratioToUsd } from '../core/money.ts';
import { emptyScope, type ScopeFigures, scopeBurnRate } from '../core/projects.ts';
import { type AccountConfig, projectPolicies, scopeOfProject } from '../schemas/account-config.ts';
import type { AlertText } from './alert-text.ts';
import { isoDay, list, usd, usdMicros, usdShort } from './format.ts';
import { displayName } from './project-summary.ts';

type ProjectAlert = Extract<AlertCandidate, { kind: 'project-budget' | 'project-forecast' }>;

/** A project's figures at this run (zero when it spent nothing in the window). */
export function projectFigures(f: Figures, config: AccountConfig, projectId: string): ScopeFigures {
  const scope = scopeOfProject(config.provider, projectId);
  return f.scopes?.get(scope) ?? emptyScope(scope, f);
}

/**
 * The text of a project's budget or forecast alert: the project by name, its own figures and
 * budget, and the config fields to edit (dotted paths, as `account set` takes them).
 */
export function describeProjectAlert(
  alert: ProjectAlert,
  f: Figures,
  config: AccountConfig,
  names?: ReadonlyMap<string, string>,
): AlertText {
  const id = alert.projectId;
  const name = displayName(config, id, names);
  const who = name === id ? `Project ${id}` : `Project ${name} (${id})`;
  const policy = projectPolicies(config).find((p) => p.id === id);
  const budget = policy?.monthlyBudgetUsd ?? 0;
  const s = projectFigures(f, config, id);
  const rate = scopeBurnRate(s);
  const perDay = rate ? `${usd(ratioToUsd(rate.num, rate.den))}/day` : 'no spend history yet';
  if (alert.kind === 'project-forecast') {
    const fc = forecastMonthEnd(s);
    return {
      headline: `${name}: forecast ${usdShort(ratioToUsd(fc.num, fc.den))} for ${alert.month} exceeds its ${usdShort(budget)} budget`,
      detail: `${who} spent ${usdMicros(s.monthToDateMicros)} so far in ${alert.month}; at ${perDay} for the rest of the month it comes to ${usd(ratioToUsd(fc.num, fc.den))}, at or above its monthly budget ${usd(budget)}.`,
      action: `Cut the project's usage, or raise \`projects.${id}.monthlyBudgetUsd\` (now ${budget}). To stop its forecast alerts, set \`projects.${id}.forecastAlert\` to false.`,
    };
  }
  const current = alert.month === isoDay(f.at).slice(0, 7);
  const spent = usdMicros(current ? s.monthToDateMicros : s.previousMonthMicros);
  return {
    headline: `${name}: ${alert.threshold}% of its ${usdShort(budget)} budget used in ${alert.month} (${spent})`,
    detail: `${who} spent ${spent} in ${alert.month}${current ? ' so far' : ''}: at or above ${alert.threshold}% of its monthly budget ${usd(budget)}${current ? `; spending ${perDay}` : ''}.`,
    action: `Cut the project's usage, or change \`projects.${id}.monthlyBudgetUsd\` (now ${budget}) or \`projects.${id}.budgetAlertPercents\` (now ${list(policy?.budgetAlertPercents ?? [])}).`,
  };
}
