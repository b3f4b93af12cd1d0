import { ALERT_MESSAGE_SCHEMA, type AlertMessage, messageFigures } from '../chat/alert-message.ts';
import { toOutputFigures } from '../core/derived.ts';
import { isDigestKey } from '../core/digest.ts';
import type { AlertDeliveryStore, AlertPublisher, Mailer, Metrics } from '../ports.ts';
import { OutOfTimeError, roomToSend } from './deadline.ts';
import {
  AlertDeliveryError,
  type AlertEmailFacts,
  type DeliveryInput,
  type DeliveryResult,
  type RenderedEmail,
} from './deliver-alerts.ts';

export interface DigestEmailFacts extends Omit<AlertEmailFacts, 'alerts'> {
  /** The Monday (YYYY-MM-DD) of the week the digest opens. */
  week: string;
}

export interface DigestDeps {
  alerts: AlertDeliveryStore;
  mailer: Mailer;
  renderDigest(facts: DigestEmailFacts): RenderedEmail;
  sender: string;
  /** The real clock (claim and sent times): never `run --now`'s. */
  now(): Date;
  newToken(): string;
  claimTimeoutMs: number;
  demo?: boolean | undefined;
  /** The chat channel (SNS alerts topic): one JSON message (kind `digest`) per digest sent. */
  publisher?: AlertPublisher | undefined;
  metrics?: Metrics | undefined;
}

/**
 * The weekly digest, exactly once, through the same claim → send → mark flow as alerts (its key,
 * `digest:<Monday>`, is an ALERT# item written by the sync that found it due): a failed send releases
 * the claim so the next run retries; a re-run finds it sent. Its own email, because its subject must
 * say "weekly" and it must arrive on a quiet week too. Only the newest pending digest is sent. After
 * the email, one chat message (kind `digest`); a failed publish is reported, never re-sends the email.
 */
export async function deliverDigest(deps: DigestDeps, input: DeliveryInput): Promise<DeliveryResult> {
  const none: DeliveryResult = { sent: [], messages: [], published: [] };
  const now = deps.now();
  const staleBefore = new Date(now.getTime() - deps.claimTimeoutMs).toISOString();
  const record = input.pending
    .filter((a) => isDigestKey(a.key))
    .filter((a) => a.status === 'pending' || (a.claimedAt !== undefined && a.claimedAt < staleBefore))
    .sort((a, b) => b.key.localeCompare(a.key))[0];
  if (!record) return none;
  if (!roomToSend(input.deadline, now))
    throw new OutOfTimeError(input.accountId, [record.key], 'weekly digest');
  const token = deps.newToken();
  const key = record.key;
  const fail = (error: unknown) => {
    deps.metrics?.record('AlertDeliveryFailed', 1);
    return new AlertDeliveryError(input.accountId, [key], error as Error);
  };
  try {
    if (!(await deps.alerts.claim(input.accountId, key, token, now.toISOString(), staleBefore))) return none;
  } catch (error) {
    throw fail(error);
  }
  const week = key.slice(key.indexOf(':') + 1);
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
      reconciled: input.reconciled,
      projectNames: input.projectNames,
      hardLimits: input.hardLimits,
      guard: input.guard,
      week,
    });
    ({ messageId } = await deps.mailer.send({ from: deps.sender, to: input.config.recipients, ...email }));
  } catch (error) {
    await deps.alerts.release(input.accountId, key, token).catch(() => undefined);
    throw fail(error);
  }
  deps.metrics?.record('DigestsSent', 1);
  const message = digestMessage(input, email, messageId, deps.demo);
  let published: string[] = [];
  let publishFailed: DeliveryResult['publishFailed'];
  if (deps.publisher) {
    try {
      await deps.publisher.publish({
        body: JSON.stringify(message),
        attributes: { accountId: input.accountId, kind: 'digest', schema: ALERT_MESSAGE_SCHEMA },
      });
      published = [key];
      deps.metrics?.record('AlertsPublished', 1);
    } catch (error) {
      publishFailed = { keys: [key], error: error as Error };
      deps.metrics?.record('AlertPublishFailed', 1);
    }
  }
  await deps.alerts.markSent(input.accountId, key, token, messageId, deps.now().toISOString());
  return { sent: [key], messageId, messages: [message], published, publishFailed };
}

/** The digest as one chat message (the `delivery` branch's schema: kind `digest`, no alert keys). */
export function digestMessage(
  input: Pick<DeliveryInput, 'config' | 'figures'>,
  email: RenderedEmail,
  emailMessageId: string | undefined,
  demo: boolean | undefined,
): AlertMessage {
  const { config, figures } = input;
  const out = toOutputFigures(figures, new Date(figures.at).toISOString());
  const name = config.name ?? config.id;
  return {
    schema: ALERT_MESSAGE_SCHEMA,
    accountId: config.id,
    accountName: name,
    provider: config.provider,
    at: out.at,
    kind: 'digest',
    keys: [],
    subject: email.subject,
    text: email.text,
    figures: messageFigures(out, config),
    ...(emailMessageId && { emailMessageId }),
    ...(demo && { demo: true as const }),
    version: '1.0',
    source: 'custom',
    id: `${config.id}/digest/${out.at}`,
    content: {
      textType: 'client-markdown',
      title: email.subject,
      description: email.text,
      keywords: ['burnrate', config.id, 'digest'],
    },
    metadata: { threadId: `burnrate/${config.id}`, summary: email.subject, eventType: 'burnrate.digest' },
  };
}
