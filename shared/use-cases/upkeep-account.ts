import { type ActiveFreeze, hardLimitSettings, sameSettings } from '../core/hard-limits.ts';
import { dayKey } from '../core/time.ts';
import type {
  AccountItems,
  AccountStore,
  Metrics,
  OperatorNotices,
  ProjectDirectory,
  ProjectsRecord,
  SecretSource,
  SpendLimits,
  UpkeepStore,
} from '../ports.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { type Freezes, type KeepLimitsResult, keepLimits } from './keep-limits.ts';
import { validateAccountItems } from './load-account.ts';

export interface UpkeepDeps {
  store: Pick<AccountStore, 'loadAccount'> & UpkeepStore;
  secrets: SecretSource;
  projectDirectory(config: AccountConfig, adminKey: string): ProjectDirectory;
  spendLimits(config: AccountConfig, adminKey: string): SpendLimits;
  now(): Date;
  /** Where operator notices go (SES locally, the operator SNS topic in AWS); absent: not sent. */
  notices?: OperatorNotices | undefined;
  metrics?: Metrics | undefined;
}

export type UpkeepOutcome =
  | { accountId: string; status: 'not-due' }
  /** The sync reports an invalid config item to the operator; the upkeep leaves it alone. */
  | { accountId: string; status: 'invalid' }
  | {
      accountId: string;
      status: 'done';
      /** Projects/workspaces listed (when names were due and the listing worked). */
      listed?: number;
      limits?: KeepLimitsResult;
      /** What failed (the next run tries again); never a secret. */
      errors: string[];
    };

/** What is due for an account at `now`: names once a UTC day; limits daily, after a change, or to retry. */
export function upkeepDue(items: AccountItems, config: AccountConfig, now: number) {
  const today = dayKey(now);
  const day = (iso: string | undefined) => (iso === undefined ? undefined : dayKey(Date.parse(iso)));
  const limits = items.limits;
  return {
    names: day(items.projects?.listedAt) !== today,
    limits:
      !limits ||
      day(limits.checkedAt) !== today ||
      limits.retry === true ||
      limits.intent !== undefined ||
      !sameSettings(limits.settings, hardLimitSettings(config)),
  };
}

/**
 * The guard's freezes in force (applied, or being applied), as the keeper takes them: the limit it
 * keeps for that project (`desiredLimitCents`), so an upkeep run during a freeze never undoes it.
 * The keys lever sets no limit: nothing for the keeper there.
 */
export function keeperFreezes(items: Pick<AccountItems, 'freezes'>): Freezes {
  const projects = new Map<string, ActiveFreeze>();
  for (const z of items.freezes ?? []) {
    if (
      (z.status === 'frozen' || z.status === 'intent') &&
      z.lever === 'limit' &&
      z.thresholdCents !== undefined
    )
      projects.set(z.projectId, {
        thresholdCents: z.thresholdCents,
        since: z.appliedAt ?? z.requestedAt ?? z.proposedAt,
      });
  }
  return { projects };
}

/**
 * The upkeep of one account, outside the sync (whose 2 provider requests per run and timeout stay
 * as they are): once per UTC day list the projects/workspaces (names) into PROJECTS, and keep the
 * provider's hard limits in step with the config (`keepLimits`): daily, at the first run after the
 * hard-limit settings change, and at every run while something failed. Does no provider work when
 * nothing is due. Never throws for one account's provider trouble: the outcome says what failed.
 */
export async function upkeepAccount(deps: UpkeepDeps, accountId: string): Promise<UpkeepOutcome> {
  const items = await deps.store.loadAccount(accountId);
  let config: AccountConfig;
  try {
    config = validateAccountItems(items).config;
  } catch (error) {
    if (error instanceof InvalidInputError) return { accountId, status: 'invalid' };
    throw error;
  }
  const now = deps.now().getTime();
  const due = upkeepDue(items, config, now);
  if (!due.names && !due.limits) return { accountId, status: 'not-due' };
  const errors: string[] = [];
  const adminKey = await deps.secrets.adminKey(config);
  let listing = items.projects;
  let listed: number | undefined;
  if (due.names) {
    try {
      const projects = await deps.projectDirectory(config, adminKey).listProjects();
      listing = {
        listedAt: new Date(now).toISOString(),
        projects: Object.fromEntries(
          projects.map((p) => [p.id, { name: p.name, status: p.status, archived: p.archived }]),
        ),
      } satisfies ProjectsRecord;
      await deps.store.putProjects(accountId, listing);
      listed = projects.length;
    } catch (error) {
      errors.push(`listing projects: ${(error as Error).message}`);
    }
  }
  let limits: KeepLimitsResult | undefined;
  if (due.limits) {
    try {
      limits = await keepLimits({
        accountId,
        config,
        previous: items.limits,
        listing,
        limits: deps.spendLimits(config, adminKey),
        now,
        freezes: keeperFreezes(items),
        store: deps.store,
        notices: deps.notices,
        metrics: deps.metrics,
      });
      errors.push(...limits.failed);
    } catch (error) {
      errors.push(`hard limits: ${(error as Error).message}`);
    }
  }
  if (errors.length > 0) deps.metrics?.record('UpkeepFailed', 1);
  return {
    accountId,
    status: 'done',
    ...(listed !== undefined && { listed }),
    ...(limits && { limits }),
    errors,
  };
}
