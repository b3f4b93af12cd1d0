import type { AccountStore } from '../ports.ts';
import { type DeliveryDeps, type DeliveryInput, deliverAlerts } from './deliver-alerts.ts';
import { type DigestDeps, deliverDigest } from './deliver-digest.ts';
import { notifyOperator, type OperatorAlertKind, type OperatorDeps } from './notify-operator.ts';
import { type AccountOutcome, runOne } from './run-all.ts';
import type { SyncDeps } from './sync-account.ts';

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
}

export type ProcessOutcome = AccountOutcome & {
  sent: string[];
  operator?: { kind: OperatorAlertKind; result: string };
  deliveryError?: Error;
};

/**
 * One account, end to end: sync, then deliver its due alerts, then tell the operator about what
 * only the operator can fix (bad config item, bad key, data going stale, SES refusing mail).
 */
export async function processAccount(deps: ProcessDeps, accountId: string): Promise<ProcessOutcome> {
  const outcome = await runOne(deps, accountId);
  if (outcome.status === 'ok') {
    if (!deps.delivery) return { ...outcome, sent: [] };
    const r = outcome.result;
    const input: DeliveryInput = {
      accountId,
      config: r.config,
      figures: r.figures,
      pending: r.pending,
      costs: r.costs,
      costsReportedThrough: r.costsReportedThrough,
    };
    // Alerts and the weekly digest are two emails, delivered independently: one failing never holds
    // back the other, and each retries at the next run.
    const sent: string[] = [];
    const errors: Error[] = [];
    const sends: Array<() => Promise<{ sent: string[] }>> = [
      () => deliverAlerts(deps.delivery as DeliveryDeps, input),
    ];
    if (deps.digest) {
      const digest = deps.digest;
      sends.push(() => deliverDigest(digest, input));
    }
    for (const send of sends) {
      try {
        sent.push(...(await send()).sent);
      } catch (error) {
        errors.push(error as Error);
      }
    }
    const [first] = errors;
    if (!first) return { ...outcome, sent };
    const message = errors.map((e) => e.message).join('\n');
    const operator = await tellOperator(deps, accountId, 'delivery-failed', message);
    return { ...outcome, sent, deliveryError: first, ...(operator && { operator }) };
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
