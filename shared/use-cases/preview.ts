import { type AlertKind, alertConditions } from '../core/alerts.ts';
import { computeFigures } from '../core/figures.ts';
import { dayKey } from '../core/time.ts';
import type { AccountStore } from '../ports.ts';
import { toAlertPolicy } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import type { AlertEmailFacts, RenderedEmail } from './deliver-alerts.ts';
import { validateAccountItems } from './load-account.ts';
import { ledgerBuckets } from './sync-plan.ts';

/**
 * What an alert email for this account would say now, from what is stored (no provider call):
 * every alert whose condition holds, armed or not, or only those of one kind.
 */
export async function previewAlertEmail(
  deps: {
    store: Pick<AccountStore, 'loadAccount'>;
    render(facts: AlertEmailFacts): RenderedEmail;
    now(): Date;
  },
  accountId: string,
  kind?: AlertKind,
): Promise<RenderedEmail> {
  const items = await deps.store.loadAccount(accountId);
  const { config, grants } = validateAccountItems(items);
  const now = deps.now().getTime();
  const { buckets, todayMicros, todayByScope } = ledgerBuckets(items.costs, now);
  const policy = toAlertPolicy(config);
  const figures = computeFigures({
    grants,
    buckets,
    burnOrder: policy.burnOrder,
    autoRecharge: policy.autoRecharge,
    at: now,
    todayMicros,
    todayByScope,
  });
  const alerts = alertConditions(figures, policy).filter((a) => !kind || a.kind === kind);
  if (alerts.length === 0) {
    throw new InvalidInputError([
      `account ${accountId}: no ${kind ?? ''}${kind ? ' ' : ''}alert condition holds now, so nothing would be sent`,
    ]);
  }
  return deps.render({
    account: config,
    figures,
    alerts,
    dailySpend: items.costs
      .filter((c) => c.day <= dayKey(now))
      .map((c) => ({
        day: c.day,
        amountMicros: c.amountMicros,
        estimate: c.kind === 'estimate',
        byScope: c.byScope,
      })),
    costsReportedThrough: items.state?.costsThrough,
    todayIsEstimate: true,
    reconciled: items.reconciled,
  });
}
