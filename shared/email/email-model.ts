import type { AlertCandidate } from '../core/alerts.ts';
import { burnRate, forecastMonthEnd, runway } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { microsToUsd, ratioToUsd, roundRatio, usdToMicros } from '../core/money.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { type AlertText, describeAlert, rechargeLine, SEVERITY, thresholdOf } from './alert-text.ts';
import {
  type ChartRow,
  type DailySpend,
  dailyPaceUsd,
  projectionMilestones,
  projectionRows,
  spendCaption,
  spendRows,
} from './charts.ts';
import { isoDay, isoMinute, percent, reconciledText, usd, usdMicros } from './format.ts';
import { frozenLines, type GuardFacts } from './guard-text.ts';
import type { ProjectNames, ProviderHardLimits } from './project-summary.ts';
import { type ProjectTable, projectTable } from './project-table.ts';

/** Everything an alert email is rendered from; the clock is `figures.at`, never the wall clock. */
export interface AlertEmailInput {
  account: AccountConfig;
  figures: Figures;
  /** One or more alerts fired in this run, of any kinds. */
  alerts: AlertCandidate[];
  /** The last 30 days (gaps are zero spend); `byScope` is spend per project or workspace. */
  dailySpend: Array<DailySpend & { byScope?: Record<string, number> }>;
  /** The last day (YYYY-MM-DD) the provider's cost report covers. */
  costsReportedThrough?: string | undefined;
  todayIsEstimate: boolean;
  /** Label the email as DEMO DATA (the npm start demo sends simulated history). */
  demo?: boolean;
  /** The last `burnrate checkpoint` against the billing page, if any. */
  reconciled?: { at: string; driftUsd: number } | undefined;
  /** Names the provider lists for projects/workspaces (the config's own names win). */
  projectNames?: ProjectNames | undefined;
  /** The provider's hard limits per project id (USD), once read; absent: the configured ones. */
  hardLimits?: ProviderHardLimits | undefined;
  /** What the guard did this run and its links; absent: the guard texts say what the key says. */
  guard?: GuardFacts | undefined;
}

/** Everything an alert email says, once; the HTML and the text part are two views of it. */
export interface EmailModel {
  subject: string;
  title: string;
  /** When the figures were computed, and the account id (the config item's key). */
  asOf: string;
  demo: boolean;
  alerts: AlertText[];
  summary: Array<[string, string]>;
  grants: Array<[string, string, string, string]>;
  /** This month per project (OpenAI) or workspace (Anthropic): configured ones and any that spent. */
  projects?: ProjectTable | undefined;
  /** How current the figures are: the last reported day, and whether today is an estimate. */
  freshness: string;
  notes: string[];
  spend: ChartRow[];
  /** The budget's daily pace drawn across the spend chart, when a monthly budget is set. */
  paceUsd?: number | undefined;
  /** The spend chart in words (peak day, today, budget pace): shown under the chart in both parts. */
  spendCaption: string[];
  projection: ChartRow[];
  /** The projection's milestones (now, grants starting or expiring, the end), one line each. */
  projectionMilestones: string[];
  /** Why there is no projection, when there is none. */
  projectionNote: string;
}

const BURN_ORDER: Record<string, string> = {
  'expiring-first': 'credit that expires first is used first',
  'oldest-first': 'credit bought first is used first',
};

/**
 * Several thresholds crossed at once (budget 50/80/100, low balance 100/25) read as one alert:
 * the highest percent, the lowest balance or days threshold, per month and per grant.
 */
export function mostSevere(alerts: readonly AlertCandidate[]): AlertCandidate[] {
  const best = new Map<string, AlertCandidate>();
  for (const a of alerts) {
    const part = (name: 'month' | 'grantId' | 'projectId') =>
      name in a ? String(a[name as keyof typeof a]) : '';
    const group = `${a.kind}|${part('month')}|${part('grantId')}|${part('projectId')}`;
    const current = best.get(group);
    const t = thresholdOf(a) ?? 0;
    const higherIsWorse = a.kind === 'budget' || a.kind === 'project-budget';
    const better = higherIsWorse
      ? t > ((current && thresholdOf(current)) ?? -1)
      : t < ((current && thresholdOf(current)) ?? Number.POSITIVE_INFINITY);
    if (!current || better) best.set(group, a);
  }
  return [...best.values()];
}

export function emailModel(facts: AlertEmailInput): EmailModel {
  const { figures: f, account } = facts;
  const name = account.name ?? account.id;
  const ordered = mostSevere(facts.alerts).sort(
    (a, b) => SEVERITY.indexOf(a.kind) - SEVERITY.indexOf(b.kind),
  );
  const alerts = ordered.map((a) => describeAlert(a, f, account, facts.projectNames, facts.guard));
  const more = alerts.length > 1 ? ` (+${alerts.length - 1} more)` : '';
  const demo = facts.demo === true;
  const rate = burnRate(f);
  const days = runway(f);
  const forecast = forecastMonthEnd(f);
  const summary: Array<[string, string]> = [];
  // A freeze in force is in every email until it is released (issue 18): first, where it is seen.
  const frozen = facts.guard
    ? frozenLines(facts.guard.freezes.values(), account, f.at, facts.guard.names ?? facts.projectNames)
    : [];
  if (frozen.length > 0) summary.push(['Frozen', frozen.join('; ')]);
  if (f.hasGrants) summary.push(['Balance', usdMicros(f.balanceMicros)]);
  summary.push([
    'Burn rate',
    rate
      ? `${usd(ratioToUsd(rate.num, rate.den))}/day (last ${rate.den} complete days)`
      : 'no spend history yet',
  ]);
  if (f.hasGrants)
    summary.push([
      'Runway',
      days
        ? `${roundRatio(days.num * 10, days.den) / 10} days`
        : f.autoRecharge && rate && rate.num > 0
          ? 'no end in sight: auto-recharge keeps it going'
          : 'not burning',
    ]);
  const budget = account.monthlyBudgetUsd;
  summary.push([
    'Month to date',
    budget
      ? `${usdMicros(f.monthToDateMicros)} of ${usd(budget)} budget (${percent(f.monthToDateMicros, usdToMicros(budget))})`
      : `${usdMicros(f.monthToDateMicros)} (no monthly budget set)`,
  ]);
  summary.push(['Month-end forecast', usd(ratioToUsd(forecast.num, forecast.den))]);
  if (f.hour) summary.push(['Last hour', `${usdMicros(f.hour.amountMicros)} (estimate from hourly usage)`]);
  if (f.autoRecharge) summary.push(['Auto-recharge', rechargeLine(f)]);
  if (facts.reconciled) summary.push(['Last reconciled', reconciledText(facts.reconciled)]);
  const grants = f.grants.map((g): [string, string, string, string] => [
    g.grant.auto
      ? `${g.grant.id} (modelled)`
      : g.grant.recharge
        ? `${g.grant.id} (entered recharge)`
        : g.grant.id,
    g.expired
      ? `${usdMicros(0)} (expired, ${usdMicros(g.expiredMicros)} lost)`
      : usd(microsToUsd(g.remainingMicros)) + (g.active ? '' : ' (not active yet)'),
    isoDay(g.grant.expiresAt),
    g.atRiskScaled === null ? 'unknown' : usd(ratioToUsd(g.atRiskScaled, f.burnDays)),
  ]);
  const freshness = `${facts.costsReportedThrough ? `Costs reported through ${facts.costsReportedThrough}` : 'No cost report received yet'}${facts.todayIsEstimate ? `; today (${usdMicros(f.todayMicros)} so far) is an estimate from hourly usage` : ''}.`;
  const notes = [
    // Burn order only matters where there is credit to burn: not on a post-paid account.
    ...(f.hasGrants
      ? [
          `Burn order assumed: ${account.burnOrder} (${BURN_ORDER[account.burnOrder]}); set \`burnOrder\` to change it.`,
        ]
      : []),
    ...(account.provider === 'anthropic'
      ? ["Anthropic's cost report leaves out Priority Tier spend, so the balance is too high by any of it."]
      : []),
  ];
  const projection = f.hasGrants ? projectionRows(f) : [];
  const spend = spendRows(f, facts.dailySpend);
  const pace = budget ? { ...dailyPaceUsd(budget, f.at), budgetUsd: budget } : undefined;
  return {
    projects: projectTable(facts),
    subject: `${demo ? '[DEMO] ' : ''}${name}: ${alerts[0]?.headline ?? 'no alert'}${more}`,
    title: name,
    asOf: `${isoMinute(f.at)}, account ${account.id}`,
    demo,
    alerts,
    summary,
    grants,
    freshness,
    notes,
    spend,
    paceUsd: pace?.paceUsd,
    spendCaption: spendCaption(spend, pace),
    projection,
    // The chart does not model recharges (the core's projection does, for runway and at-risk): say so.
    projectionMilestones: [
      ...projectionMilestones(projection),
      ...(f.autoRecharge && projection.length
        ? ['Drawn without auto-recharge; the runway under Figures counts the recharges.']
        : []),
    ],
    projectionNote: !f.hasGrants
      ? 'No prepaid credit on this account, so there is no balance to project.'
      : f.balanceMicros <= 0
        ? `The balance is already ${usdMicros(f.balanceMicros)}: nothing left to project.`
        : 'Nothing is being spent, so the balance stays where it is.',
  };
}
