import { limitText } from '../email/hard-limit-text.ts';
import { GuardUnavailableError } from '../guard/actions.ts';
import type { FreezeRecord } from '../ports.ts';
import {
  audit,
  errorText,
  freezeOf,
  type GuardDeps,
  guardConfig,
  INTENT_STALE_MS,
  nameOf,
} from './guard-context.ts';
import type { FreezeResult } from './guard-freeze.ts';
import { restoreLimit, switchKeysOn } from './guard-levers.ts';
import { retryOnConflict } from './retry-on-conflict.ts';

export interface ReleaseRequest {
  accountId: string;
  projectId: string;
  /** Who undoes it: `approval page, link …` (Undo), `cli`. */
  by: string;
  deadline?: number | undefined;
}

/**
 * Undoes a project's freeze (the page's Undo, `burnrate guard release`): restores the exact prior
 * state stored before the freeze was written (the old threshold, or DELETE when there was none;
 * Anthropic's keys back to `active`), then records `released`. Idempotent: a project that is not
 * frozen is reported, never written; a restore that fails leaves the freeze recorded (so the keeper
 * keeps it) and throws, so the page frees its link and the CLI exits 1 to be run again.
 */
export async function releaseProject(deps: GuardDeps, req: ReleaseRequest): Promise<FreezeResult> {
  return retryOnConflict(() => releaseOnce(deps, req));
}

async function releaseOnce(deps: GuardDeps, req: ReleaseRequest): Promise<FreezeResult> {
  const items = await deps.store.loadAccount(req.accountId);
  const config = guardConfig(items);
  const now = deps.now().getTime();
  const nowIso = new Date(now).toISOString();
  const name = nameOf(config, items, req.projectId);
  const z = freezeOf(items, req.projectId);
  const report = (state: FreezeResult['outcome']['state'], message: string): FreezeResult => ({
    outcome: { state, message },
    record: z,
    writes: 0,
  });
  if (z?.status === 'released')
    return report('released', `${name} was released already (at ${z.releasedAt ?? '?'}): nothing to undo.`);
  // A failed freeze may have landed in part (an answer lost): restoring the prior state is safe then too.
  const undoable =
    z?.lever !== undefined && (z.status === 'frozen' || z.status === 'intent' || z.status === 'failed');
  if (!z || !undoable)
    return report(
      z?.status === 'already-limited' ? 'already-limited' : 'proposed',
      `${name} is not frozen: nothing to undo.`,
    );
  if (z.status === 'intent' && now - Date.parse(z.requestedAt ?? nowIso) < INTENT_STALE_MS)
    throw new GuardUnavailableError(`A freeze of ${name} is being applied right now; undo it in a minute.`);

  const adminKey = await deps.secrets.adminKey(config);
  const save = (next: FreezeRecord, steps: Parameters<typeof deps.store.putFreeze>[3]) =>
    deps.store.putFreeze(req.accountId, { ...next, version: z.version + 1 }, z.version, steps);
  try {
    if (z.lever === 'keys') {
      const api = deps.apiKeys(config, adminKey, { deadline: req.deadline });
      if (!api) throw new Error('this provider has no API key lever');
      await switchKeysOn(api, z.keyIds ?? []);
    } else {
      await restoreLimit(
        deps.spendLimits(config, adminKey, { deadline: req.deadline }),
        z.projectId,
        z.prior ?? { state: 'none' },
      );
    }
  } catch (error) {
    deps.metrics?.record('GuardActionFailed', 1);
    const message = `releasing ${name} failed: ${errorText(error)}`;
    await save({ ...z, error: message, failedAt: nowIso }, [
      audit(z, 'failed', nowIso, req.by, message),
    ]).catch(() => undefined);
    throw error;
  }
  const restored = restoredText(name, z);
  const { error: _e, failedAt: _f, ...rest } = z;
  const released: FreezeRecord = { ...rest, status: 'released', releasedAt: nowIso, releasedBy: req.by };
  await save(released, [
    audit(z, 'released', nowIso, req.by, restored, {
      ...(z.lever === 'limit' && { previousCents: z.thresholdCents ?? null }),
      ...(z.lever === 'limit' && z.prior?.state === 'set' && { cents: z.prior.thresholdCents }),
      ...(z.lever === 'keys' && { keyIds: z.keyIds }),
    }),
  ]);
  return {
    outcome: { state: 'released', message: `Released ${name}: ${restored}.` },
    record: { ...released, version: z.version + 1 },
    writes: z.lever === 'keys' ? (z.keyIds?.length ?? 0) : 1,
  };
}

function restoredText(name: string, z: FreezeRecord): string {
  if (z.lever === 'keys')
    return `${z.keyIds?.length ?? 0} API key(s) back to active (${(z.keyIds ?? []).join(', ')})`;
  const prior = z.prior ?? { state: 'none' as const };
  if (prior.state === 'none') return `its hard limit is removed again (it had none before the freeze)`;
  const word =
    prior.enforcement === 'enforcing'
      ? ''
      : ` (the provider had called it "${prior.enforcement}"; its API sets an enforced limit, so that word may differ now)`;
  return `its hard limit is back to ${limitText(prior.thresholdCents)}, as before the freeze${word}; ${name} spends again once the provider applies it`;
}
