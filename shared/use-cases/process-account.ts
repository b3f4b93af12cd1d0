import type { AlertMessage } from '../chat/alert-message.ts';
import type { AccountStore, Metrics } from '../ports.ts';
import { AlertDeliveryError, type DeliveryDeps, deliverAlerts } from './deliver-alerts.ts';
import { notifyOperator, type OperatorAlertKind, type OperatorDeps } from './notify-operator.ts';
import { type AccountOutcome, runOne } from './run-all.ts';
import type { SyncDeps } from './sync-account.ts';

export interface ProcessDeps extends SyncDeps {
  store: AccountStore;
  /** Absent: alerts are recorded as due but not sent (e.g. `burnrate run --no-send`). */
  delivery?: DeliveryDeps | undefined;
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
  /** Due alerts that could not be delivered (still due: the next run retries them). */
  deliveryError?: Error;
  /** The keys `deliveryError` left undelivered (empty when the failure is not one of sending). */
  undelivered?: string[];
  /** Chat messages of the delivered keys, one per key; `published` lists the keys SNS accepted. */
  messages?: AlertMessage[];
  published?: string[];
  publishError?: Error;
};

/**
 * One account, end to end: sync, then deliver its due alerts, then tell the operator about what
 * only the operator can fix (bad config item, bad key, data going stale, SES refusing mail).
 */
export async function processAccount(deps: ProcessDeps, accountId: string): Promise<ProcessOutcome> {
  const started = Date.now();
  try {
    return await processTimed(deps, accountId);
  } finally {
    deps.metrics?.record('SyncDurationMs', Date.now() - started);
  }
}

async function processTimed(deps: ProcessDeps, accountId: string): Promise<ProcessOutcome> {
  const outcome = await runOne(deps, accountId);
  deps.metrics?.record(outcome.status === 'ok' ? 'AccountsSynced' : 'SyncFailed', 1);
  if (outcome.status === 'ok') {
    if (!deps.delivery) return { ...outcome, sent: [] };
    try {
      const r = outcome.result;
      const d = await deliverAlerts(
        { ...deps.delivery, metrics: deps.delivery.metrics ?? deps.metrics },
        {
          accountId,
          config: r.config,
          figures: r.figures,
          pending: r.pending,
          costs: r.costs,
          costsReportedThrough: r.costsReportedThrough,
        },
      );
      return {
        ...outcome,
        sent: d.sent,
        messages: d.messages,
        published: d.published,
        ...(d.publishFailed && { publishError: d.publishFailed.error }),
      };
    } catch (error) {
      const operator = await tellOperator(deps, accountId, 'delivery-failed', (error as Error).message);
      return {
        ...outcome,
        sent: [],
        deliveryError: error as Error,
        undelivered: error instanceof AlertDeliveryError ? [...error.keys] : [],
        ...(operator && { operator }),
      };
    }
  }
  if (outcome.status === 'invalid') {
    const operator = await tellOperator(deps, accountId, 'invalid-config', outcome.problems.join('\n'));
    return { ...outcome, sent: [], ...(operator && { operator }) };
  }
  const kind = deps.isAuthError(outcome.error)
    ? 'auth-failed'
    : (await isStale(deps, accountId))
      ? 'stale-data'
      : undefined;
  const operator = kind && (await tellOperator(deps, accountId, kind, outcome.error.message));
  return { ...outcome, sent: [], ...(operator && { operator }) };
}

async function tellOperator(deps: ProcessDeps, accountId: string, kind: OperatorAlertKind, detail: string) {
  if (!deps.operator) return undefined;
  try {
    return { kind, result: await notifyOperator(deps.operator, { accountId, kind, detail }) };
  } catch (error) {
    return { kind, result: `failed: ${(error as Error).message}` };
  }
}

async function isStale(deps: ProcessDeps, accountId: string): Promise<boolean> {
  try {
    const items = await deps.store.loadAccount(accountId);
    const last = items.state?.lastSyncAt ? Date.parse(items.state.lastSyncAt) : undefined;
    return last === undefined || deps.now().getTime() - last >= deps.staleHours * 3_600_000;
  } catch {
    return true; // the store itself is failing: nothing is being kept fresh
  }
}
