import { alreadyLimited, freezeThresholdCents, scopeMonthToDate } from '../core/guard.ts';
import { usdToCentsUp } from '../core/hard-limits.ts';
import { limitText } from '../email/hard-limit-text.ts';
import type { GuardOutcome } from '../guard/actions.ts';
import {
  type AccountItems,
  ConcurrentSyncError,
  DEFAULT_WORKSPACE,
  type FreezeRecord,
  type GuardAuditRecord,
} from '../ports.ts';
import { type AccountConfig, guardFor, scopeOfProject } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import {
  audit,
  errorText,
  freezeOf,
  type GuardDeps,
  guardConfig,
  INTENT_STALE_MS,
  nameOf,
  priorText,
  refusalText,
} from './guard-context.ts';
import { applyLimit, keysThatSpent, readLimitOrKeys, switchKeysOff } from './guard-levers.ts';
import { retryOnConflict } from './retry-on-conflict.ts';

/** `by` of the run's own freezes in `auto` mode, and of its retries of a failed one. */
export const AUTO = 'burnrate (auto mode)';
export const RETRY = 'burnrate (retrying a failed freeze)';
/** Anyone else approved by hand (the page, the CLI): that is a step of the audit trail. */
const byPerson = (by: string) => by !== AUTO && by !== RETRY;

export interface FreezeRequest {
  accountId: string;
  projectId: string;
  /** The incident acted on (a link's, a run's); undefined: a freeze by hand (`burnrate guard freeze`). */
  incident?: string | undefined;
  /** Who asks: AUTO, `approval page, link 1a2b3c4d`, `cli`. */
  by: string;
  /** Read and decide, say what would be done, write nothing (`--dry-run`). */
  dryRun?: boolean | undefined;
  /** Real-clock epoch ms by which the provider requests must be over (a run's account deadline). */
  deadline?: number | undefined;
}

export interface FreezeResult {
  outcome: GuardOutcome;
  /** The FREEZE item after the call (absent: nothing to act on). */
  record?: FreezeRecord | undefined;
  /** Provider writes this call made (0 when converging on a write an earlier run made). */
  writes: number;
}

/**
 * Freezes a project (LEDGER.md "Guard"), idempotent per incident: the exact prior state is stored
 * in the FREEZE item as an intent BEFORE the provider write, then the write, a read back, and the
 * outcome with its audit step. A freeze already in force, or being applied by another process, is
 * reported, never written twice; an intent an interrupted run left (or a failed attempt) is
 * completed by re-reading the provider first. The provider refusing leaves `failed` (retried by the
 * next run, counted as GuardActionFailed) and returns; it does not throw.
 */
export async function freezeProject(deps: GuardDeps, req: FreezeRequest): Promise<FreezeResult> {
  return retryOnConflict(() => freezeOnce(deps, req));
}

async function freezeOnce(deps: GuardDeps, req: FreezeRequest): Promise<FreezeResult> {
  const items = await deps.store.loadAccount(req.accountId);
  const config = guardConfig(items);
  const now = deps.now().getTime();
  const nowIso = new Date(now).toISOString();
  const name = nameOf(config, items, req.projectId);
  const current = freezeOf(items, req.projectId);
  const report = (state: GuardOutcome['state'], message: string): FreezeResult => ({
    outcome: { state, message },
    record: current,
    writes: 0,
  });
  if (current?.status === 'frozen')
    return report('frozen', `${name} is already frozen (${hold(current)}); nothing more to do.`);
  const busy =
    current?.status === 'intent' && now - Date.parse(current.requestedAt ?? nowIso) < INTENT_STALE_MS;
  if (busy) return report('frozen', `A freeze of ${name} is being applied right now; nothing more to do.`);
  let base: FreezeRecord;
  if (req.incident !== undefined) {
    if (!current) return report('proposed', `burnrate has no incident for ${name}: nothing was done.`);
    if (current.status === 'released')
      return report('released', `The freeze of ${name} was released: this incident no longer acts.`);
    if (current.status === 'already-limited') return report('already-limited', alreadyText(name, current));
    base = current;
  } else if (
    current &&
    (current.status === 'proposed' || current.status === 'failed' || current.status === 'intent')
  ) {
    base = current;
  } else {
    base = byHand(items, config, req.projectId, current, now);
  }
  return act(deps, req, { items, config, name, now, nowIso }, base);
}

interface Ctx {
  items: AccountItems;
  config: AccountConfig;
  name: string;
  now: number;
  nowIso: string;
}

/** A freeze by hand (CLI) with no incident to act on: an incident of its own, `manual:<id>:<epoch s>`. */
function byHand(
  items: AccountItems,
  config: AccountConfig,
  projectId: string,
  current: FreezeRecord | undefined,
  now: number,
): FreezeRecord {
  const scope = scopeOfProject(config.provider, projectId);
  const known =
    config.projects?.[projectId] !== undefined ||
    items.projects?.projects[projectId] !== undefined ||
    items.costs.some((c) => c.byScope[scope] !== undefined);
  if (!known)
    throw new InvalidInputError([
      `--project ${projectId}: not a project burnrate knows for account ${items.accountId} (not in the config item, the provider's listing or the costs)`,
    ]);
  return {
    version: current?.version ?? 0,
    projectId,
    incident: `manual:${projectId}:${Math.floor(now / 1000)}`,
    mode: 'manual',
    status: 'proposed',
    proposedAt: new Date(now).toISOString(),
    monthToDateMicros: scopeMonthToDate(items.costs, scope, now),
    headroomCents: usdToCentsUp(guardFor(config, projectId).headroomUsd),
  };
}

async function act(deps: GuardDeps, req: FreezeRequest, c: Ctx, base: FreezeRecord): Promise<FreezeResult> {
  const { config, name, now, nowIso } = c;
  if (config.provider === 'anthropic' && base.projectId === DEFAULT_WORKSPACE)
    throw new InvalidInputError([
      `projects.${DEFAULT_WORKSPACE}: Anthropic's default workspace cannot be frozen: it has no id to scope a spend limit to, and burnrate does not switch off its keys (they cannot be told apart from organization keys safely)`,
    ]);
  const scope = scopeOfProject(config.provider, base.projectId);
  const mtd = scopeMonthToDate(c.items.costs, scope, now);
  const threshold = freezeThresholdCents(mtd, guardFor(config, base.projectId).headroomUsd);
  const adminKey = await deps.secrets.adminKey(config);
  const limits = deps.spendLimits(config, adminKey, { deadline: req.deadline });
  const keys = () => deps.apiKeys(config, adminKey, { deadline: req.deadline });
  // A person's approval (the page, the CLI) is a step of its own, recorded with the first write.
  const approval: GuardAuditRecord[] = !byPerson(req.by)
    ? []
    : [audit(base, 'approved', nowIso, req.by, `freeze of ${name} approved`)];
  const save = async (next: FreezeRecord, steps: GuardAuditRecord[]) => {
    const written = { ...next, version: base.version + 1 };
    await deps.store.putFreeze(req.accountId, written, base.version, [...approval, ...steps]);
    approval.length = 0;
    base = written;
    return written;
  };
  const fail = async (error: unknown, writes: number): Promise<FreezeResult> => {
    const message = errorText(error);
    deps.metrics?.record('GuardActionFailed', 1);
    const failed: FreezeRecord = {
      ...base,
      status: 'failed',
      error: message,
      failedAt: nowIso,
      requestedBy: base.requestedBy ?? req.by,
      requestedAt: base.requestedAt ?? nowIso,
    };
    // The runs retry a failure for a day: the same failure again is not a new step of the trail.
    const repeat = base.status === 'failed' && base.error === message;
    const record = await save(
      failed,
      repeat ? [] : [audit(base, 'failed', nowIso, req.by, `freezing ${name} failed: ${message}`)],
    );
    return { outcome: { state: 'failed', message: `Freezing ${name} failed: ${message}` }, record, writes };
  };

  // Completing an earlier attempt (an interrupted run's intent, or a failure): same lever, same
  // prior state, same threshold; the provider is read before anything is written.
  const resuming = base.lever !== undefined && (base.status === 'intent' || base.status === 'failed');
  let writes = 0;
  try {
    if (!resuming) {
      const read = await readLimitOrKeys(limits, config.provider, base.projectId);
      if (read.lever === 'limit') {
        if (alreadyLimited(read.have, threshold)) {
          const limited: FreezeRecord = {
            ...clean(base),
            status: 'already-limited',
            prior: read.have,
            thresholdCents: threshold,
            monthToDateMicros: mtd,
          };
          if (req.dryRun)
            return {
              outcome: { state: 'already-limited', message: alreadyText(name, limited) },
              record: base,
              writes: 0,
            };
          const record = await save(limited, [
            audit(base, 'already-limited', nowIso, req.by, alreadyText(name, limited), {
              previousCents: centsOf(read.have),
              cents: threshold,
            }),
          ]);
          return {
            outcome: { state: 'already-limited', message: alreadyText(name, record) },
            record,
            writes: 0,
          };
        }
        if (req.dryRun)
          return {
            outcome: {
              state: 'proposed',
              message: `Would set ${name}'s hard monthly limit to ${limitText(threshold)} (month to date ${limitText(Math.ceil(mtd / 10_000))} + headroom; it has ${priorText(read.have)} now). Nothing was written.`,
            },
            record: base,
            writes: 0,
          };
        base = await save(
          {
            ...clean(base),
            status: 'intent',
            lever: 'limit',
            prior: read.have,
            thresholdCents: threshold,
            monthToDateMicros: mtd,
            requestedBy: req.by,
            requestedAt: nowIso,
          },
          [],
        );
      } else {
        const api = keys();
        if (!api) throw new Error(`${read.why}; and this provider has no API key lever`);
        const found = await keysThatSpent(api, base, now);
        if (found.keyIds.length === 0)
          throw new Error(
            `no active API key of ${name} spent in the spiking hour (usage without a key: ${limitText(Math.round(found.keylessMicros / 10_000))}), so there is nothing to switch off; ${read.why}`,
          );
        if (req.dryRun)
          return {
            outcome: {
              state: 'proposed',
              message: `Would switch off ${found.keyIds.length} API key(s) of ${name}: ${found.keyIds.join(', ')} (the spend-limits API is not available). Nothing was written.`,
            },
            record: base,
            writes: 0,
          };
        base = await save(
          {
            ...clean(base),
            status: 'intent',
            lever: 'keys',
            keyIds: found.keyIds,
            monthToDateMicros: mtd,
            requestedBy: req.by,
            requestedAt: nowIso,
          },
          [],
        );
      }
    } else if (req.dryRun) {
      return {
        outcome: {
          state: 'failed',
          message: `An earlier freeze of ${name} did not finish; a real run completes it (re-reading the provider first). Nothing was written.`,
        },
        record: base,
        writes: 0,
      };
    }
    let enforcement: string | undefined;
    if (base.lever === 'limit') {
      const applied = await applyLimit(limits, base.projectId, base.thresholdCents as number, resuming);
      writes += applied.writes;
      enforcement = applied.enforcement;
    } else {
      const api = keys();
      if (!api) throw new Error('this provider has no API key lever');
      writes += await switchKeysOff(api, base.projectId, base.keyIds ?? []);
    }
    const frozen: FreezeRecord = {
      ...clean(base),
      status: 'frozen',
      appliedAt: nowIso,
      ...(enforcement !== undefined && { enforcement }),
    };
    const detail = appliedText(name, frozen, writes === 0 && resuming);
    const record = await save(frozen, [
      audit(base, 'applied', nowIso, req.by, detail, {
        ...(frozen.lever === 'limit' && {
          previousCents: centsOf(frozen.prior),
          cents: frozen.thresholdCents,
        }),
        ...(frozen.lever === 'keys' && { keyIds: frozen.keyIds }),
      }),
    ]);
    deps.metrics?.record('GuardFreezesApplied', 1);
    return {
      outcome: {
        state: 'frozen',
        message: `Frozen ${name} ${hold(record)}; ${refusalText(config, record.lever)}.`,
      },
      record,
      writes,
    };
  } catch (error) {
    if (error instanceof ConcurrentSyncError || error instanceof InvalidInputError) throw error;
    return fail(error, writes);
  }
}

/** The record without what a new attempt replaces (a failure's message, an earlier outcome). */
function clean(z: FreezeRecord): FreezeRecord {
  const {
    error: _e,
    failedAt: _f,
    appliedAt: _a,
    enforcement: _n,
    releasedAt: _r,
    releasedBy: _b,
    ...rest
  } = z;
  return rest as FreezeRecord;
}

const centsOf = (s: FreezeRecord['prior']) => (s?.state === 'set' ? s.thresholdCents : null);

/** `at $57.20 (hard limit)` or `with 2 API key(s) switched off`. */
export const hold = (z: FreezeRecord): string =>
  z.lever === 'keys'
    ? `with ${z.keyIds?.length ?? 0} API key(s) switched off (${(z.keyIds ?? []).join(', ')})`
    : `at ${limitText(z.thresholdCents ?? 0)} (hard limit)`;

function alreadyText(name: string, z: FreezeRecord): string {
  return `${name}'s hard limit is already ${priorText(z.prior)}, at or below the freeze threshold ${limitText(z.thresholdCents ?? 0)}: nothing was written.`;
}

function appliedText(name: string, z: FreezeRecord, converged: boolean): string {
  const what =
    z.lever === 'keys'
      ? `switched off ${z.keyIds?.length ?? 0} API key(s) of ${name}: ${(z.keyIds ?? []).join(', ')}`
      : `set ${name}'s hard monthly limit to ${limitText(z.thresholdCents ?? 0)} (it had ${priorText(z.prior)})`;
  return converged
    ? `${what}; confirmed by reading the provider after an interrupted attempt, not written again`
    : what;
}
