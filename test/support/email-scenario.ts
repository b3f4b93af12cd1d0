import { type AlertCandidate, evaluateAlerts } from '../../shared/core/alerts.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { DAY_MS } from '../../shared/core/time.ts';
import type { CostBucket, Grant } from '../../shared/core/types.ts';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { parseAccountConfig, toAlertPolicy } from '../../shared/schemas/account-config.ts';

/** A small account with real figures (computed by the core) for email tests and screenshots. */
export const at = Date.parse('2026-11-24T09:00:00Z');
const today = Date.parse('2026-11-24T00:00:00Z');

export function scenario(
  options: {
    name?: string;
    grantId?: string;
    grantUsd?: number;
    dailyUsd?: number;
    config?: Record<string, unknown>;
  } = {},
) {
  const config = parseAccountConfig({
    id: 'acme',
    provider: 'openai',
    name: options.name ?? 'Acme production',
    recipients: ['ops@acme.example'],
    monthlyBudgetUsd: 500,
    lowBalanceUsd: [100, 25],
    lowRunwayDays: 7,
    ...options.config,
  });
  const grants: Grant[] = [
    {
      id: options.grantId ?? 'promo',
      amountMicros: 300_000_000,
      effectiveAt: Date.parse('2025-12-01T00:00:00Z'),
      expiresAt: today + 7 * DAY_MS,
    },
    {
      id: 'topup',
      amountMicros: (options.grantUsd ?? 400) * 1_000_000,
      effectiveAt: Date.parse('2026-10-01T00:00:00Z'),
      expiresAt: Date.parse('2027-10-01T00:00:00Z'),
    },
  ];
  const buckets: CostBucket[] = Array.from({ length: 40 }, (_, i) => ({
    start: today - (40 - i) * DAY_MS,
    end: today - (39 - i) * DAY_MS,
    amountMicros: (options.dailyUsd ?? 12) * 1_000_000 + i * 100_000,
  }));
  const figures = computeFigures({
    grants,
    buckets,
    burnOrder: config.burnOrder,
    at,
    todayMicros: 3_000_000,
  });
  const alerts = evaluateAlerts(figures, toAlertPolicy(config), new Set()).fired;
  const dailySpend = buckets.map((b) => ({
    day: new Date(b.start).toISOString().slice(0, 10),
    amountMicros: b.amountMicros,
  }));
  dailySpend.push({ day: '2026-11-24', amountMicros: 3_000_000, estimate: true } as never);
  return { config, figures, alerts, dailySpend };
}

export function render(s: ReturnType<typeof scenario>, alerts: AlertCandidate[] = s.alerts, demo = false) {
  return renderAlertEmail({
    account: s.config,
    figures: s.figures,
    alerts,
    dailySpend: s.dailySpend,
    costsReportedThrough: '2026-11-23',
    todayIsEstimate: true,
    demo,
  });
}
