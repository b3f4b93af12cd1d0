import { describe, expect, it } from 'vitest';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { buildInput, KIND_SCENARIOS, type ScenarioOptions } from '../support/render-emails.ts';

/** The spike scenario's email (30 days of $10/day, balance $100, run Nov 24 09:00). */
function spikeEmail(o: ScenarioOptions = {}) {
  const input = buildInput({ ...KIND_SCENARIOS.spike, ...o });
  const alerts = input.alerts.filter((a) => a.kind === 'spike');
  expect(alerts.map((a) => a.key)).toEqual(['spike:2026-11-24']);
  return { input, email: renderAlertEmail({ ...input, alerts }) };
}

const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('spike email', () => {
  it('says the hour’s spend against the usual hourly spend, in the subject', () => {
    // $48.20 against $10/day ÷ 24 = $0.4167/hour: 115.68×, shown as 116×.
    expect(spikeEmail().email.subject).toBe(
      'Acme production: $48.20 spent in the last hour, 116× your usual $0.42/hour',
    );
  });

  it('names the projects and models that drove it, the unknown models, the pace, and what to do', () => {
    const text = flat(spikeEmail().email.text);
    for (const fact of [
      'Usage in 2026-11-24 08:00–09:00 UTC',
      'at or above the spike threshold $10.00/hour (the larger of $10.00 and 5× the usual hourly spend; usual: the median day of the last 7 complete days, ÷ 24)',
      'Projects: proj_batch $40.00, proj_web $8.20',
      'Models: gpt-4o $45.00, gpt-4o-mini $3.20',
      'not counted in $48.20: gpt-9-preview',
      // $100 balance ÷ $48.20/hour = 2.07 hours.
      'At this pace the balance $100.00 lasts about 2.1 hours',
      'revoke its API key',
      'not a hard limit',
      'spikeAlert',
      'Last hour: $48.20',
    ])
      expect(text).toContain(fact);
  });

  it('the HTML part carries the same facts', () => {
    const { html } = spikeEmail().email;
    for (const fact of ['116× your usual $0.42/hour', 'proj_batch $40.00', 'gpt-9-preview', '2.1 hours'])
      expect(html).toContain(fact);
  });

  it('the usual hourly spend is the median day’s: a runaway day in the week does not shrink the multiple', () => {
    // Last 7 days: six of $10 and one of $500. Mean $80/day would say "14× your usual $3.33/hour";
    // the median is $10/day: $0.42/hour, 116×, and the threshold stays max($10, 5 × $0.42) = $10.
    const spend = [...Array.from({ length: 26 }, () => 10), 500, 10, 10, 10];
    const { email } = spikeEmail({ spend });
    expect(email.subject).toBe('Acme production: $48.20 spent in the last hour, 116× your usual $0.42/hour');
    expect(flat(email.text)).toContain('at or above the spike threshold $10.00/hour');
  });

  it('says so when a usual day spends nothing (the median of the week is zero)', () => {
    // Last 7 days: four of $0 and three of $20: the median day is $0.
    const spend = [...Array.from({ length: 23 }, () => 10), 0, 20, 0, 20, 0, 20, 0];
    const { email } = spikeEmail({ spend, hour: { usd: 12.5 } });
    expect(email.subject).toBe(
      'Acme production: $12.50 spent in the last hour, nothing spent on a usual day (the median of the last 7 complete days)',
    );
  });

  it('with no spend history says so instead of a multiple', () => {
    const { email } = spikeEmail({ spend: [], hour: { usd: 12.5 } });
    expect(email.subject).toBe(
      'Acme production: $12.50 spent in the last hour, no spend history yet to compare with',
    );
  });

  it('lists only the top three and counts the rest', () => {
    const { email } = spikeEmail({
      hour: { usd: 40, byScope: { a: 10, b: 20, c: 5, d: 4, e: 1 }, byModel: { m: 40 } },
    });
    expect(email.text).toContain('Projects: b $20.00, a $10.00, c $5.00 and 2 more');
  });

  it('comes first in the subject when other alerts fire with it', () => {
    const { input } = spikeEmail({ config: { lowBalanceUsd: [150] } });
    const email = renderAlertEmail(input);
    expect(input.alerts.map((a) => a.kind).sort()).toEqual(['low-balance', 'spike']);
    expect(email.subject).toBe(
      'Acme production: $48.20 spent in the last hour, 116× your usual $0.42/hour (+1 more)',
    );
  });

  it('Anthropic accounts read "Workspaces"', () => {
    const { email } = spikeEmail({ config: { provider: 'anthropic' } });
    expect(email.text).toContain('Workspaces: proj_batch $40.00');
  });
});
