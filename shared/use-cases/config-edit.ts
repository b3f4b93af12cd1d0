import type { Metrics } from '../ports.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { type DeliveryDeps, deliverAlerts } from './deliver-alerts.ts';
import { LAST_GOOD_CONFIG_TEXT, LastGoodConfigError } from './load-account.ts';
import { notifyOperator, type OperatorDeps } from './notify-operator.ts';
import { type ReevaluateDeps, reevaluateAccount, type SkipReason } from './reevaluate-account.ts';

export interface ConfigEditDeps extends ReevaluateDeps {
  /** Absent: fired keys are recorded as due and the next sync delivers them. */
  delivery?: DeliveryDeps | undefined;
  operator?: OperatorDeps | undefined;
  metrics?: Metrics | undefined;
}

export type ConfigEditOutcome =
  | { accountId: string; status: 'skipped'; reason: SkipReason }
  | {
      accountId: string;
      status: 'invalid';
      problems: string[];
      /** What became of the operator's email: sent, already-notified (the key is raised), or none. */
      operator: 'sent' | 'already-notified' | 'no-operator-email';
    }
  | {
      accountId: string;
      status: 'reevaluated';
      due: string[];
      rearmed: string[];
      sent: string[];
      /** Groups whose email failed: the keys stay due, and the next scheduled sync retries them. */
      failures: Error[];
      /** Due keys left for lack of time (still due). */
      deferred: string[];
    };

/**
 * What a config or grant edit (console, `account set`, `grant add`) leads to, within a minute of
 * it: a bad edit is emailed to the operator through the sync's own invalid-config notice (once,
 * until a valid edit or a sync re-arms it; nothing is written, so the account keeps its last
 * committed alert state and the scheduled sync keeps reporting it), and a valid one re-evaluates
 * the account's alerts from the stored costs and delivers the keys it fired.
 * A failure a retry can fix (store, SES refusing the operator's email) throws.
 */
export async function checkConfigEdit(
  deps: ConfigEditDeps,
  accountId: string,
  options: { deadline?: number | undefined } = {},
): Promise<ConfigEditOutcome> {
  let result: Awaited<ReturnType<typeof reevaluateAccount>>;
  try {
    result = await reevaluateAccount(deps, accountId);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const lastGood = error instanceof LastGoodConfigError ? `\n${LAST_GOOD_CONFIG_TEXT}` : '';
    const detail = `${error.problems.join('\n')}${lastGood}`;
    const operator = deps.operator
      ? await notifyOperator(deps.operator, { accountId, kind: 'invalid-config', detail })
      : 'no-operator-email';
    return { accountId, status: 'invalid', problems: error.problems, operator };
  }
  if (result.status === 'skipped') return { accountId, status: 'skipped', reason: result.reason };
  const outcome = {
    accountId,
    status: 'reevaluated' as const,
    due: result.due.map((a) => a.key),
    rearmed: result.rearmed,
    sent: [] as string[],
    failures: [] as Error[],
    deferred: [] as string[],
  };
  const delivery = deps.delivery;
  if (!delivery || result.due.length === 0) return outcome;
  const delivered = await deliverAlerts(
    { ...delivery, metrics: delivery.metrics ?? deps.metrics },
    {
      accountId,
      config: result.config,
      figures: result.figures,
      pending: result.pending,
      costs: result.costs,
      costsReportedThrough: result.costsReportedThrough,
      reconciled: result.reconciled,
      projectNames: result.projectNames,
      hardLimits: result.hardLimits,
      deadline: options.deadline,
    },
  );
  return {
    ...outcome,
    sent: delivered.sent,
    failures: delivered.failures ?? [],
    deferred: delivered.deferred ?? [],
  };
}
