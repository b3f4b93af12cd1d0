import { freezeThresholdCents, type GuardTarget, scopeMonthToDate } from '../core/guard.ts';
import { usdToCentsUp } from '../core/hard-limits.ts';
import { microsToUsd } from '../core/money.ts';
import { limitText } from '../email/hard-limit-text.ts';
import type { GuardProposal } from '../guard/actions.ts';
import type { AccountItems, FreezeRecord, GuardStore } from '../ports.ts';
import { guardFor, scopeOfProject } from '../schemas/account-config.ts';
import { audit, freezeOf, guardConfig, inForce, nameOf } from './guard-context.ts';

const STATE: Record<FreezeRecord['status'], GuardProposal['state']> = {
  proposed: 'proposed',
  // Being applied, or left by an interrupted run that the next run completes: the keeper keeps it.
  intent: 'frozen',
  frozen: 'frozen',
  'already-limited': 'already-limited',
  failed: 'failed',
  released: 'released',
};

/**
 * What the approval page shows for a link (opening it changes nothing): the project's FREEZE item
 * (its latest incident; a link of an older incident of the same project shows where the project
 * stands now) and its month to date from the stored costs. No provider request: mail scanners
 * open every link. Undefined when burnrate knows no incident for the project.
 */
export async function guardProposal(
  deps: { store: Pick<GuardStore, 'loadAccount'>; now(): Date },
  accountId: string,
  projectId: string,
): Promise<GuardProposal | undefined> {
  const items = await deps.store.loadAccount(accountId);
  if (!items.config) return undefined;
  const config = guardConfig(items);
  const z = freezeOf(items, projectId);
  if (!z) return undefined;
  const now = deps.now().getTime();
  const mtd = scopeMonthToDate(items.costs, scopeOfProject(config.provider, projectId), now);
  const hourUsd = microsToUsd(z.hourSpendMicros ?? 0);
  return {
    accountId,
    accountName: config.name ?? config.id,
    provider: config.provider,
    projectId,
    projectName: nameOf(config, items, projectId),
    incident: z.incident,
    hourStart: z.hourStart ?? z.proposedAt,
    hourSpendUsd: hourUsd,
    monthToDateUsd: microsToUsd(mtd),
    plan: planText(items, z, config.provider, mtd, guardFor(config, projectId).headroomUsd),
    waitingCostUsdPerHour: hourUsd,
    state: STATE[z.status],
    ...(inForce(z) && {
      frozen: {
        since: z.appliedAt ?? z.requestedAt ?? z.proposedAt,
        ...(z.lever === 'limit' &&
          z.thresholdCents !== undefined && { thresholdUsd: z.thresholdCents / 100 }),
        ...(z.lever === 'keys' && { keys: z.keyIds ?? [] }),
      },
    }),
  };
}

/** What the button will do, from what burnrate knows without asking the provider. */
function planText(
  items: AccountItems,
  z: FreezeRecord,
  provider: 'openai' | 'anthropic',
  mtd: number,
  headroomUsd: number,
): string {
  const unit = provider === 'anthropic' ? 'workspace' : 'project';
  const keys = `switch off the API keys of this ${unit} that spent in the spiking hour (status inactive, never deleted) and keep their ids for Undo`;
  const limit = `set the ${unit}'s hard monthly limit to ${limitText(freezeThresholdCents(mtd, headroomUsd))} (its month to date plus ${limitText(usdToCentsUp(headroomUsd))} headroom), unless its limit is already that low; the limit it has now is kept so Undo restores it exactly`;
  if (provider === 'openai' || z.lever === 'limit') return limit;
  // Anthropic: the spend-limits API is an early-access beta. An earlier attempt, or the upkeep's
  // last reading, says whether this organization has it; otherwise the button finds out.
  const reading = items.limits?.organization;
  if (z.lever === 'keys' || reading?.unavailable)
    return `${keys} (the spend-limits API is not available to this organization)`;
  if (reading?.provider) return limit;
  return `${limit}; where this organization has no access to the spend-limits API, ${keys}`;
}

/**
 * Records an incident the run's rules raised (`guard:<id>:<day>`): the FREEZE item `proposed` with
 * what the page and the freeze need (the spiking hour, the project's spend in it, its month to
 * date), and the audit step. Idempotent: the same incident again changes nothing; a project frozen
 * meanwhile is left as it is.
 */
export async function proposeIncident(
  deps: { store: Pick<GuardStore, 'putFreeze'> },
  input: {
    accountId: string;
    current: FreezeRecord | undefined;
    target: Pick<GuardTarget, 'projectId' | 'incident' | 'mode' | 'hourStart' | 'hourSpendMicros'>;
    monthToDateMicros: number;
    headroomUsd: number;
    at: string;
    projectName: string;
  },
): Promise<FreezeRecord | undefined> {
  const { current, target } = input;
  if (current?.incident === target.incident || inForce(current)) return current;
  const record: FreezeRecord = {
    version: (current?.version ?? 0) + 1,
    projectId: target.projectId,
    incident: target.incident,
    mode: target.mode,
    status: 'proposed',
    proposedAt: input.at,
    hourStart: new Date(target.hourStart).toISOString(),
    hourSpendMicros: target.hourSpendMicros,
    monthToDateMicros: input.monthToDateMicros,
    headroomCents: usdToCentsUp(input.headroomUsd),
  };
  const spent = limitText(Math.round(target.hourSpendMicros / 10_000));
  const next =
    target.mode === 'auto'
      ? 'auto mode: freezing it in this run'
      : 'approve mode: a "Freeze now" link goes out';
  await deps.store.putFreeze(input.accountId, record, current?.version ?? 0, [
    audit(
      record,
      'proposed',
      input.at,
      'burnrate',
      `${input.projectName} spent ${spent} in the spiking hour ${record.hourStart}; ${next}`,
    ),
  ]);
  return record;
}
