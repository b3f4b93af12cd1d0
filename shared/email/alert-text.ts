import type { AlertCandidate, AlertKind } from '../core/alerts.ts';
import { burnRate, forecastMonthEnd, runway } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { microsToUsd, ratioToUsd, roundRatio } from '../core/money.ts';
import { DAY_MS } from '../core/time.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { days, isoDay, list, usd, usdMicros, usdShort } from './format.ts';
import { describeGuard, type GuardFacts, guardSpikeNote } from './guard-text.ts';
import { describeLimitAlert } from './hard-limit-text.ts';
import { describeProjectAlert } from './project-text.ts';
import { describeSpike } from './spike-text.ts';

/**
 * Most severe first: the subject line speaks of the first alert in this order. A spike is money
 * burning right now, and its cause may be the exhaustion too: it leads, after what the guard did
 * about it (an `auto` email leads with "Frozen Search at $57.20 …").
 */
export const SEVERITY = [
  'guard',
  'spike',
  'exhausted',
  'low-balance',
  'runway',
  'recharge-limit',
  'expiry',
  'forecast',
  'budget',
  'project-forecast',
  'project-budget',
  'hard-limit',
  'project-hard-limit',
  'hard-limit-unmanaged',
  'project-hard-limit-unmanaged',
  'guard-reminder',
] as const satisfies readonly AlertKind[];
// Fails to compile when a kind has no place in the order (and so, likely, no text below).
const _ordered: Exclude<AlertKind, (typeof SEVERITY)[number]> extends never ? true : never = true;
void _ordered;

/** The threshold a key names (p, t, d or N), if its kind has one. */
export function thresholdOf(alert: AlertCandidate): number | undefined {
  return 'threshold' in alert ? alert.threshold : undefined;
}

export interface AlertText {
  /** One line, with the number: used as the subject and as the section title. */
  headline: string;
  /** The figure and the threshold it crossed. */
  detail: string;
  /** What to do next, naming the config field to edit. */
  action: string;
}

/**
 * Plain-text facts for one alert; the HTML and text parts both render from these. `names`: the
 * names the provider lists for projects (a project alert names its project).
 */
export function describeAlert(
  alert: AlertCandidate,
  f: Figures,
  config: AccountConfig,
  names?: ReadonlyMap<string, string>,
  guard?: GuardFacts,
): AlertText {
  const balance = usdMicros(f.balanceMicros);
  const rate = burnRate(f);
  const perDay = rate ? `${usd(ratioToUsd(rate.num, rate.den))}/day` : 'no spend history yet';
  const t = thresholdOf(alert) ?? 0;
  switch (alert.kind) {
    case 'spike': {
      const spike = describeSpike(f, config);
      const note = guardSpikeNote(f, config, guard);
      return note ? { ...spike, action: `${note} ${spike.action}` } : spike;
    }
    case 'guard':
    case 'guard-reminder':
      return describeGuard(alert, f, config, guard);
    case 'exhausted':
      return {
        headline: `credit exhausted, balance ${balance}`,
        detail: `The prepaid balance is ${balance} (overdraft ${usdMicros(f.overdraftMicros)}). Requests can start failing with insufficient_quota at any moment.`,
        action:
          'Buy credits now (or turn on auto-recharge in the provider console). To hear earlier next time, set `lowBalanceUsd` or `lowRunwayDays`.',
      };
    case 'low-balance':
      return {
        headline: `balance ${balance} is below ${usdShort(t)}`,
        detail: `The balance ${balance} crossed the low-balance threshold ${usd(t)}; spending ${perDay}.`,
        action: `Buy credits or cut usage. To change the threshold, edit \`lowBalanceUsd\` (now ${list(config.lowBalanceUsd)}).`,
      };
    case 'runway': {
      const r = runway(f);
      const left = r ? roundRatio(r.num * 10, r.den) / 10 : 0;
      return {
        headline: `runway ${left} days, below ${t}`,
        detail: `At ${perDay}, the balance ${balance} lasts ${days(left)}: less than the ${days(t)} threshold.`,
        action: `Buy credits or cut usage. To change the threshold, edit \`lowRunwayDays\` (now ${t}).`,
      };
    }
    case 'expiry': {
      const g = f.grants.find((x) => x.grant.id === alert.grantId);
      const left = g ? Math.max(0, Math.ceil((g.grant.expiresAt - f.at) / DAY_MS)) : t;
      const remaining = g ? usdShort(microsToUsd(g.remainingMicros)) : '?';
      const risk = g?.atRiskScaled == null ? undefined : ratioToUsd(g.atRiskScaled, f.burnDays);
      const riskText =
        risk === undefined
          ? 'the amount at risk is unknown (no spend history yet)'
          : `about ${usdShort(risk)} likely unused`;
      return {
        headline: `${remaining} of credits expire in ${days(left)}, ${riskText}`,
        detail: `Grant ${alert.grantId} has ${remaining} left and expires on ${g ? isoDay(g.grant.expiresAt) : '?'}, inside the ${t}-day warning window. At ${perDay} (burn order ${config.burnOrder}), ${riskText}.`,
        action: `Move usage onto this credit before it expires, or accept the loss. Warnings come ${list(config.expiryWarningDays)} days ahead: edit \`expiryWarningDays\` to change that.`,
      };
    }
    case 'forecast': {
      const fc = forecastMonthEnd(f);
      const budget = config.monthlyBudgetUsd ?? 0;
      return {
        headline: `forecast ${usdShort(ratioToUsd(fc.num, fc.den))} for ${alert.month} exceeds the ${usdShort(budget)} budget`,
        detail: `Month to date ${usdMicros(f.monthToDateMicros)} plus ${perDay} for the rest of ${alert.month} comes to ${usd(ratioToUsd(fc.num, fc.den))}, at or above the monthly budget ${usd(budget)}.`,
        action:
          'Cut usage, or raise `monthlyBudgetUsd`. To stop forecast alerts, set `forecastAlert` to false.',
      };
    }
    case 'recharge-limit':
      return rechargeLimitText(f, config, perDay);
    case 'project-budget':
    case 'project-forecast':
      return describeProjectAlert(alert, f, config, names);
    case 'hard-limit':
    case 'project-hard-limit':
    case 'hard-limit-unmanaged':
    case 'project-hard-limit-unmanaged':
      return describeLimitAlert(alert, config, names);
    case 'budget': {
      const budget = config.monthlyBudgetUsd ?? 0;
      const current = alert.month === isoDay(f.at).slice(0, 7);
      const spent = usdMicros(current ? f.monthToDateMicros : f.previousMonthMicros);
      return {
        headline: `${t}% of the ${usdShort(budget)} budget used in ${alert.month} (${spent})`,
        detail: `Spend in ${alert.month} is ${spent}${current ? ' so far' : ''}: at or above ${t}% of the monthly budget ${usd(budget)}.`,
        action: `Cut usage, or change \`monthlyBudgetUsd\` (now ${budget}) or \`budgetAlertPercents\` (now ${list(config.budgetAlertPercents)}).`,
      };
    }
  }
}

/** "auto-recharge added $X in N card charges this month; about $Y by month end". */
export function rechargeLine(f: Figures): string {
  const forecast = ratioToUsd(f.forecastRecharges.num, f.forecastRecharges.den);
  const charges = `${f.rechargesThisMonth} card charge${f.rechargesThisMonth === 1 ? '' : 's'}`;
  return `auto-recharge added ${usdMicros(f.rechargedThisMonthMicros)} in ${charges} this month; about ${usd(forecast)} by month end`;
}

function rechargeLimitText(f: Figures, config: AccountConfig, perDay: string): AlertText {
  const limit = usdShort(config.autoRecharge?.monthlyLimitUsd ?? 0);
  const on = f.rechargeLimitReachedOn ?? f.day;
  const date = isoDay(on);
  const r = runway(f);
  // The runway counts from D; what is left after the limit day is the rest of it.
  const after =
    r === null
      ? null
      : Math.max(0, roundRatio(r.num * 10 - ((on - f.day) / DAY_MS) * 10 * r.den, r.den) / 10);
  const lasts =
    after === null
      ? 'after that the balance lasts until the limit resets next month'
      : `after that the balance lasts about ${days(after)}`;
  const verb = on < f.day ? 'was reached' : 'will be reached';
  return {
    headline: `the ${limit} monthly auto-recharge limit ${verb} on ${date}`,
    detail: `The ${limit} monthly auto-recharge limit ${verb} on ${date}; ${lasts}. At ${perDay}, ${rechargeLine(f)}.`,
    action: `Raise the monthly limit on the provider's billing page (and \`autoRecharge.monthlyLimitUsd\`, now ${config.autoRecharge?.monthlyLimitUsd ?? 'unset'}), or cut usage.`,
  };
}
