/**
 * One alert email per kind, and the weekly digest (prepaid and post-paid), with figures computed by the real core. Run as a script it writes each
 * email to OUTDIR as HTML and text and, when Chromium is installed (Debian: `apt-get install -y
 * chromium`), screenshots each so a person can check they are legible:
 *   npx tsx test/support/render-emails.ts /tmp/burnrate-emails
 * The unit tests import the scenarios, so the screenshots show exactly what the tests check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AlertKey, candidate } from '../../shared/core/alert-keys.ts';
import { ALERT_KINDS, type AlertKind, evaluateAlerts } from '../../shared/core/alerts.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { usdToMicros } from '../../shared/core/money.ts';
import { addOneYear, DAY_MS, dayKey } from '../../shared/core/time.ts';
import type { CostBucket, Grant } from '../../shared/core/types.ts';
import { type AlertEmailInput, renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { renderDigestEmail } from '../../shared/email/render-digest-email.ts';
import { type ProjectEmailInput, renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { parseAccountConfig, toAlertPolicy } from '../../shared/schemas/account-config.ts';

/** The run instant of every scenario: D is 2026-11-24, so Nov 1..23 are complete days. */
export const AT = Date.parse('2026-11-24T09:00:00Z');
const D = Date.parse('2026-11-24T00:00:00Z');

export interface ScenarioOptions {
  config?: Record<string, unknown>;
  grants?: Array<{
    id: string;
    usd: number;
    effective: string;
    expires?: string;
    /** A checkpoint: the page's remaining at `asOf`. */
    remaining?: number;
    asOf?: string;
    /** An entered recharge (`"recharge": true`). */
    recharge?: true;
  }>;
  /** USD per complete day, oldest first, ending yesterday. Default: 30 days of $10. */
  spend?: number[];
  /** Today's in-progress spend; when set, today is an estimate. */
  todayUsd?: number;
  /** The spike rule's hour (production only): its spend and breakdown. */
  hour?: {
    usd: number;
    byScope?: Record<string, number>;
    byModel?: Record<string, number>;
    unknownModels?: string[];
  };
  demo?: boolean;
  /** Each day's (and today's) spend split across projects by these fractions (production data). */
  split?: Record<string, number>;
  /** Keys no rule fires but the upkeep raises (hard-limit changes), added to the fired alerts. */
  raised?: AlertKey[];
  /** Today's estimate per project and model, USD (a project email's top models). */
  todayModels?: Record<string, Record<string, number>>;
}

type GrantSpec = NonNullable<ScenarioOptions['grants']>[number];
const TOPUP: GrantSpec = { id: 'topup', usd: 400, effective: '2026-10-01T00:00:00Z' };

/**
 * Grants, buckets and config → the renderer's input, with every alert the core fires on a fresh
 * (all armed) account. With the defaults: spend $300 since Oct 25, balance $100, burn $10/day,
 * runway 10 days, month to date $230, forecast $300.
 */
export function buildInput(o: ScenarioOptions = {}): AlertEmailInput {
  const account = parseAccountConfig({
    id: 'acme',
    provider: 'openai',
    name: 'Acme production',
    recipients: ['ops@acme.example'],
    ...o.config,
  });
  const grants: Grant[] = (o.grants ?? [TOPUP]).map((g) => {
    const effectiveAt = Date.parse(g.effective);
    const expiresAt = g.expires ? Date.parse(g.expires) : addOneYear(effectiveAt);
    return {
      id: g.id,
      amountMicros: usdToMicros(g.usd),
      effectiveAt,
      expiresAt,
      ...(g.recharge && { recharge: true as const }),
      ...(g.remaining !== undefined &&
        g.asOf && { checkpoint: { remainingMicros: usdToMicros(g.remaining), asOf: Date.parse(g.asOf) } }),
    };
  });
  const spend = o.spend ?? Array.from({ length: 30 }, () => 10);
  const buckets: CostBucket[] = spend.map((usd, i) => {
    const start = D - (spend.length - i) * DAY_MS;
    const amountMicros = usdToMicros(usd);
    return {
      start,
      end: start + DAY_MS,
      amountMicros,
      ...(o.split && { byScope: split(amountMicros, o.split) }),
    };
  });
  const todayMicros = o.todayUsd === undefined ? undefined : usdToMicros(o.todayUsd);
  const figures = computeFigures({
    grants,
    buckets,
    burnOrder: account.burnOrder,
    autoRecharge: toAlertPolicy(account).autoRecharge,
    at: AT,
    ...(todayMicros === undefined ? {} : { todayMicros }),
    ...(o.split && todayMicros !== undefined && { todayByScope: split(todayMicros, o.split) }),
    ...(o.hour && {
      hour: {
        start: AT - 3_600_000,
        amountMicros: usdToMicros(o.hour.usd),
        byScope: micros(o.hour.byScope ?? { '(none)': o.hour.usd }),
        byModel: micros(o.hour.byModel ?? {}),
        unknownModels: o.hour.unknownModels ?? [],
      },
    }),
  });
  const alerts = [
    ...evaluateAlerts(figures, toAlertPolicy(account), new Set()).fired,
    ...(o.raised ?? []).map(candidate),
  ];
  const dailySpend: AlertEmailInput['dailySpend'] = buckets.map((b) => ({
    day: dayKey(b.start),
    amountMicros: b.amountMicros,
    ...(b.byScope && { byScope: { ...b.byScope } }),
  }));
  if (todayMicros !== undefined)
    dailySpend.push({
      day: dayKey(D),
      amountMicros: todayMicros,
      estimate: true,
      ...(o.split && { byScope: split(todayMicros, o.split) }),
    });
  return {
    account,
    figures,
    alerts,
    dailySpend,
    costsReportedThrough: buckets.length ? dayKey(D - DAY_MS) : undefined,
    todayIsEstimate: todayMicros !== undefined,
    demo: o.demo === true,
  };
}

/**
 * A project's own email for the scenario: only that project's alerts, and today's top models in it
 * from `todayModels`.
 */
export function buildProjectInput(o: ScenarioOptions, projectId: string): ProjectEmailInput {
  const input = buildInput(o);
  return {
    ...input,
    alerts: input.alerts.filter((a) => 'projectId' in a && a.projectId === projectId),
    projectId,
    todayModels: micros(o.todayModels?.[projectId] ?? {}),
  };
}

/** A scenario that fires the kind (and, with the defaults above, the numbers in the comments). */
/** 2026-11-24 00:10 UTC: when the scenarios' upkeep changed a limit. */
const UPKEEP_AT = Date.parse('2026-11-24T00:10:00Z') / 1000;
const SEARCH = { proj_search: { name: 'Search', hardLimitUsd: 250 } };
export const KIND_SCENARIOS: Record<AlertKind, ScenarioOptions> = {
  // Balance -$20.00: $300 spent from a $280 grant.
  exhausted: { grants: [{ ...TOPUP, usd: 280 }] },
  // Balance $100.00 is below $150 (not below $50).
  'low-balance': { config: { lowBalanceUsd: [150, 50] } },
  // Runway 10 days, below 12.
  runway: { config: { lowRunwayDays: 12 } },
  // promo: $500 − $300 = $200 left, expires Dec 1 (6.6 days: "7 days"); 7 more days of $10 leave $130.
  expiry: {
    grants: [
      { id: 'promo', usd: 500, effective: '2025-12-01T00:00:00Z', expires: '2026-12-01T00:00:00Z' },
      TOPUP,
    ],
  },
  // Forecast $230 + 7 × $10 = $300 >= $280; budget 50% and 80% ($224) are crossed too.
  forecast: { config: { monthlyBudgetUsd: 280, budgetAlertPercents: [50, 80] } },
  // $230 is >= 50% of $400 but < 80%; forecast $300 < $400.
  budget: { config: { monthlyBudgetUsd: 400 } },
  // $48.20 in the hour 08:00–09:00 against a usual $10/day ÷ 24 = $0.42/hour: 116×; threshold
  // max($10, 5 × $0.42) = $10. Balance $100 lasts 2.1 hours at that pace.
  spike: {
    hour: {
      usd: 48.2,
      byScope: { proj_batch: 40, proj_web: 8.2 },
      byModel: { 'gpt-4o': 45, 'gpt-4o-mini': 3.2 },
      unknownModels: ['gpt-9-preview'],
    },
  },
  // $10/day from a $330 grant: balance $30 at D. Restore to $50 below $20 (R = $30), at most $30
  // a month. Nov 24 leaves $20 (S = 10 is not > 30 − 20); Nov 25 crosses: one $30 charge (b 40
  // after); Nov 26, 27 leave $20; Nov 28 crosses again and the limit (room 0) refuses: reached on
  // 2026-11-28. Nov 29: b = 10, refused again, 10 + 0 − 10 <= 0: runway 5 + 10/10 = 6 days, so
  // about 2 days after Nov 28. Recharged this month $30 (1 charge), all of it still to come.
  'recharge-limit': {
    grants: [{ ...TOPUP, usd: 330 }],
    config: { autoRecharge: { belowUsd: 20, toUsd: 50, monthlyLimitUsd: 30 } },
  },
  // Search spends 60% of $10/day: $138 in Nov 1..23, 69% of its $200 budget (50% fires, 80% does
  // not); its forecast $138 + 7 × $6 = $180 stays under $200. Batch (40%) has no entry: nothing.
  'project-budget': {
    split: { proj_search: 0.6, proj_batch: 0.4 },
    config: {
      projects: {
        proj_search: {
          name: 'Search',
          monthlyBudgetUsd: 200,
          budgetAlertPercents: [50, 80],
          recipients: ['search-lead@acme.example'],
        },
      },
    },
  },
  // The same spend against a $150 budget: forecast $180 >= $150 (and 80% = $120 <= $138 fires too).
  'project-forecast': {
    split: { proj_search: 0.6, proj_batch: 0.4 },
    config: {
      projects: {
        proj_search: { name: 'Search', monthlyBudgetUsd: 150, recipients: ['search-lead@acme.example'] },
      },
    },
  },
  // The organization had no hard limit; hardLimitUsd 1000 made burnrate set $1,000.00.
  'hard-limit': {
    config: { hardLimitUsd: 1000 },
    raised: [{ kind: 'hard-limit', at: UPKEEP_AT, cents: 100_000, previousCents: null }],
  },
  // Someone raised Search's limit to $300 in the dashboard; burnrate set it back to $250.00.
  'project-hard-limit': {
    config: { projects: SEARCH },
    raised: [
      {
        kind: 'project-hard-limit',
        projectId: 'proj_search',
        at: UPKEEP_AT,
        cents: 25_000,
        previousCents: 30_000,
      },
    ],
  },
  'hard-limit-unmanaged': {
    raised: [{ kind: 'hard-limit-unmanaged', at: UPKEEP_AT, providerCents: 100_000 }],
  },
  'project-hard-limit-unmanaged': {
    config: { projects: { proj_search: { name: 'Search' } } },
    raised: [
      {
        kind: 'project-hard-limit-unmanaged',
        projectId: 'proj_search',
        at: UPKEEP_AT,
        providerCents: 25_000,
      },
    ],
  },
  // A loop in Search: $48.20 in 08:00–09:00, $40 of it Search's; its guard is in `approve` mode.
  guard: {
    config: { projects: { proj_search: { name: 'Search', guard: { mode: 'approve' } } } },
    hour: { usd: 48.2, byScope: { proj_search: 40, proj_web: 8.2 }, byModel: { 'gpt-4o': 48.2 } },
    raised: [{ kind: 'guard', projectId: 'proj_search', day: '2026-11-24' }],
  },
  // Search was frozen yesterday and nobody released it.
  'guard-reminder': {
    config: { projects: { proj_search: { name: 'Search', guard: { mode: 'auto' } } } },
    raised: [{ kind: 'guard-reminder', projectId: 'proj_search', day: '2026-11-24' }],
  },
};

/** The digest screenshot's projects: two configured (one with a budget and a lead), spend without an entry. */
const PROJECT_SPLIT = { proj_search: 0.55, proj_support: 0.25, proj_batch: 0.15, '(none)': 0.05 };
const PROJECTS = {
  proj_search: {
    name: 'Search',
    monthlyBudgetUsd: 200,
    recipients: ['search-lead@acme.example'],
    hardLimitUsd: 250,
  },
  proj_support: { name: 'Support bot' },
};

/** A micro-dollar amount split by fractions (the parts are rounded; the core makes them add up). */
const split = (micros: number, fractions: Record<string, number>) =>
  Object.fromEntries(Object.entries(fractions).map(([k, f]) => [k, Math.round(micros * f)]));

const micros = (usd: Record<string, number>) =>
  Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, usdToMicros(v)]));

/** A week-shaped spend pattern (quiet weekends) so the screenshots show a chart worth reading. */
const weekly = (days: number) =>
  Array.from({ length: days }, (_, i) => [6, 14, 13, 12, 11, 9, 5][(i + 2) % 7] ?? 10);

function main(outArg: string | undefined): void {
  const out = resolve(outArg ?? join(tmpdir(), 'burnrate-emails'));
  mkdirSync(out, { recursive: true });
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  const emails: Array<[string, { subject: string; html: string; text: string }]> = ALERT_KINDS.map((kind) => {
    const input = buildInput({ ...KIND_SCENARIOS[kind], spend: weekly(30), todayUsd: 4.25 });
    const alerts = input.alerts.filter((a) => a.kind === kind);
    return [kind, renderAlertEmail({ ...input, alerts: alerts.length ? alerts : input.alerts })];
  });
  const digest = (name: string, o: ScenarioOptions) => {
    const { alerts: _, ...input } = buildInput({ spend: weekly(30), todayUsd: 4.25, ...o });
    emails.push([name, renderDigestEmail({ ...input, week: '2026-11-23' })]);
  };
  digest('digest', {
    ...KIND_SCENARIOS.expiry,
    split: PROJECT_SPLIT,
    config: { monthlyBudgetUsd: 400, projects: PROJECTS },
  });
  digest('digest-postpaid', { grants: [], config: { monthlyBudgetUsd: 250 } });
  // The project lead's own email, beside the account's (`project-budget` above) for the same run.
  const lead = {
    ...KIND_SCENARIOS['project-budget'],
    spend: weekly(30),
    todayUsd: 4.25,
    todayModels: { proj_search: { 'gpt-4o': 1.9, 'gpt-4o-mini': 0.32, 'text-embedding-3-small': 0.11 } },
  };
  emails.push(['project-email', renderProjectEmail(buildProjectInput(lead, 'proj_search'))]);
  for (const [kind, email] of emails) {
    const html = join(out, `${kind}.html`);
    writeFileSync(html, email.html);
    writeFileSync(join(out, `${kind}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
    let where = `${html} (no chromium: apt-get install -y chromium for screenshots)`;
    if (chromium) {
      const png = join(out, `${kind}.png`);
      spawnSync(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`,
          '--window-size=800,1400',
          `--screenshot=${png}`,
          pathToFileURL(html).href,
        ],
        { stdio: 'ignore', timeout: 60_000 },
      );
      where = existsSync(png) ? png : `${html} (screenshot failed)`;
    }
    console.log(`${kind}: ${email.subject}\n  ${where}`);
  }
}

// Imported by the tests for the scenarios; run only when executed directly.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  main(process.argv[2]);
