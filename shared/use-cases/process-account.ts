import type { AlertMessage } from '../chat/alert-message.ts';
import type { AccountStore, Metrics } from '../ports.ts';
import { OutOfTimeError, roomToSend } from './deadline.ts';
import {
  AlertDeliveryError,
  type DeliveryDeps,
  type DeliveryInput,
  type DeliveryResult,
  deliverAlerts,
} from './deliver-alerts.ts';
import { type DigestDeps, deliverDigest } from './deliver-digest.ts';
import { notifyOperator, type OperatorAlertKind, type OperatorDeps } from './notify-operator.ts';
import { rearmedByDelivery, rearmedWhenKeysReadable } from './operator-notices.ts';
import { type AccountOutcome, runOne } from './run-all.ts';
import type { SyncDeps, SyncOptions } from './sync-account.ts';

export interface ProcessDeps extends SyncDeps {
  store: AccountStore;
  /** Absent: alerts are recorded as due but not sent (e.g. `burnrate run --no-send`). */
  delivery?: DeliveryDeps | undefined;
  /** Absent: a due weekly digest is recorded but not sent (it goes out at a later run that can send). */
  digest?: DigestDeps | undefined;
  operator?: OperatorDeps | undefined;
  /** Hours without a successful sync before the operator hears of it. */
  staleHours: number;
  /** Errors that mean the admin key is wrong or missing (the provider adapters' auth errors). */
  isAuthError(error: Error): boolean;
  /** Sync and delivery counters (CloudWatch through EMF in Lambda). */
  metrics?: Metrics | undefined;
}

export type ProcessOutcome = AccountOutcome & {
  sent: string[];
  operator?: { kind: OperatorAlertKind; result: string };
  /** Due alerts that could not be delivered (still due: the next run retries them): the first failure. */
  deliveryError?: Error;
  /** Every failure of this run's delivery, one per recipient group (or digest) that failed. */
  deliveryErrors?: Error[];
  /** Stored alert keys this version cannot read: left as they are, and the operator told (once). */
  unreadable?: { keys: string[]; operator?: { kind: OperatorAlertKind; result: string } };
  /** The keys `deliveryError` left undelivered (empty when the failure is not one of sending). */
  undelivered?: string[];
  /** Chat messages of the delivered keys, one per key; `published` lists the keys SNS accepted. */
  messages?: AlertMessage[];
  published?: string[];
  publishError?: Error;
  /** Due keys whose email was not started for lack of time (still due: retry the account soon). */
  deferred?: string[];
};

/**
 * One account, end to end: sync, then deliver its due alerts, then tell the operator about what
 * only the operator can fix (bad config item, bad key, data going stale, SES refusing mail).
 */
export async function processAccount(
  deps: ProcessDeps,
  accountId: string,
  options: SyncOptions = {},
): Promise<ProcessOutcome> {
  const started = Date.now();
  try {
    return await processTimed(deps, accountId, options);
  } finally {
    deps.metrics?.record('SyncDurationMs', Date.now() - started);
  }
}

async function processTimed(
  deps: ProcessDeps,
  accountId: string,
  options: SyncOptions,
): Promise<ProcessOutcome> {
  const outcome = await runOne(deps, accountId, options);
  deps.metrics?.record(outcome.status === 'ok' ? 'AccountsSynced' : 'SyncFailed', 1);
  if (outcome.status === 'ok') return deliver(deps, outcome, accountId, options);
  if (outcome.status === 'invalid') {
    const operator = await tellOperator(
      deps,
      accountId,
      'invalid-config',
      outcome.problems.join('\n'),
      options,
    );
    return { ...outcome, sent: [], ...(operator && { operator }) };
  }
  const kind = deps.isAuthError(outcome.error)
    ? 'auth-failed'
    : (await isStale(deps, accountId))
      ? 'stale-data'
      : undefined;
  const operator = kind && (await tellOperator(deps, accountId, kind, outcome.error.message, options));
  return { ...outcome, sent: [], ...(operator && { operator }) };
}

/**
 * Alerts (one email per recipient group) and the weekly digest, delivered independently: one
 * failing never holds back another, and each retries at the next run. Then the operator notices
 * that delivery raises or re-arms (operator-notices.ts).
 */
async function deliver(
  deps: ProcessDeps,
  outcome: Extract<AccountOutcome, { status: 'ok' }>,
  accountId: string,
  options: SyncOptions,
): Promise<ProcessOutcome> {
  const delivery = deps.delivery;
  if (!delivery) return { ...outcome, sent: [] };
  const r = outcome.result;
  const input: DeliveryInput = {
    accountId,
    config: r.config,
    figures: r.figures,
    pending: r.pending,
    costs: r.costs,
    costsReportedThrough: r.costsReportedThrough,
    reconciled: r.reconciled,
    deadline: options.deadline,
    todayModels: r.todayModels,
    projectNames: r.projectNames,
  };
  const metrics = deps.metrics;
  const sends: Array<() => Promise<DeliveryResult>> = [
    () => deliverAlerts({ ...delivery, metrics: delivery.metrics ?? metrics }, input),
  ];
  const digest = deps.digest;
  if (digest) sends.push(() => deliverDigest({ ...digest, metrics: digest.metrics ?? metrics }, input));
  const sent: string[] = [];
  const messages: AlertMessage[] = [];
  const published: string[] = [];
  const undelivered: string[] = [];
  const deferred: string[] = [];
  const unreadable: string[] = [];
  const failures: Error[] = [];
  let publishError: Error | undefined;
  for (const send of sends) {
    try {
      const d = await send();
      sent.push(...d.sent.filter((k) => !sent.includes(k)));
      messages.push(...d.messages);
      published.push(...d.published);
      publishError ??= d.publishFailed?.error;
      deferred.push(...(d.deferred ?? []));
      unreadable.push(...(d.unreadable ?? []));
      failures.push(...(d.failures ?? []));
    } catch (error) {
      // Out of time is not a delivery failure: nothing was sent, nobody needs telling.
      if (error instanceof OutOfTimeError) deferred.push(...error.keys);
      else failures.push(error as Error);
    }
  }
  for (const f of failures) if (f instanceof AlertDeliveryError) undelivered.push(...f.keys);
  const result: ProcessOutcome = {
    ...outcome,
    sent,
    messages,
    published,
    ...(publishError && { publishError }),
    ...(deferred.length > 0 && { deferred }),
  };
  // Never dropped silently: counted (deliverAlerts), logged by the caller, and the operator told once.
  if (unreadable.length > 0) {
    const detail = `Stored alert keys this version of burnrate cannot read (left as they are, not emailed):\n${unreadable.map((k) => `  ALERT#${k}`).join('\n')}`;
    const operator = await tellOperator(deps, accountId, 'unreadable-alert-keys', detail, options);
    result.unreadable = { keys: [...new Set(unreadable)], ...(operator && { operator }) };
  } else {
    await rearmNotices(delivery, accountId, rearmedWhenKeysReadable(r.operatorNotices));
  }
  if (failures.length === 0) {
    // SES accepted the emails and no group's failed: the delivery-failed notice re-arms.
    if (sent.length > 0) await rearmNotices(delivery, accountId, rearmedByDelivery(r.operatorNotices));
    return result;
  }
  const deliveryError = failures[0] as Error;
  const detail = failures.map((f) => f.message).join('\n');
  const operator = await tellOperator(deps, accountId, 'delivery-failed', detail, options);
  return {
    ...result,
    deliveryError,
    deliveryErrors: failures,
    undelivered: [...new Set(undelivered)],
    ...(operator && { operator }),
  };
}

async function tellOperator(
  deps: ProcessDeps,
  accountId: string,
  kind: OperatorAlertKind,
  detail: string,
  options: SyncOptions,
) {
  if (!deps.operator) return undefined;
  // Not raised, so the next run that has the time raises and sends it.
  if (!roomToSend(options.deadline, deps.operator.now())) return { kind, result: 'deferred: out of time' };
  try {
    return { kind, result: await notifyOperator(deps.operator, { accountId, kind, detail }) };
  } catch (error) {
    return { kind, result: `failed: ${(error as Error).message}` };
  }
}

/** Best effort: a failed delete leaves the notice raised until the next run that delivers an email. */
async function rearmNotices(delivery: DeliveryDeps, accountId: string, keys: readonly string[]) {
  await Promise.allSettled(keys.map((key) => delivery.alerts.rearm(accountId, key)));
}

async function isStale(deps: ProcessDeps, accountId: string): Promise<boolean> {
  try {
    const items = await deps.store.loadAccount(accountId);
    const last = items.state?.lastSyncAt ? Date.parse(items.state.lastSyncAt) : undefined;
    // lastSyncAt is real time, so staleness is too (not `run --now`'s clock).
    const now = (deps.wallClock ?? deps.now)().getTime();
    return last === undefined || now - last >= deps.staleHours * 3_600_000;
  } catch {
    return true; // the store itself is failing: nothing is being kept fresh
  }
}
