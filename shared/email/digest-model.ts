import { microsToUsd, ratioToUsd, roundRatio } from '../core/money.ts';
import { DAY_MS, dayKey } from '../core/time.ts';
import { type AlertEmailInput, type EmailModel, emailModel } from './email-model.ts';
import { isoDay, usd, usdMicros } from './format.ts';

/** Everything a weekly digest is rendered from: the alert email's facts without alerts, plus the week. */
export interface DigestEmailInput extends Omit<AlertEmailInput, 'alerts'> {
  /** The Monday (YYYY-MM-DD) of the week the digest opens. */
  week: string;
}

export type DigestModel = Omit<EmailModel, 'alerts'> & {
  /** One line under the title: burnrate is running and when it looked. */
  alive: string;
  footer: string;
};

/** `+12%`, `-8%`, `0%`: change of `now` against `before` (integers), exact and rounded once. */
function change(now: number, before: number): string {
  const p = roundRatio((now - before) * 100, before);
  return `${p > 0 ? '+' : ''}${p}%`;
}

/** Sum of the complete days in [from, to) of the daily series (missing days are zero). */
function spendBetween(daily: AlertEmailInput['dailySpend'], from: number, to: number): number {
  const [a, b] = [dayKey(from), dayKey(to)];
  return daily.filter((d) => d.day >= a && d.day < b).reduce((sum, d) => sum + d.amountMicros, 0);
}

/**
 * The digest says what a reader of the alert emails would want to know on a quiet Monday: balance,
 * runway, the week's spend against the week before, the month against the budget, what expires
 * next and how much of it is at risk. The HTML and the text part are two views of this model.
 */
export function digestModel(input: DigestEmailInput): DigestModel {
  const base = emailModel({ ...input, alerts: [] });
  const f = input.figures;
  const name = input.account.name ?? input.account.id;
  const lastWeek = spendBetween(input.dailySpend, f.day - 7 * DAY_MS, f.day);
  const weekBefore = spendBetween(input.dailySpend, f.day - 14 * DAY_MS, f.day - 7 * DAY_MS);
  const range = `${dayKey(f.day - 7 * DAY_MS)} to ${dayKey(f.day - DAY_MS)}`;
  const weekLine = `${usdMicros(lastWeek)} (${range}), ${
    weekBefore > 0
      ? `${change(lastWeek, weekBefore)} on the 7 days before (${usdMicros(weekBefore)})`
      : `nothing spent the 7 days before`
  }`;
  const rows = new Map(base.summary);
  const summary: Array<[string, string]> = [];
  const keep = (label: string) => {
    const value = rows.get(label);
    if (value !== undefined) summary.push([label, value]);
  };
  keep('Frozen');
  keep('Balance');
  keep('Runway');
  summary.push(['Spend, last 7 days', weekLine]);
  keep('Month to date');
  keep('Month-end forecast');
  keep('Burn rate');
  if (f.hasGrants) summary.push(['Next expiry', nextExpiry(input)]);
  // Auto-recharge (core's figures): what it added this month, the month-end forecast, and the limit.
  const recharge = rows.get('Auto-recharge');
  if (recharge !== undefined) {
    const limit = input.account.autoRecharge?.monthlyLimitUsd;
    const reached = f.rechargeLimitReachedOn;
    summary.push([
      'Auto-recharge',
      `${recharge}${limit === undefined ? '' : `; monthly limit ${usd(limit)}${reached === null ? '' : `, ${reached > f.day ? 'expected to be reached' : 'reached'} on ${isoDay(reached)}`}`}`,
    ]);
  }
  keep('Last reconciled');

  // The same runway as the Figures table (with auto-recharge, core's projection), so they agree.
  const runwayText = rows.get('Runway') ?? 'not burning';
  const headline = f.hasGrants
    ? `balance ${usdMicros(f.balanceMicros)}, ${runwayText === 'not burning' ? runwayText : `runway ${runwayText}`}`
    : `${usdMicros(lastWeek)} spent in the last 7 days`;
  return {
    ...base,
    summary,
    subject: `${input.demo ? '[DEMO] ' : ''}${name}: weekly digest, ${headline}`,
    title: name,
    alive: `burnrate checked this account at ${base.asOf.split(',')[0]} and will email as soon as a threshold is crossed. This is the digest for the week of ${input.week}.`,
    footer:
      'The digest comes every Monday, at the first run after 09:00 UTC. Set `digest` to "off" in the account config item to stop it.',
  };
}

/** The first grant to expire that still holds credit: amount, date, and how much is at risk. */
function nextExpiry(input: DigestEmailInput): string {
  const f = input.figures;
  const next = f.grants
    .filter((g) => !g.expired && g.remainingMicros > 0)
    .sort((a, b) => a.grant.expiresAt - b.grant.expiresAt)[0];
  if (!next) return 'no credit left to expire';
  const risk =
    next.atRiskScaled === null
      ? 'at risk unknown (no spend history yet)'
      : `${usd(ratioToUsd(next.atRiskScaled, f.burnDays))} at risk`;
  return `${next.grant.id}: ${usd(microsToUsd(next.remainingMicros))} on ${isoDay(next.grant.expiresAt)}, ${risk}`;
}
