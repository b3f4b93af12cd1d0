import { type SpendLimitScope, type SpendLimits, SpendLimitsUnavailableError } from '../ports.ts';
import { type LimitView, limitView, type ProjectList } from './list-projects.ts';

/**
 * `project list --live`: the organization's and every configured project's hard limit read from
 * the provider now (GET only; nothing is written, not even the LIMITS item).
 */
export async function readLimitsLive(
  list: ProjectList,
  limits: SpendLimits,
  now: Date,
): Promise<ProjectList> {
  const readAt = now.toISOString();
  const read = async (scope: SpendLimitScope, kept: LimitView['keptUsd']): Promise<LimitView> => {
    const keptCents = kept === undefined ? undefined : Math.round(kept * 100);
    try {
      return limitView(keptCents, { provider: await limits.get(scope), readAt });
    } catch (error) {
      const message = (error as Error).message;
      const why =
        error instanceof SpendLimitsUnavailableError ? { unavailable: message } : { error: message };
      return { ...(kept !== undefined && { keptUsd: kept }), ...why };
    }
  };
  const organization = await read({ type: 'organization' }, list.organization.keptUsd);
  const rows = [];
  for (const r of list.rows) {
    rows.push(
      r.configured ? { ...r, hardLimit: await read({ type: 'project', id: r.id }, r.hardLimit.keptUsd) } : r,
    );
  }
  return { ...list, organization, rows };
}
