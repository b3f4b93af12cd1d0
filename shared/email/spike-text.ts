import type { Figures } from '../core/figures.ts';
import { roundRatio, usdToMicros } from '../core/money.ts';
import { DEFAULT_SPIKE_POLICY, HOUR_MS, spikeThresholdMicros } from '../core/spike.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import type { AlertText } from './alert-text.ts';
import { usdMicros } from './format.ts';

/** How many projects/workspaces and models the spike email names. */
const TOP = 3;

/** `13:00–14:00 UTC`, or `since 14:00 UTC` for the hour in progress. */
function hourLabel(start: number, at: number): string {
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  return start + HOUR_MS > at
    ? `the hour in progress (since ${hhmm(start)} UTC)`
    : `${new Date(start).toISOString().slice(0, 10)} ${hhmm(start)}–${hhmm(start + HOUR_MS).replace(/^00/, '24')} UTC`;
}

/** `31×` (whole above 10, one decimal below): hour ÷ usual hourly spend, exactly then rounded. */
function multiple(num: number, den: number): string {
  const tenths = roundRatio(num * 10, den);
  return tenths >= 100 ? `${roundRatio(num, den)}×` : `${tenths / 10}×`;
}

/** `proj_a $40.00, proj_b $8.20 and 2 more`: the largest few of a breakdown. */
function top(breakdown: Record<string, number>): string {
  const sorted = Object.entries(breakdown)
    .filter(([, micros]) => micros > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (sorted.length === 0) return 'none priced';
  const shown = sorted.slice(0, TOP).map(([name, micros]) => `${name} ${usdMicros(micros)}`);
  return sorted.length > TOP ? `${shown.join(', ')} and ${sorted.length - TOP} more` : shown.join(', ');
}

/** `10.4 hours`, `3.2 days`: how long the balance lasts at the spike's pace. */
function pace(balanceMicros: number, hourMicros: number): string {
  const tenthsOfHours = roundRatio(balanceMicros * 10, hourMicros);
  if (tenthsOfHours < 480) return `${tenthsOfHours / 10} hours`;
  return `${roundRatio(balanceMicros * 10, hourMicros * 24) / 10} days`;
}

/**
 * The runaway-spend email: the hour's spend against the usual hourly spend, what drove it, how
 * long the balance lasts at that pace, and what to do, plainly.
 */
export function describeSpike(f: Figures, config: AccountConfig): AlertText {
  const hour = f.hour ?? { start: f.at, amountMicros: 0, byScope: {}, byModel: {}, unknownModels: [] };
  const spent = usdMicros(hour.amountMicros);
  const policy = config.spikeAlert || DEFAULT_SPIKE_POLICY;
  // Usual hourly spend = usualDay / 24 (the median day of the burn rate's days, exactly num / den);
  // the multiple is hour ÷ usual, exactly.
  const { num, den } = f.usualDay;
  const usualDen = 24 * den;
  const usual = f.burnDays > 0 ? usdMicros(roundRatio(num, usualDen)) : undefined;
  const compared =
    usual === undefined
      ? 'no spend history yet to compare with'
      : f.burnSumMicros === 0
        ? `nothing spent in the last ${f.burnDays} complete days`
        : num === 0
          ? `nothing spent on a usual day (the median of the last ${f.burnDays} complete days)`
          : `${multiple(hour.amountMicros * usualDen, num)} your usual ${usual}/hour`;
  const usualText =
    f.burnDays > 0 ? `; usual: the median day of the last ${f.burnDays} complete days, ÷ 24` : '';
  const scopeWord = config.provider === 'anthropic' ? 'Workspaces' : 'Projects';
  const unknown = hour.unknownModels.length
    ? ` Models the price table does not know, so not counted in ${spent}: ${hour.unknownModels.join(', ')}; the real spend is higher.`
    : '';
  const runwayText = !f.hasGrants
    ? ''
    : f.balanceMicros <= 0
      ? ` The balance is already ${usdMicros(f.balanceMicros)}.`
      : hour.amountMicros > 0
        ? ` At this pace the balance ${usdMicros(f.balanceMicros)} lasts about ${pace(f.balanceMicros, hour.amountMicros)}.`
        : '';
  const setting = config.spikeAlert
    ? `now { "factor": ${policy.factor}, "minUsd": ${policy.minUsd} }`
    : 'off';
  return {
    headline: `${spent} spent in the last hour, ${compared}`,
    detail: `Usage in ${hourLabel(hour.start, f.at)}, priced at list prices (an estimate until the cost report), came to ${spent}: at or above the spike threshold ${usdMicros(spikeThresholdMicros(f.usualDay, policy))}/hour (the larger of ${usdMicros(usdToMicros(policy.minUsd))} and ${policy.factor}× the usual hourly spend${usualText}). ${scopeWord}: ${top(hour.byScope)}. Models: ${top(hour.byModel)}.${unknown}${runwayText}`,
    action: `Find the caller and stop it, or revoke its API key in the provider console, now: the provider's own budget limit is not a hard limit and may not stop it in time. If the spend is expected, tune \`spikeAlert\` (${setting}); \`false\` turns this alert off.`,
  };
}
