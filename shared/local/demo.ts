import { DAY_MS, dayKey, startOfUtcDay } from '../core/time.ts';
import type { AccountConfigInput } from '../schemas/account-config.ts';
import type { GrantInput } from '../schemas/grant.ts';

/**
 * The demo account `npm start` seeds when no admin key is set: about 90 days of simulated spend
 * that grows week by week, a promotional grant that will partly expire unused, a purchase, and
 * thresholds that make the alerts worth looking at. All of it is labelled DEMO.
 */
export const DEMO_ACCOUNT_ID = 'demo-openai';
export const DEMO_ANTHROPIC_ID = 'demo-anthropic';

/** The Anthropic demo: a smaller team close to running out, to show the low-balance and runway alerts. */
export function demoAnthropicConfig(): AccountConfigInput {
  return {
    id: DEMO_ANTHROPIC_ID,
    provider: 'anthropic',
    name: 'DEMO Beta Labs on Anthropic (simulated data)',
    recipients: ['team@demo.example'],
    lowBalanceUsd: [200, 50],
    lowRunwayDays: 21,
  };
}

export function demoAnthropicGrants(now: number): GrantInput[] {
  const today = startOfUtcDay(now);
  return [{ id: 'credits-aug', amountUsd: 800, effectiveAt: new Date(today - 75 * DAY_MS).toISOString() }];
}

/**
 * The OpenAI demo's two projects, as its fake lists them: the support chatbot (about 70% of the
 * spend) has its own budget, lead and hard limit; batch jobs only a name from the provider.
 */
export const DEMO_PROJECTS = [
  { id: 'proj_D3fau1tPr0ject', name: 'Default project' },
  { id: 'proj_chatbot', name: 'Support chatbot' },
  { id: 'proj_batch', name: 'Batch jobs' },
  { id: 'proj_0ldExper1ments', name: 'Old experiments', archived: true },
];

export function demoConfig(): AccountConfigInput {
  return {
    id: DEMO_ACCOUNT_ID,
    provider: 'openai',
    name: 'DEMO Acme (simulated data)',
    recipients: ['team@demo.example'],
    monthlyBudgetUsd: 350,
    lowBalanceUsd: [250, 100],
    lowRunwayDays: 14,
    expiryWarningDays: [30, 7, 1],
    // The first pass sets the organization's ($600) and the chatbot's ($400) hard limits and says so.
    hardLimitUsd: 600,
    projects: {
      proj_chatbot: {
        name: 'Support chatbot',
        monthlyBudgetUsd: 250,
        budgetAlertPercents: [80, 100],
        recipients: ['chatbot-lead@demo.example'],
        hardLimitUsd: 400,
      },
      // The guard's demo: Batch jobs runs away (demoRunaway) and the first pass freezes it.
      proj_batch: { name: 'Batch jobs', guard: { mode: 'auto', headroomUsd: 5 } },
    },
  };
}

export function demoGrants(now: number): GrantInput[] {
  const today = startOfUtcDay(now);
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    { id: 'purchase-1', amountUsd: 1000, effectiveAt: iso(today - 85 * DAY_MS + 14 * 3_600_000) },
    // A promotional credit that expires in 20 days with far more left than the burn rate will use.
    {
      id: 'promo-credit',
      amountUsd: 1500,
      effectiveAt: iso(today - 40 * DAY_MS),
      expiresAt: iso(today + 20 * DAY_MS),
    },
  ];
}

/** Daily dollars for the 90 days before today: a weekly rhythm on a slowly rising trend. */
export function demoCostHistory(
  now: number,
  scale = 1,
): Record<string, Array<{ projectId: string; usd: number }>> {
  const today = startOfUtcDay(now);
  const history: Record<string, Array<{ projectId: string; usd: number }>> = {};
  for (let i = 90; i >= 1; i--) {
    const t = today - i * DAY_MS;
    const weekday = new Date(t).getUTCDay();
    const base = (6 + (90 - i) * 0.12) * scale;
    const usd = Math.round((weekday === 0 || weekday === 6 ? base * 0.4 : base) * 100) / 100;
    history[dayKey(t)] = [
      { projectId: 'proj_chatbot', usd: Math.round(usd * 70) / 100 },
      { projectId: 'proj_batch', usd: Math.round(usd * 30) / 100 },
    ];
  }
  return history;
}

/** Hourly usage so far today (two hours in three the chatbot's, one batch), priced into today's estimate. */
export function demoUsageToday(now: number, models: [string, string] = ['gpt-4o-mini', 'gpt-4o']) {
  const today = startOfUtcDay(now);
  const hours = Math.floor((now - today) / 3_600_000);
  return Array.from({ length: hours }, (_, h) => ({
    hour: new Date(today + h * 3_600_000).toISOString(),
    model: h % 3 === 0 ? models[0] : models[1],
    projectId: h % 3 === 0 ? 'proj_batch' : 'proj_chatbot',
    input_tokens: 120_000,
    input_cached_tokens: 30_000,
    output_tokens: 20_000,
  }));
}

/**
 * The guard's demo: a loop in Batch jobs, one $2 request (gpt-4o, 400k in, 100k out) a minute for
 * the 25 minutes before `now`: far above the usual hour, so the first pass raises the spike and
 * `guard:proj_batch:<day>`, and (auto mode) freezes Batch jobs before its email goes out.
 */
export function demoRunaway(now: number) {
  return Array.from({ length: 25 }, (_, i) => ({
    hour: new Date(now - (25 - i) * 60_000).toISOString(),
    model: 'gpt-4o',
    projectId: 'proj_batch',
    input_tokens: 400_000,
    output_tokens: 100_000,
  }));
}
