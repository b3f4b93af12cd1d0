import type { AlertDeliveryStore, Mailer } from '../ports.ts';
import type { RenderedEmail } from './deliver-alerts.ts';
import { type OperatorAlertKind, operatorKey } from './operator-notices.ts';

export type { OperatorAlertKind } from './operator-notices.ts';

export interface OperatorDeps {
  alerts: AlertDeliveryStore;
  mailer: Mailer;
  renderOperator(input: {
    kind: OperatorAlertKind;
    accountId: string;
    detail: string;
    at: number;
  }): RenderedEmail;
  sender: string;
  operatorEmail?: string | undefined;
  /** The real clock (claim and sent times): never `run --now`'s. */
  now(): Date;
  newToken(): string;
  claimTimeoutMs: number;
}

/**
 * Tells the operator once per problem: the key `operator:<kind>` is created pending, claimed, sent
 * and marked like any alert key, and deleted (re-armed) by what shows the problem is gone
 * (OPERATOR_REARM: a successful sync, or for delivery-failed a delivered email).
 */
export async function notifyOperator(
  deps: OperatorDeps,
  input: { accountId: string; kind: OperatorAlertKind; detail: string },
): Promise<'sent' | 'already-notified' | 'no-operator-email'> {
  if (!deps.operatorEmail) return 'no-operator-email';
  const now = deps.now();
  const nowIso = now.toISOString();
  const key = operatorKey(input.kind);
  await deps.alerts.raise(input.accountId, {
    key,
    kind: `operator:${input.kind}`,
    status: 'pending',
    firedAt: nowIso,
  });
  const token = deps.newToken();
  const staleBefore = new Date(now.getTime() - deps.claimTimeoutMs).toISOString();
  if (!(await deps.alerts.claim(input.accountId, key, token, nowIso, staleBefore))) return 'already-notified';
  const email = deps.renderOperator({ ...input, at: now.getTime() });
  try {
    const { messageId } = await deps.mailer.send({ from: deps.sender, to: [deps.operatorEmail], ...email });
    await deps.alerts.markSent(input.accountId, key, token, messageId, deps.now().toISOString());
    return 'sent';
  } catch (error) {
    await deps.alerts.release(input.accountId, key, token).catch(() => undefined);
    throw error;
  }
}
