import type { AlertMessage } from '../chat/alert-message.ts';
import { parseKey } from '../core/alert-keys.ts';
import type { GuardFacts } from '../email/guard-text.ts';
import type { GuardLinks, LinkTarget } from '../guard/links.ts';
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
import { type GuardRunDeps, type GuardRunResult, runGuard } from './guard-run.ts';
import { LAST_GOOD_CONFIG_TEXT } from './load-account.ts';
import { notifyOperator, type OperatorAlertKind, type OperatorDeps } from './notify-operator.ts';
import { rearmedByDelivery, rearmedWhenGuardSettled, rearmedWhenKeysReadable } from './operator-notices.ts';
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
  /**
   * The guard's step (issue 18): incidents recorded, `auto` freezes made in the run, failed ones
   * retried. In-process, with the admin key the sync already reads. Absent: no guard step.
   */
  guard?: GuardRunDeps | undefined;
  /**
   * Signed "Freeze <project> now" and Undo links for the guard's emails and chat messages;
   * undefined (or absent) without a guard page (BURNRATE_GUARD_URL unset): the texts give the
   * `npx burnrate guard …` command instead.
   */
  guardLinks?: ((target: LinkTarget, now: Date) => Promise<GuardLinks | undefined>) | undefined;
}

/** What the run's guard step did, for the log line (never a secret: the clients cut keys out). */
export interface GuardStepOutcome {
  /** `<project>: <state>` for each freeze attempted. */
  acted: string[];
  /** The freezes this step applied, with their incident (what an Undo link is bound to). */
  frozen?: Array<{ projectId: string; incident: string }>;
  /** Freezes that failed (retried by the next runs), `<project>: <error>`. */
  failed: string[];
  deferred: string[];
  errors: string[];
  operator?: { kind: OperatorAlertKind; result: string };
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
  /** The guard step, when it had anything to do or report. */
  guard?: GuardStepOutcome;
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
  if (outcome.status === 'ok') {
    const delivered = await deliver(deps, outcome, accountId, options);
    const problems = outcome.result.invalidConfig;
    if (!problems) return delivered;
    // The edit is broken but the account is not: it ran on the last good config. Told once, like
    // any invalid item; the notice re-arms when a sync validates the item again.
    const detail = `${problems.join('\n')}\n${LAST_GOOD_CONFIG_TEXT}`;
    const operator = await tellOperator(deps, accountId, 'invalid-config', detail, options);
    return { ...delivered, ...(operator && !delivered.operator && { operator }) };
  }
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
  const r = outcome.result;
  // Before delivery, so an `auto` email says what was done; it never holds the emails back.
  const guard = await guardStep(deps, outcome, accountId, options);
  const delivery = deps.delivery;
  if (!delivery) return { ...outcome, sent: [], ...guardReport(guard) };
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
    hardLimits: r.hardLimits,
    ...(guard?.run && { guard: await guardFacts(deps, accountId, r, guard.run) }),
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
    ...guardReport(guard),
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

/**
 * The run's guard step (guard-run.ts), then the `guard-failed` operator notice: raised when a
 * freeze failed in this run, re-armed once no failed freeze is left to retry (operator-notices.ts).
 * A store failure here is reported in the outcome, never thrown: the alert emails still go out.
 */
async function guardStep(
  deps: ProcessDeps,
  outcome: Extract<AccountOutcome, { status: 'ok' }>,
  accountId: string,
  options: SyncOptions,
): Promise<{ run: GuardRunResult | undefined; outcome: GuardStepOutcome } | undefined> {
  if (!deps.guard) return undefined;
  const r = outcome.result;
  let run: GuardRunResult;
  try {
    run = await runGuard(
      { ...deps.guard, metrics: deps.guard.metrics ?? deps.metrics },
      {
        accountId,
        config: r.config,
        figures: r.figures,
        freezes: r.freezes,
        due: r.due,
        pending: r.pending,
        names: r.projectNames,
        deadline: options.deadline,
      },
    );
  } catch (error) {
    return {
      run: undefined,
      outcome: { acted: [], failed: [], deferred: [], errors: [(error as Error).message] },
    };
  }
  const step: GuardStepOutcome = {
    acted: run.acted.map((a) => `${a.projectId}: ${a.outcome.state}`),
    frozen: run.acted
      .filter((a) => a.outcome.state === 'frozen')
      .map((a) => ({ projectId: a.projectId, incident: run.freezes.get(a.projectId)?.incident ?? '' })),
    failed: run.failed.map((z) => `${z.projectId}: ${z.error ?? 'unknown error'}`),
    deferred: run.deferred,
    errors: run.errors,
  };
  if (run.failed.length > 0) {
    const detail = run.failed
      .map(
        (z) =>
          `Freezing ${z.projectId} (incident ${z.incident}) failed: ${z.error ?? 'unknown error'}\n  retried by every run until ${new Date(Date.parse(z.requestedAt ?? z.proposedAt) + 24 * 3_600_000).toISOString()}; by hand: npx burnrate guard freeze --account ${accountId} --project ${z.projectId}`,
      )
      .join('\n');
    const operator = await tellOperator(deps, accountId, 'guard-failed', detail, options);
    if (operator) step.operator = operator;
  } else if (run.settled) {
    const alerts = deps.operator?.alerts ?? deps.delivery?.alerts;
    const keys = rearmedWhenGuardSettled(r.operatorNotices);
    if (alerts && keys.length > 0) await Promise.allSettled(keys.map((key) => alerts.rearm(accountId, key)));
  }
  return { run, outcome: step };
}

/**
 * What the emails and chat messages say of the guard: the FREEZE items after the step, and links
 * for the projects the due guard keys name (an incident's own, a reminder's freeze's incident).
 * A link that cannot be signed (the key unreadable) is left out: the texts give the command.
 */
async function guardFacts(
  deps: ProcessDeps,
  accountId: string,
  r: { pending: ReadonlyArray<{ key: string }>; projectNames: ReadonlyMap<string, string> },
  run: GuardRunResult,
): Promise<GuardFacts> {
  const links = new Map<string, { freeze: string; undo: string }>();
  const make = deps.guardLinks;
  if (make) {
    const now = (deps.wallClock ?? deps.now)();
    for (const { key } of r.pending) {
      const k = parseKey(key);
      if (k?.kind !== 'guard' && k?.kind !== 'guard-reminder') continue;
      const incident = k.kind === 'guard' ? key : run.freezes.get(k.projectId)?.incident;
      if (!incident || links.has(k.projectId)) continue;
      try {
        const l = await make({ accountId, projectId: k.projectId, incident }, now);
        if (l) links.set(k.projectId, { freeze: l.freeze, undo: l.undo });
      } catch {
        // The texts fall back to the CLI command; doctor's guard-key check says why.
      }
    }
  }
  return { freezes: run.freezes, links, names: r.projectNames };
}

/** The guard step's outcome for the run's outcome, when it did or reports anything. */
function guardReport(g: { outcome: GuardStepOutcome } | undefined): { guard?: GuardStepOutcome } {
  const o = g?.outcome;
  if (!o) return {};
  const busy = o.acted.length + o.failed.length + o.deferred.length + o.errors.length > 0;
  return busy || o.operator ? { guard: o } : {};
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
