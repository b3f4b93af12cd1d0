import type { AlertCandidate } from '../core/alert-keys.ts';
import { ratioToUsd, usdToMicros } from '../core/money.ts';
import { bucketParts } from '../core/projects.ts';
import { dayKey } from '../core/time.ts';
import { scopeOfProject } from '../schemas/account-config.ts';
import { type AlertText, describeAlert, SEVERITY } from './alert-text.ts';
import { type ChartRow, type DailySpend, dailyPaceUsd, spendCaption, spendRows } from './charts.ts';
import { type AlertEmailInput, mostSevere } from './email-model.ts';
import { isoMinute, percent, usd, usdMicros } from './format.ts';
import { frozenLines } from './guard-text.ts';
import { projectSummaries } from './project-summary.ts';
import { hardLimitText, projectLabel } from './project-table.ts';

/** A project's own email: the account email's facts, which project, and today's spend per model in it. */
export interface ProjectEmailInput extends AlertEmailInput {
  projectId: string;
  /** Today's estimate per model for this project (micro-dollars), from the hourly usage. */
  todayModels?: Readonly<Record<string, number>> | undefined;
}

/** Everything a project email says, once; the HTML and text parts are two views of it. */
export interface ProjectEmailModel {
  subject: string;
  /** `Search (proj_abc)`. */
  title: string;
  /** Which account the project is in, when the figures were computed, how fresh they are. */
  intro: string;
  demo: boolean;
  alerts: AlertText[];
  summary: Array<[string, string]>;
  modelsTitle: string;
  /** Today's largest models in this project: [model, amount]; `modelsNote` when there are none. */
  models: Array<[string, string]>;
  modelsNote: string;
  spend: ChartRow[];
  paceUsd?: number | undefined;
  spendCaption: string[];
  footer: string;
}

/** How many models the table names (the rest are summed on one line). */
const TOP_MODELS = 5;

/**
 * The project's part of each day (the parts of a day add up to it: projects.ts); today's is the
 * figure the Figures table shows.
 */
function projectDays(input: ProjectEmailInput, scope: string, todayMicros: number): DailySpend[] {
  const today = dayKey(input.figures.day);
  return input.dailySpend.map((d) => ({
    day: d.day,
    amountMicros:
      d.day === today ? todayMicros : (bucketParts(d.amountMicros, d.byScope ?? {}).get(scope) ?? 0),
    ...(d.estimate && { estimate: true }),
  }));
}

function topModels(models: Readonly<Record<string, number>>): Array<[string, string]> {
  const sorted = Object.entries(models)
    .filter(([, micros]) => micros > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rows = sorted.slice(0, TOP_MODELS).map(([m, micros]): [string, string] => [m, usdMicros(micros)]);
  const rest = sorted.slice(TOP_MODELS);
  if (rest.length > 0)
    rows.push([`${rest.length} more`, usdMicros(rest.reduce((sum, [, micros]) => sum + micros, 0))]);
  return rows;
}

/**
 * The email a project's own recipients get: only its alerts, its month-to-date against its budget,
 * its forecast and hard limit, today's top models in it, and its 30-day chart with its budget's
 * daily pace. The account's recipients get the same alerts in the account's email.
 */
export function projectEmailModel(input: ProjectEmailInput): ProjectEmailModel {
  const { account, figures: f, projectId } = input;
  const scope = scopeOfProject(account.provider, projectId);
  const summaries = projectSummaries(f, account, input.projectNames);
  const p = summaries.find((s) => s.id === projectId);
  if (!p) throw new Error(`account ${account.id}: project ${projectId} has no figures in this run`);
  const accountName = account.name ?? account.id;
  const word = account.provider === 'anthropic' ? 'Workspace' : 'Project';
  const alerts = mostSevere(input.alerts as AlertCandidate[])
    .sort((a, b) => SEVERITY.indexOf(a.kind) - SEVERITY.indexOf(b.kind))
    .map((a) => describeAlert(a, f, account, input.projectNames, input.guard));
  const more = alerts.length > 1 ? ` (+${alerts.length - 1} more)` : '';
  const demo = input.demo === true;
  const s = p.figures;
  const budget = p.budgetUsd;
  const own = input.guard?.freezes.get(projectId);
  const frozen = own ? frozenLines([own], account, f.at, input.guard?.names ?? input.projectNames) : [];
  const summary: Array<[string, string]> = [
    ...(frozen.length > 0 ? [['Frozen', frozen.join('; ')] as [string, string]] : []),
    [
      'Month to date',
      budget
        ? `${usdMicros(s.monthToDateMicros)} of ${usd(budget)} budget (${percent(s.monthToDateMicros, usdToMicros(budget))})`
        : `${usdMicros(s.monthToDateMicros)} (no monthly budget set)`,
    ],
    [
      'Burn rate',
      p.burnRate
        ? `${usd(ratioToUsd(p.burnRate.num, p.burnRate.den))}/day (last ${p.burnRate.den} complete days)`
        : 'no spend history yet',
    ],
    ['Month-end forecast', usd(ratioToUsd(p.forecast.num, p.forecast.den))],
    ['Today so far', `${usdMicros(s.todayMicros)} (estimate from hourly usage)`],
    ['Hard limit', hardLimitText(p, input.hardLimits)],
    [
      `Share of ${accountName}`,
      `${percent(s.monthToDateMicros, f.monthToDateMicros)} of the account's ${usdMicros(f.monthToDateMicros)} this month`,
    ],
  ];
  const spend = spendRows(f, projectDays(input, scope, s.todayMicros));
  const pace = budget ? { ...dailyPaceUsd(budget, f.at), budgetUsd: budget } : undefined;
  const freshness = input.costsReportedThrough
    ? `Costs reported through ${input.costsReportedThrough}`
    : 'No cost report received yet';
  return {
    subject: `${demo ? '[DEMO] ' : ''}${accountName}: ${alerts[0]?.headline ?? 'no alert'}${more}`,
    title: projectLabel(p),
    intro: `${word} ${projectId} of ${accountName} (account ${account.id}). Figures at ${isoMinute(f.at)}. ${freshness}; today is an estimate from hourly usage.`,
    demo,
    alerts,
    summary,
    modelsTitle: 'Top models today (estimated from hourly usage)',
    models: topModels(input.todayModels ?? {}),
    modelsNote: `No priced usage in this ${word.toLowerCase()} today yet.`,
    spend,
    paceUsd: pace?.paceUsd,
    spendCaption: spendCaption(spend, pace),
    footer: `You get this email because you are in \`projects.${projectId}.recipients\` of account ${account.id}. The account's own recipients get every alert of the account, these included. Edit that list to change who gets this email.`,
  };
}
