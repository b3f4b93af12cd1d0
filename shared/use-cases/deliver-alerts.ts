import { type AlertMessage, alertMessages, messageAttributes } from '../chat/alert-message.ts';
import { type AlertCandidate, parseAlertKey } from '../core/alerts.ts';
import type { Figures } from '../core/figures.ts';
import type {
  AlertDeliveryStore,
  AlertPublisher,
  AlertRecord,
  CostDayRecord,
  Mailer,
  Metrics,
  ReconciledRecord,
} from '../ports.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { OutOfTimeError, roomToSend } from './deadline.ts';

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
  /** The real clock (claim and sent times are leases other runs judge by theirs): never `run --now`'s. */
  now(): Date;
  newToken(): string;
  /** A claim older than this is presumed dead (its process died between send and mark). */
  claimTimeoutMs: number;
  demo?: boolean | undefined;
  /** The chat channel (SNS alerts topic); absent: messages are built (for `run --json`), not published. */
  publisher?: AlertPublisher | undefined;
  metrics?: Metrics | undefined;
}

export interface DeliveryResult {
  /** Keys delivered by email (and marked sent). */
  sent: string[];
  messageId?: string;
  /** The chat messages of the delivered keys, one per key (published or not). */
  messages: AlertMessage[];
  /** Keys whose chat message the publisher accepted. */
  published: string[];
  /** The publisher failed for these keys (after the SDK's retries); their email did go out. */
  publishFailed?: { keys: string[]; error: Error } | undefined;
}

/**
 * Due alerts that could not be delivered: the claimed keys were released (still due), so the next
 * run sends them. The message names the account, the number of keys and the mailer's error.
 */
export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
  constructor(
    readonly accountId: string,
    readonly keys: readonly string[],
    override readonly cause: Error,
  ) {
    super(
      `account ${accountId}: ${keys.length} due alert(s) not delivered (${keys.join(', ')}): ${cause.message}`,
      { cause },
    );
  }
}

export interface DeliveryInput {
  accountId: string;
  config: AccountConfig;
  figures: Figures;
  pending: readonly AlertRecord[];
  costs: readonly CostDayRecord[];
  costsReportedThrough?: string | undefined;
  reconciled?: ReconciledRecord | undefined;
  /** Real-clock instant the account's run must be over by: no send starts without room to finish. */
  deadline?: number | undefined;
}

/**
 * Exactly-once delivery: claim each due key with a conditional write (two runs cannot both hold
 * it), send ONE email for all keys claimed, publish one chat message per key, then mark them sent
 * with the SES message id. A failed send releases the claims so the next run retries (and nothing
 * was published). A process that dies between send and mark leaves a claim that another run takes
 * over after `claimTimeoutMs`: at most one duplicate email and chat message, never a lost one. A
 * chat publish that fails after the email went out is counted and reported, not retried: retrying
 * it would mean sending the email again.
 */
export async function deliverAlerts(deps: DeliveryDeps, input: DeliveryInput): Promise<DeliveryResult> {
  const now = deps.now();
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - deps.claimTimeoutMs).toISOString();
  const token = deps.newToken();
  const claimable = input.pending.filter(
    (a) => a.status === 'pending' || (a.claimedAt !== undefined && a.claimedAt < staleBefore),
  );
  // Nothing claimed yet: the keys stay due for the next run, and no email is ever cut off mid-send.
  const alertKeys = claimable.filter((a) => parseAlertKey(a.key)).map((a) => a.key);
  if (alertKeys.length > 0 && !roomToSend(input.deadline, now))
    throw new OutOfTimeError(input.accountId, alertKeys, 'alert email');
  const claimed: AlertCandidate[] = [];
  const releaseAll = () =>
    Promise.allSettled(claimed.map((c) => deps.alerts.release(input.accountId, c.key, token)));
  try {
    for (const record of claimable) {
      const candidate = parseAlertKey(record.key);
      if (!candidate) continue;
      if (await deps.alerts.claim(input.accountId, record.key, token, nowIso, staleBefore))
        claimed.push(candidate);
    }
  } catch (error) {
    await releaseAll();
    throw failed(
      deps,
      input.accountId,
      claimable.map((a) => a.key),
      error,
    );
  }
  if (claimed.length === 0) return { sent: [], messages: [], published: [] };
  let messageId: string;
  try {
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
    ({ messageId } = await deps.mailer.send({ from: deps.sender, to: input.config.recipients, ...email }));
  } catch (error) {
    await releaseAll();
    throw failed(
      deps,
      input.accountId,
      claimed.map((c) => c.key),
      error,
    );
  }
  deps.metrics?.record('AlertsDelivered', claimed.length);
  const messages = alertMessages({
    config: input.config,
    figures: input.figures,
    alerts: claimed,
    emailMessageId: messageId,
    demo: deps.demo,
  });
  const { published, publishFailed } = await publishAll(deps, messages);
  const sentAt = deps.now().toISOString();
  await Promise.all(
    claimed.map((c) => deps.alerts.markSent(input.accountId, c.key, token, messageId, sentAt)),
  );
  return { sent: claimed.map((c) => c.key), messageId, messages, published, publishFailed };
}

function failed(deps: DeliveryDeps, accountId: string, keys: string[], error: unknown) {
  deps.metrics?.record('AlertDeliveryFailed', keys.length);
  return new AlertDeliveryError(accountId, keys, error as Error);
}

async function publishAll(deps: DeliveryDeps, messages: AlertMessage[]) {
  const publisher = deps.publisher;
  if (!publisher) return { published: [] };
  const results = await Promise.allSettled(
    messages.map((m) => publisher.publish({ body: JSON.stringify(m), attributes: messageAttributes(m) })),
  );
  const published: string[] = [];
  const failedKeys: string[] = [];
  let error: Error | undefined;
  results.forEach((r, i) => {
    const keys = messages[i]?.keys ?? [];
    if (r.status === 'fulfilled') published.push(...keys);
    else {
      failedKeys.push(...keys);
      error ??= r.reason as Error;
    }
  });
  deps.metrics?.record('AlertsPublished', published.length);
  if (failedKeys.length > 0) deps.metrics?.record('AlertPublishFailed', failedKeys.length);
  return {
    published,
    publishFailed: error && { keys: failedKeys, error },
  };
}
