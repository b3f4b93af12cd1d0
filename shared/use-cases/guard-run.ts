import { parseKey } from '../core/alert-keys.ts';
import type { Figures } from '../core/figures.ts';
import { guardTarget } from '../core/guard.ts';
import type { GuardOutcome } from '../guard/actions.ts';
import type { AlertRecord, FreezeRecord } from '../ports.ts';
import {
  type AccountConfig,
  guardFor,
  projectName,
  scopeOfProject,
  toGuardPolicy,
} from '../schemas/account-config.ts';
import { SEND_RESERVE_MS } from './deadline.ts';
import { audit, type GuardDeps, INTENT_STALE_MS } from './guard-context.ts';
import { AUTO, freezeProject, RETRY } from './guard-freeze.ts';
import { proposeIncident } from './guard-proposal.ts';

/** A failed freeze is retried by the runs of the next 24 hours; after that it stays failed (the operator knows). */
export const RETRY_FOR_MS = 24 * 3_600_000;
/** Kept back after the guard's provider requests: its FREEZE writes (the send's reserve comes after). */
const STORE_RESERVE_MS = 3_000;
/** A freeze is not started with less than this left for its requests: the next run does it. */
const MIN_FREEZE_MS = 8_000;

export interface GuardRunDeps extends GuardDeps {
  /** The real clock, for the deadline (epoch ms); default Date.now. */
  wallClock?(): number;
}

export interface GuardRunInput {
  accountId: string;
  config: AccountConfig;
  figures: Figures;
  /** The FREEZE items the sync loaded. */
  freezes: readonly FreezeRecord[];
  /** Keys this run recorded (`guard:` incidents to propose, `guard-reminder:` to audit). */
  due: readonly AlertRecord[];
  /**
   * Keys still pending delivery: a run that died between its commit and its guard step left its
   * incident pending, and the next run proposes it (proposing is idempotent per incident).
   */
  pending?: readonly AlertRecord[] | undefined;
  /** Names the provider lists, by id. */
  names?: ReadonlyMap<string, string> | undefined;
  deadline?: number | undefined;
}

export interface GuardRunResult {
  /** FREEZE items after this run's guard step, by project id (what the emails say). */
  freezes: Map<string, FreezeRecord>;
  acted: Array<{ projectId: string; outcome: GuardOutcome }>;
  /** Incidents and retries left for the next run (no time, or another process holds them). */
  deferred: string[];
  errors: string[];
  /** Freezes this run attempted that failed (the provider refused, or no answer): the operator hears. */
  failed: FreezeRecord[];
  /**
   * No failed freeze is left for later runs to retry (each applied since, released, or past its
   * 24 hours) and this run failed none: the `guard-failed` operator notice re-arms.
   */
  settled: boolean;
}

/**
 * The guard's step in a run, after the sync's commit and before delivery (so an `auto` email says
 * what was done): record the incidents the rules raised; in `auto` mode freeze now; complete
 * freezes an interrupted run left; retry failed ones (24 hours); audit the reminders. Returns the
 * failures for the caller to tell the operator (the `guard-failed` notice, once per problem).
 * Bounded by the account's deadline and never throws for the provider: the alert emails go out
 * whatever happens here.
 */
export async function runGuard(deps: GuardRunDeps, input: GuardRunInput): Promise<GuardRunResult> {
  const freezes = new Map(input.freezes.map((z) => [z.projectId, z]));
  const result: GuardRunResult = {
    freezes,
    acted: [],
    deferred: [],
    errors: [],
    failed: [],
    settled: false,
  };
  const { config, figures: f } = input;
  const at = new Date(f.at).toISOString();
  const name = (id: string) => projectName(config, id, input.names?.get(id));
  const keys = input.due.map((a) => ({ record: a, key: parseKey(a.key) }));
  // The rules raise at most one incident a run: the target's (recorded by this run's commit).
  const target = guardTarget(f, toGuardPolicy(config), new Set());
  const raised = [...input.due, ...(input.pending ?? [])].some((a) => a.key === target?.incident);
  if (target && raised) {
    try {
      const scope = scopeOfProject(config.provider, target.projectId);
      const z = await proposeIncident(deps, {
        accountId: input.accountId,
        current: freezes.get(target.projectId),
        target,
        monthToDateMicros: f.scopes?.get(scope)?.monthToDateMicros ?? 0,
        headroomUsd: guardFor(config, target.projectId).headroomUsd,
        at,
        projectName: name(target.projectId),
      });
      if (z) freezes.set(z.projectId, z);
    } catch (error) {
      result.errors.push(`${target.projectId}: recording the incident failed: ${(error as Error).message}`);
    }
  }
  const reminders = keys.flatMap(({ record, key }) =>
    key?.kind === 'guard-reminder' && freezes.get(key.projectId)
      ? [
          audit(
            freezes.get(key.projectId) as FreezeRecord,
            'reminded',
            record.firedAt,
            'burnrate',
            `reminder: ${name(key.projectId)} is still frozen`,
          ),
        ]
      : [],
  );
  if (reminders.length > 0)
    await deps.store.putAudits(input.accountId, reminders).catch((error: Error) => {
      result.errors.push(`recording reminders failed: ${error.message}`);
    });

  const clock = deps.wallClock ?? Date.now;
  const end = input.deadline === undefined ? undefined : input.deadline - SEND_RESERVE_MS - STORE_RESERVE_MS;
  for (const z of [...freezes.values()]) {
    const by = work(z, f.at);
    if (!by) continue;
    if (end !== undefined && clock() + MIN_FREEZE_MS > end) {
      result.deferred.push(z.projectId);
      continue;
    }
    try {
      const r = await freezeProject(deps, {
        accountId: input.accountId,
        projectId: z.projectId,
        incident: z.incident,
        by,
        deadline: end,
      });
      if (r.record) freezes.set(z.projectId, r.record);
      result.acted.push({ projectId: z.projectId, outcome: r.outcome });
      if (r.outcome.state === 'failed' && r.record) result.failed.push(r.record);
    } catch (error) {
      result.errors.push(`${z.projectId}: ${(error as Error).message}`);
    }
  }
  result.settled =
    result.failed.length === 0 &&
    result.errors.length === 0 &&
    result.deferred.length === 0 &&
    ![...freezes.values()].some((z) => z.status === 'failed' && work(z, f.at) !== undefined);
  return result;
}

/** Whether this run must act on a FREEZE item, and as whom; undefined: nothing to do. */
function work(z: FreezeRecord, at: number): string | undefined {
  if (z.status === 'proposed' && z.mode === 'auto') return AUTO;
  if (z.status === 'intent' && at - Date.parse(z.requestedAt ?? z.proposedAt) >= INTENT_STALE_MS)
    return RETRY;
  if (z.status === 'failed' && at - Date.parse(z.requestedAt ?? z.proposedAt) < RETRY_FOR_MS) return RETRY;
  return undefined;
}
