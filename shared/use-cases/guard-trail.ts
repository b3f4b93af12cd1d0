import { frozenLine } from '../email/guard-text.ts';
import { limitText } from '../email/hard-limit-text.ts';
import type { GuardStore } from '../ports.ts';
import { guardConfig, nameOf } from './guard-context.ts';

export interface GuardTrail {
  accountId: string;
  /** Every AUDIT# item, oldest first: the guard's steps and the keeper's hard-limit changes. */
  steps: Array<{ at: string; scope: string; step: string; by: string; detail: string; incident?: string }>;
  /** Each project's FREEZE item now, in one sentence. */
  freezes: Array<{ projectId: string; name: string; status: string; incident: string; state: string }>;
}

/** `burnrate guard list`: the account's audit trail and where each project's freeze stands. */
export async function guardTrail(
  deps: { store: Pick<GuardStore, 'loadAccount' | 'listAudit'>; now(): Date },
  accountId: string,
): Promise<GuardTrail> {
  const [items, audits] = await Promise.all([
    deps.store.loadAccount(accountId),
    deps.store.listAudit(accountId),
  ]);
  const config = guardConfig(items);
  const at = deps.now().getTime();
  return {
    accountId,
    steps: audits.map((a) =>
      a.action === 'hard-limit-set'
        ? {
            at: a.at,
            scope: a.scope,
            step: 'hard-limit-set',
            by: a.by,
            detail: `hard limit set to ${limitText(a.cents)} (had ${limitText(a.previousCents)}; ${a.source === 'freeze' ? 'kept for a freeze' : 'from the config'})`,
          }
        : {
            at: a.at,
            scope: a.scope,
            step: a.action.slice('guard-'.length),
            by: a.by,
            detail: a.detail,
            incident: a.incident,
          },
    ),
    freezes: (items.freezes ?? []).map((z) => {
      const name = nameOf(config, items, z.projectId);
      const state =
        z.status === 'frozen' || z.status === 'intent'
          ? `${frozenLine(z, name, at)}${z.status === 'intent' ? ' (being applied, or completed by the next run)' : ''}`
          : z.status === 'released'
            ? `released at ${z.releasedAt ?? '?'} by ${z.releasedBy ?? '?'}`
            : z.status === 'failed'
              ? `freeze failed: ${z.error ?? '?'} (retried by the runs for 24 hours after the request)`
              : z.status === 'already-limited'
                ? 'left alone: its hard limit was already at or below the freeze threshold'
                : `proposed (${z.mode} mode), not acted on`;
      return { projectId: z.projectId, name, status: z.status, incident: z.incident, state };
    }),
  };
}
