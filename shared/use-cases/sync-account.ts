import { retiredKeyTtls } from '../core/alert-retirement.ts';
import { evaluateAlerts } from '../core/alerts.ts';
import { toOutputFigures } from '../core/derived.ts';
import { digestDue, isDigestKey } from '../core/digest.ts';
import { computeFigures, type Figures } from '../core/figures.ts';
import { guardConditions } from '../core/guard.ts';
import { microsToUsd } from '../core/money.ts';
import { pickSpikeHour, spikeWindow } from '../core/spike.ts';
import { DAY_MS, dayKey, startOfUtcDay } from '../core/time.ts';
import {
  type ProjectNames,
  type ProviderHardLimits,
  projectSnapshot,
  projectSummaries,
} from '../email/project-summary.ts';
import type {
  AccountStore,
  AlertRecord,
  CostDayRecord,
  CostSource,
  FreezeRecord,
  ReconciledRecord,
  SecretSource,
} from '../ports.ts';
import { type AccountConfig, toAlertPolicy, toGuardPolicy } from '../schemas/account-config.ts';
import { providerDeadline } from './deadline.ts';
import { deliveredEverywhere, groupsAtFire } from './delivery-groups.ts';
import { inForce } from './guard-context.ts';
import { validateForSync } from './load-account.ts';
import { isOperatorKey, rearmedBySync } from './operator-notices.ts';
import { retryOnConflict } from './retry-on-conflict.ts';

const INVALID_CONFIG_KEY = 'operator:invalid-config';

import { projectNames as namesOf, providerHardLimits } from './project-names.ts';
import {
  actualRecord,
  changedDays,
  costWindow,
  keepLateEstimates,
  LOOKBACK_DAYS,
  ledgerBuckets,
} from './sync-plan.ts';

export interface SyncDeps {
  store: AccountStore;
  secrets: SecretSource;
  /**
   * Builds the provider client for an account (the provider seam: the use case never names one);
   * `deadline` (real clock, epoch ms) bounds its requests and retries.
   */
  costSource(
    config: AccountConfig,
    adminKey: string,
    options?: { deadline?: number | undefined },
  ): CostSource;
  /** The ledger's clock: figures, alert rules, the provider query window (`run --now` moves it). */
  now(): Date;
  /**
   * The real clock, for what other processes compare with their own clock: lastSyncAt (staleness)
   * here, claim times in delivery. Absent: `now` (tests that simulate one clock for everything).
   */
  wallClock?(): Date;
}

export interface SyncResult {
  accountId: string;
  figures: Figures;
  config: AccountConfig;
  /** Keys that fired in this run (now pending delivery). */
  due: AlertRecord[];
  rearmed: string[];
  writtenDays: number;
  writeRequests: number;
  unknownModels: string[];
  /**
   * Every alert and weekly digest (`digest:` keys) still pending delivery to some recipient group
   * after this run (new and earlier).
   */
  pending: AlertRecord[];
  costsReportedThrough: string | undefined;
  /** The last 31 days of cost records (for the email's chart). */
  costs: CostDayRecord[];
  /** The last `burnrate checkpoint` (its own item: the STATE write above leaves it alone). */
  reconciled?: ReconciledRecord | undefined;
  /** Operator notice keys still raised after this sync (those a sync does not re-arm). */
  operatorNotices: string[];
  /** Today's estimate per project/workspace and model (each project's email names its top models). */
  todayModels: Record<string, Record<string, number>>;
  /** The config item is invalid and this sync ran on the last good config: the item's problems. */
  invalidConfig?: string[];
  /** Names the provider lists for projects/workspaces, by id (the upkeep's PROJECTS item; empty until it ran). */
  projectNames: ProjectNames;
  /** The provider's hard limits per project, USD, as the upkeep last read them (LIMITS item). */
  hardLimits: ProviderHardLimits;
  /** The guard's FREEZE items as loaded (the guard step of the run acts on them after the commit). */
  freezes: FreezeRecord[];
}

export interface SyncOptions {
  /** Real-clock instant (epoch ms) by which the account's whole run must be over (see deadline.ts). */
  deadline?: number | undefined;
}

/**
 * One account, one run: load (one Query), validate, fetch costs since the cursor − lookback and
 * today's estimate, write only what changed, replay, snapshot, and record which alert keys are due.
 * An invalid config item throws InvalidInputError before anything is written.
 */
export async function syncAccount(
  deps: SyncDeps,
  accountId: string,
  options: SyncOptions = {},
): Promise<SyncResult> {
  return retryOnConflict(() => syncOnce(deps, accountId, options));
}

async function syncOnce(deps: SyncDeps, accountId: string, options: SyncOptions): Promise<SyncResult> {
  const items = await deps.store.loadAccount(accountId);
  // An invalid config item with a last good one: run on that (the operator is told, see process-account).
  const { config, grants, invalidConfig } = validateForSync(items);
  const adminKey = await deps.secrets.adminKey(config);
  // The provider's share of the account's time: what is left after it covers the commit and a send.
  const source = deps.costSource(config, adminKey, { deadline: providerDeadline(options.deadline) });
  const now = deps.now().getTime();
  const nowIso = new Date(now).toISOString();
  const syncedAt = (deps.wallClock ?? deps.now)().toISOString();
  const state = items.state ?? { version: 0 };

  const window = costWindow({
    now,
    grants,
    costsFrom: state.costsFrom,
    costsThrough: state.costsThrough,
    lookbackDays: LOOKBACK_DAYS[config.provider],
  });
  const [daily, estimate] = await Promise.all([
    window.start < window.end
      ? source.dailyCosts({ start: new Date(window.start), end: new Date(window.end) })
      : Promise.resolve([]),
    // From the last complete hour (yesterday 23:00 just after midnight) for the spike rule; only
    // today's hours count toward today's estimate. One request either way (≤ 25 of 168 hours).
    source.usageEstimate({
      start: new Date(Math.min(startOfUtcDay(now), spikeWindow(now).lastComplete)),
      end: new Date(now),
      countFrom: new Date(startOfUtcDay(now)),
    }),
  ]);
  const hour = pickSpikeHour(
    estimate.hours.map((h) => ({ ...h, start: h.start.getTime() })),
    now,
  );
  const fetched = keepLateEstimates(
    items.costs,
    daily.filter((d) => d.day < dayKey(now)).map((d) => actualRecord(d, nowIso)),
    now,
  );
  // Today's split: the hourly usage of today's hours per project/workspace (LEDGER.md, "Projects").
  const todayRecord: CostDayRecord = {
    day: dayKey(now),
    amountMicros: estimate.amountMicros,
    byScope: estimate.byScope,
    kind: 'estimate',
    fetchedAt: nowIso,
  };
  const costPuts = changedDays(items.costs, [...fetched, todayRecord]);
  const { buckets, todayMicros, todayByScope, estimateDays, merged } = ledgerBuckets(
    [...items.costs, ...fetched, todayRecord],
    now,
  );

  // The policy carries the configured projects' budgets: the buckets' splits make them fire.
  const policy = toAlertPolicy(config);
  const figures = computeFigures({
    grants,
    buckets,
    burnOrder: policy.burnOrder,
    autoRecharge: policy.autoRecharge,
    at: now,
    todayMicros,
    todayByScope,
    hour,
  });
  const projectNames: ProjectNames = namesOf(items);
  const hardLimits: ProviderHardLimits = providerHardLimits(items);
  const [operatorAlerts, notices] = partition(items.alerts, (a) => isOperatorKey(a.key));
  const [digests, accountAlerts] = partition(notices, (a) => isDigestKey(a.key));
  const evaluation = evaluateAlerts(figures, policy, new Set(accountAlerts.map((a) => a.key)));
  // The guard's keys (LEDGER.md "Guard"): the runaway project's incident, and a reminder a day for
  // each freeze in force. Fired once like any key; they never re-arm.
  const freezes = items.freezes ?? [];
  const guardFired = guardConditions(
    figures,
    toGuardPolicy(config),
    freezes
      .filter(inForce)
      .map((z) => ({ projectId: z.projectId, since: z.status === 'frozen' ? z.appliedAt : undefined })),
  ).filter((c) => !evaluation.disarmed.has(c.key));
  const digestKey = digestDue({
    at: now,
    setting: config.digest,
    // The previous run in the ledger's time, so that `run --now` replays get their Monday digests.
    previousRunAt: previousLedgerRun(state),
    storedKeys: new Set(digests.map((d) => d.key)),
    unconfirmed: new Set(items.unconfirmed),
  });
  const digest: AlertRecord | undefined = digestKey
    ? { key: digestKey, kind: 'digest', status: 'pending', firedAt: nowIso }
    : undefined;
  // A newer week's digest replaces one that never went out (SES refused it all week): never two at once.
  const supersededDigests = digest ? digests.filter((d) => d.status !== 'sent').map((d) => d.key) : [];
  // Pending for the account group and, for a project's key, for that project's group if it has recipients.
  const fired: AlertRecord[] = [...evaluation.fired, ...guardFired].map((c) => {
    const groups = groupsAtFire(c, config);
    return { key: c.key, kind: c.kind, status: 'pending', firedAt: nowIso, ...(groups && { groups }) };
  });

  const fetchedDays = fetched.map((r) => r.day).sort();
  const costsFrom = minDay(
    state.costsFrom,
    fetchedDays[0] ?? (window.start < window.end ? dayKey(window.start) : undefined),
  );
  const costsThrough = maxDay(state.costsThrough, fetchedDays.at(-1));
  const snapshot = {
    ...toOutputFigures(figures, nowIso),
    todayEstimateUsd: microsToUsd(todayMicros),
    hourSpendUsd: microsToUsd(hour.amountMicros),
    hourSpendFrom: new Date(hour.start).toISOString(),
    costsReportedThrough: costsThrough ?? null,
    pastDaysEstimated: estimateDays,
    unpricedModels: estimate.unknownModels,
    burnOrder: policy.burnOrder,
    autoRecharge: config.autoRecharge ?? null,
    // Per project/workspace (configured ones and any that spent), largest month-to-date first.
    projects: projectSummaries(figures, config, projectNames).map(projectSnapshot),
    alertsDue: fired.map((a) => a.key),
  };
  const operatorKeys = operatorAlerts.map((a) => a.key);
  // On the last good config the edit is still broken: its notice stays raised (no second email).
  const operatorRearmed = rearmedBySync(operatorKeys).filter(
    (k) => !(invalidConfig && k === INVALID_CONFIG_KEY),
  );
  const { writeRequests, recorded } = await deps.store.commitSync({
    accountId,
    expectedVersion: state.version,
    // The figures and keys above hold only for the config and grants loaded: if either changed
    // since (a console edit, `account set`, `grant add`), the commit fails and the sync starts over.
    loaded: items,
    costPuts,
    state: {
      version: state.version + 1,
      costsFrom,
      costsThrough,
      lastSyncAt: syncedAt,
      ledgerAt: nowIso,
      snapshot,
      // What this sync validated and ran on; on the fallback, the same last good config again.
      goodConfig: invalidConfig ? items.state?.goodConfig : items.config,
    },
    alertPuts: digest ? [...fired, digest] : fired,
    // A successful sync re-arms the operator notices it proves fixed (config valid, key accepted,
    // data fresh); delivery-failed waits for a delivered email (operator-notices.ts).
    alertDeletes: [...evaluation.rearmed, ...operatorRearmed, ...supersededDigests],
    // Past months' keys, once delivered, leave the partition every run reads (DynamoDB TTL).
    // A key counts as delivered once every group it must reach has it.
    alertTtls: retiredKeyTtls(
      [...accountAlerts, ...digests].map((a) => ({
        key: a.key,
        ttl: a.ttl,
        status: deliveredEverywhere(a, config) ? 'sent' : 'pending',
      })),
      figures.grants.map((g) => g.grant),
      now,
    ),
  });
  // A key another sync recorded first is its to deliver.
  const due = fired.filter((a) => recorded.includes(a.key));
  const newDigest = digest && recorded.includes(digest.key) ? [digest] : [];
  const stillPending = [...accountAlerts, ...digests].filter(
    (a) =>
      !deliveredEverywhere(a, config) &&
      !evaluation.rearmed.includes(a.key) &&
      !supersededDigests.includes(a.key),
  );
  return {
    accountId,
    figures,
    config,
    due,
    rearmed: evaluation.rearmed,
    writtenDays: costPuts.length,
    writeRequests,
    unknownModels: estimate.unknownModels,
    pending: [...stillPending, ...due, ...newDigest],
    costsReportedThrough: costsThrough,
    costs: [...merged.values()].filter((r) => Date.parse(`${r.day}T00:00:00Z`) >= now - 31 * DAY_MS),
    reconciled: items.reconciled,
    operatorNotices: operatorKeys.filter((k) => !operatorRearmed.includes(k)),
    todayModels: estimate.byScopeModel,
    ...(invalidConfig && { invalidConfig }),
    projectNames,
    hardLimits,
    freezes,
  };
}

function previousLedgerRun(state: { lastSyncAt?: string; ledgerAt?: string }): number | undefined {
  const at = state.ledgerAt ?? state.lastSyncAt;
  return at ? Date.parse(at) : undefined;
}

function partition<T>(xs: readonly T[], test: (x: T) => boolean): [T[], T[]] {
  return [xs.filter(test), xs.filter((x) => !test(x))];
}

function minDay(a: string | undefined, b: string | undefined) {
  return a === undefined ? b : b === undefined || a < b ? a : b;
}
function maxDay(a: string | undefined, b: string | undefined) {
  return a === undefined ? b : b === undefined || a > b ? a : b;
}
