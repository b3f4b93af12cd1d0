import { isDigestKey } from '../core/digest.ts';
import type { AlertDeliveryStore, Mailer } from '../ports.ts';
import type { AlertEmailFacts, DeliveryInput, RenderedEmail } from './deliver-alerts.ts';

export interface DigestEmailFacts extends Omit<AlertEmailFacts, 'alerts'> {
  /** The Monday (YYYY-MM-DD) of the week the digest opens. */
  week: string;
}

/** One JSON message per digest for the chat topic (the `delivery` branch's SNS publisher). */
export interface DigestChatMessage {
  kind: 'digest';
  accountId: string;
  key: string;
  week: string;
  subject: string;
  text: string;
}

export interface DigestDeps {
  alerts: AlertDeliveryStore;
  mailer: Mailer;
  renderDigest(facts: DigestEmailFacts): RenderedEmail;
  sender: string;
  now(): Date;
  newToken(): string;
  claimTimeoutMs: number;
  demo?: boolean | undefined;
  /**
   * Publishes each digest sent, as one JSON message (kind `digest`), to the chat topic. Optional: the
   * email is the delivery that counts; a failed publish is reported in the result, never re-sends it.
   */
  chat?: { publish(message: DigestChatMessage): Promise<void> } | undefined;
}

/**
 * The weekly digest, exactly once, through the same claim → send → mark flow as alerts (its key,
 * `digest:<Monday>`, is an ALERT# item written by the sync that found it due): a failed send releases
 * the claim so the next run retries; a re-run finds it sent. Its own email, because its subject must
 * say "weekly" and it must arrive on a quiet week too. Only the newest pending digest is sent.
 */
export async function deliverDigest(
  deps: DigestDeps,
  input: DeliveryInput,
): Promise<{ sent: string[]; messageId?: string; chatError?: Error }> {
  const now = deps.now();
  const staleBefore = new Date(now.getTime() - deps.claimTimeoutMs).toISOString();
  const record = input.pending
    .filter((a) => isDigestKey(a.key))
    .filter((a) => a.status === 'pending' || (a.claimedAt !== undefined && a.claimedAt < staleBefore))
    .sort((a, b) => b.key.localeCompare(a.key))[0];
  if (!record) return { sent: [] };
  const token = deps.newToken();
  if (!(await deps.alerts.claim(input.accountId, record.key, token, now.toISOString(), staleBefore)))
    return { sent: [] };
  const week = record.key.slice(record.key.indexOf(':') + 1);
  let messageId: string;
  let email: RenderedEmail;
  try {
    email = deps.renderDigest({
      account: input.config,
      figures: input.figures,
      dailySpend: input.costs.map((c) => ({
        day: c.day,
        amountMicros: c.amountMicros,
        estimate: c.kind === 'estimate',
        byScope: c.byScope,
      })),
      costsReportedThrough: input.costsReportedThrough,
      todayIsEstimate: true,
      demo: deps.demo,
      week,
    });
    ({ messageId } = await deps.mailer.send({ from: deps.sender, to: input.config.recipients, ...email }));
  } catch (error) {
    await deps.alerts.release(input.accountId, record.key, token).catch(() => undefined);
    throw error;
  }
  await deps.alerts.markSent(input.accountId, record.key, token, messageId, deps.now().toISOString());
  const result = { sent: [record.key], messageId };
  if (!deps.chat) return result;
  try {
    await deps.chat.publish({
      kind: 'digest',
      accountId: input.accountId,
      key: record.key,
      week,
      subject: email.subject,
      text: email.text,
    });
    return result;
  } catch (error) {
    return { ...result, chatError: error as Error };
  }
}
