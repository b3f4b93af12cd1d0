import { spikeWindow } from '../core/spike.ts';
import { limitText } from '../email/hard-limit-text.ts';
import {
  type ApiKeys,
  type FreezeRecord,
  type SpendLimitScope,
  type SpendLimitState,
  type SpendLimits,
  SpendLimitsUnavailableError,
} from '../ports.ts';

/**
 * The two levers a freeze pulls (GUARD.md §8): the provider's hard monthly limit on the project
 * (OpenAI; Anthropic with the spend-limits beta), or, for Anthropic without the beta, the API keys
 * that spent in the spiking hour switched to `inactive`. Both reversible; nothing is ever deleted
 * or archived. Every write is idempotent (create-or-replace, set a status).
 */

export const projectScope = (projectId: string): SpendLimitScope => ({ type: 'project', id: projectId });

/** What is there before a freeze: the limit (and so the lever is `limit`), or `keys` when unavailable. */
export async function readLimitOrKeys(
  limits: SpendLimits,
  provider: 'openai' | 'anthropic',
  projectId: string,
): Promise<{ lever: 'limit'; have: SpendLimitState } | { lever: 'keys'; why: string }> {
  try {
    return { lever: 'limit', have: await limits.get(projectScope(projectId)) };
  } catch (error) {
    // Anthropic without early access to the spend-limits API: the keys are the lever left.
    if (provider === 'anthropic' && error instanceof SpendLimitsUnavailableError)
      return { lever: 'keys', why: error.message };
    throw error;
  }
}

/**
 * Sets the freeze threshold and reads it back. With `checkFirst` (an interrupted or failed attempt
 * being completed) it reads first, and a provider that already holds the threshold is not written
 * again: the earlier write landed.
 */
export async function applyLimit(
  limits: SpendLimits,
  projectId: string,
  cents: number,
  checkFirst: boolean,
): Promise<{ enforcement: string; writes: number }> {
  const scope = projectScope(projectId);
  if (checkFirst) {
    const have = await limits.get(scope);
    if (have.state === 'set' && have.thresholdCents === cents)
      return { enforcement: have.enforcement, writes: 0 };
  }
  await limits.set(scope, cents);
  const back = await limits.get(scope);
  if (back.state !== 'set' || back.thresholdCents !== cents)
    throw new Error(
      `the provider reads back ${back.state === 'set' ? limitText(back.thresholdCents) : 'no limit'} after ${limitText(cents)} was set`,
    );
  return { enforcement: back.enforcement, writes: 1 };
}

/** Puts the prior limit back exactly: the old threshold, or no limit at all (DELETE). */
export async function restoreLimit(
  limits: SpendLimits,
  projectId: string,
  prior: SpendLimitState,
): Promise<void> {
  if (prior.state === 'none') await limits.remove(projectScope(projectId));
  else await limits.set(projectScope(projectId), prior.thresholdCents);
}

/**
 * The keys of the workspace that spent in the spiking hour (for a freeze by hand: the last complete
 * hour and the one in progress), among its active keys. Usage without a key (Console Workbench)
 * cannot be stopped this way: its amount is returned so the texts can say so.
 */
export async function keysThatSpent(
  keys: ApiKeys,
  record: Pick<FreezeRecord, 'projectId' | 'hourStart'>,
  now: number,
): Promise<{ keyIds: string[]; keylessMicros: number }> {
  const w = spikeWindow(now);
  const hours = record.hourStart ? [Date.parse(record.hourStart)] : [w.lastComplete, w.inProgress];
  const spend = (await Promise.all(hours.map((h) => keys.spendByKey(new Date(h))))).flat();
  const spent = new Set<string>();
  let keylessMicros = 0;
  for (const s of spend) {
    if (s.workspaceId !== record.projectId || s.amountMicros <= 0) continue;
    if (s.apiKeyId === null) keylessMicros += s.amountMicros;
    else spent.add(s.apiKeyId);
  }
  const active = new Set((await keys.listKeys(record.projectId)).map((k) => k.id));
  return { keyIds: [...spent].filter((id) => active.has(id)).sort(), keylessMicros };
}

/** Switches the freeze's keys off; a key already inactive is not written again. */
export async function switchKeysOff(
  keys: ApiKeys,
  projectId: string,
  keyIds: readonly string[],
): Promise<number> {
  const active = new Set((await keys.listKeys(projectId)).map((k) => k.id));
  let writes = 0;
  for (const id of keyIds) {
    if (!active.has(id)) continue;
    await keys.setStatus(id, 'inactive');
    writes++;
  }
  return writes;
}

/** Undo for the keys lever: each key the freeze switched off, back to `active` (idempotent). */
export async function switchKeysOn(keys: ApiKeys, keyIds: readonly string[]): Promise<void> {
  for (const id of keyIds) await keys.setStatus(id, 'active');
}
