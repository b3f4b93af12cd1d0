import { type AlertCandidate, parseAlertKey } from '../core/alerts.ts';
import type { Figures } from '../core/figures.ts';
import type { AlertDeliveryStore, AlertRecord, CostDayRecord, Mailer, ReconciledRecord } from '../ports.ts';
import type { AccountConfig } from '../schemas/account-config.ts';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface AlertEmailFacts {
  account: AccountConfig;
  figures: Figures;
  alerts: AlertCandidate[];
  dailySpend: Array<{
    day: string;
    amountMicros: number;
    estimate?: boolean;
    byScope?: Record<string, number>;
  }>;
  costsReportedThrough?: string | undefined;
  todayIsEstimate: boolean;
  demo?: boolean;
  reconciled?: ReconciledRecord | undefined;
}

export interface DeliveryDeps {
  alerts: AlertDeliveryStore;
  mailer: Mailer;
  render(facts: AlertEmailFacts): RenderedEmail;
  sender: string;
  now(): Date;
  newToken(): string;
  /** A claim older than this is presumed dead (its process died between send and mark). */
  claimTimeoutMs: number;
  demo?: boolean;
}

export interface DeliveryInput {
  accountId: string;
  config: AccountConfig;
  figures: Figures;
  pending: readonly AlertRecord[];
  costs: readonly CostDayRecord[];
  costsReportedThrough?: string | undefined;
  reconciled?: ReconciledRecord | undefined;
}

/**
 * Exactly-once delivery: claim each due key with a conditional write (two runs cannot both hold
 * it), send ONE email for all keys claimed, then mark them sent with the SES message id. A failed
 * send releases the claims so the next run retries. A process that dies between send and mark
 * leaves a claim that another run takes over after `claimTimeoutMs`: at most one duplicate.
 */
export async function deliverAlerts(
  deps: DeliveryDeps,
  input: DeliveryInput,
): Promise<{ sent: string[]; messageId?: string }> {
  const now = deps.now();
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - deps.claimTimeoutMs).toISOString();
  const token = deps.newToken();
  const claimable = input.pending.filter(
    (a) => a.status === 'pending' || (a.claimedAt !== undefined && a.claimedAt < staleBefore),
  );
  const claimed: AlertCandidate[] = [];
  for (const record of claimable) {
    const candidate = parseAlertKey(record.key);
    if (!candidate) continue;
    if (await deps.alerts.claim(input.accountId, record.key, token, nowIso, staleBefore))
      claimed.push(candidate);
  }
  if (claimed.length === 0) return { sent: [] };
  const email = deps.render({
    account: input.config,
    figures: input.figures,
    alerts: claimed,
    dailySpend: input.costs.map((c) => ({
      day: c.day,
      amountMicros: c.amountMicros,
      estimate: c.kind === 'estimate',
    })),
    costsReportedThrough: input.costsReportedThrough,
    todayIsEstimate: true,
    demo: deps.demo,
    reconciled: input.reconciled,
  });
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({ from: deps.sender, to: input.config.recipients, ...email }));
  } catch (error) {
    await Promise.allSettled(claimed.map((c) => deps.alerts.release(input.accountId, c.key, token)));
    throw error;
  }
  const sentAt = deps.now().toISOString();
  await Promise.all(
    claimed.map((c) => deps.alerts.markSent(input.accountId, c.key, token, messageId, sentAt)),
  );
  return { sent: claimed.map((c) => c.key), messageId };
}
