import { evaluateAlerts } from '../core/alerts.ts';
import { isDigestKey } from '../core/digest.ts';
import { computeFigures, type Figures } from '../core/figures.ts';
import { DAY_MS } from '../core/time.ts';
import type { ProjectNames, ProviderHardLimits } from '../email/project-summary.ts';
import type { AccountStore, AlertRecord, CostDayRecord, ReconciledRecord } from '../ports.ts';
import { type AccountConfig, toAlertPolicy } from '../schemas/account-config.ts';
import { deliveredEverywhere, groupsAtFire } from './delivery-groups.ts';
import { LastGoodConfigError, validateForSync } from './load-account.ts';
import { isOperatorKey, rearmedByValidItems } from './operator-notices.ts';
import { projectNames, providerHardLimits } from './project-names.ts';
import { retryOnConflict } from './retry-on-conflict.ts';
import { ledgerBuckets } from './sync-plan.ts';

export interface ReevaluateDeps {
  store: AccountStore;
  /** The real clock (fired times; the ledger's own time is the last sync's, see below). */
  now(): Date;
}

/** Why an edit led to no evaluation: the scheduled sync stays the only path for these. */
export type SkipReason = 'no-config' | 'disabled' | 'never-synced';

export type Reevaluation =
  | { status: 'skipped'; reason: SkipReason }
  | {
      status: 'reevaluated';
      config: AccountConfig;
      figures: Figures;
      /** Keys this re-evaluation recorded (disarmed, pending delivery). */
      due: AlertRecord[];
      rearmed: string[];
      /** Every account alert still pending delivery after it (earlier ones and `due`). */
      pending: AlertRecord[];
      costs: CostDayRecord[];
      costsReportedThrough: string | undefined;
      reconciled?: ReconciledRecord | undefined;
      /** Names the provider lists for projects/workspaces (the upkeep's PROJECTS item), as the sync's. */
      projectNames: ProjectNames;
      /** The provider's hard limits per project as the upkeep last read them (LIMITS item). */
      hardLimits: ProviderHardLimits;
    };

/**
 * An edited account's alerts, re-evaluated from what is stored: load (one Query), validate, replay
 * the ledger on the stored cost days as of the last sync, apply the alert rules with the edited config and
 * grants, and record fired and re-armed keys through the sync's own commit (the STATE version and
 * the config and grants as loaded are checked, so a scheduled sync racing it fires each key once).
 * No provider request: costs are what the last sync stored, and the spike rule, which needs the
 * provider's hourly usage, is left to the next sync. An invalid config item or grant throws
 * InvalidInputError before anything is written: nothing else changes (as in a sync).
 */
export async function reevaluateAccount(deps: ReevaluateDeps, accountId: string): Promise<Reevaluation> {
  return retryOnConflict(() => reevaluateOnce(deps, accountId));
}

async function reevaluateOnce(deps: ReevaluateDeps, accountId: string): Promise<Reevaluation> {
  const items = await deps.store.loadAccount(accountId);
  // Removed (its items deleted one by one): nothing to check, and nothing the sync would list.
  if (!items.config) return { status: 'skipped', reason: 'no-config' };
  // The sync's listing skips only an explicit `false` (so a bad edit elsewhere is reported).
  if (items.config.enabled === false) return { status: 'skipped', reason: 'disabled' };
  const { config, grants, invalidConfig } = validateForSync(items);
  // A bad edit of the config item: the operator is told; the syncs keep the last good config.
  if (invalidConfig) throw new LastGoodConfigError(invalidConfig);
  const state = items.state;
  // No cost stored yet: with no burn rate every grant would look at risk. The first sync decides.
  if (!state) return { status: 'skipped', reason: 'never-synced' };

  // The ledger as of the instant the stored costs describe (the last sync's ledger time): the
  // figures are the last sync's, so only what the edit changed can fire or re-arm a key. At the
  // real time instead, the spend since that sync would count as none, and a runway key could re-arm
  // only for the next sync to fire it again. Claims and fired times take the real clock.
  const at = Date.parse(state.ledgerAt ?? state.lastSyncAt ?? '') || deps.now().getTime();
  const firedAt = deps.now().toISOString();
  const { buckets, todayMicros, todayByScope, merged } = ledgerBuckets(items.costs, at);
  const policy = toAlertPolicy(config);
  // No `hour`: the spike rule neither fires nor re-arms here (it never re-arms anyway).
  const figures = computeFigures({
    grants,
    buckets,
    burnOrder: policy.burnOrder,
    autoRecharge: policy.autoRecharge,
    at,
    todayMicros,
    todayByScope,
  });
  const accountAlerts = items.alerts.filter((a) => !isOperatorKey(a.key) && !isDigestKey(a.key));
  const evaluation = evaluateAlerts(figures, policy, new Set(accountAlerts.map((a) => a.key)));
  const fired: AlertRecord[] = evaluation.fired.map((c) => {
    const groups = groupsAtFire(c, config);
    return { key: c.key, kind: c.kind, status: 'pending', firedAt, ...(groups && { groups }) };
  });
  // The items just validated: the bad-config notice re-arms, so the next bad edit is emailed again.
  // Not auth-failed or stale-data: only a sync that reached the provider shows those are gone.
  const notices = rearmedByValidItems(items.alerts.map((a) => a.key).filter(isOperatorKey));
  const alertDeletes = [...evaluation.rearmed, ...notices];

  let recorded: string[] = [];
  if (fired.length > 0 || alertDeletes.length > 0) {
    ({ recorded } = await deps.store.commitSync({
      accountId,
      expectedVersion: state.version,
      loaded: items,
      costPuts: [],
      // Not a sync: cursor, lastSyncAt (staleness) and the snapshot stay the last sync's.
      state: { ...state, version: state.version + 1 },
      alertPuts: fired,
      alertDeletes,
    }));
  }
  const due = fired.filter((a) => recorded.includes(a.key));
  const stillPending = accountAlerts.filter(
    (a) => !deliveredEverywhere(a, config) && !evaluation.rearmed.includes(a.key),
  );
  return {
    status: 'reevaluated',
    config,
    figures,
    due,
    rearmed: evaluation.rearmed,
    pending: [...stillPending, ...due],
    costs: [...merged.values()].filter((r) => Date.parse(`${r.day}T00:00:00Z`) >= at - 31 * DAY_MS),
    costsReportedThrough: state.costsThrough,
    reconciled: items.reconciled,
    projectNames: projectNames(items),
    hardLimits: providerHardLimits(items),
  };
}
