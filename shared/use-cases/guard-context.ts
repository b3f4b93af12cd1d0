import { limitText } from '../email/hard-limit-text.ts';
import type {
  AccountItems,
  ApiKeys,
  FreezeRecord,
  GuardAuditRecord,
  GuardStep,
  GuardStore,
  Metrics,
  SecretSource,
  SpendLimitState,
  SpendLimits,
} from '../ports.ts';
import { type AccountConfig, parseAccountConfig, projectName } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { projectNames } from './project-names.ts';

/** What the guard use case runs on (the sync in `auto` mode, the guard page, the CLI). */
export interface GuardDeps {
  store: GuardStore;
  secrets: SecretSource;
  /** The provider's hard limits; `deadline` (real clock, epoch ms) bounds its requests. */
  spendLimits(config: AccountConfig, adminKey: string, run?: { deadline?: number | undefined }): SpendLimits;
  /** Anthropic's keys (the lever without the spend-limits beta); undefined for OpenAI. */
  apiKeys(
    config: AccountConfig,
    adminKey: string,
    run?: { deadline?: number | undefined },
  ): ApiKeys | undefined;
  now(): Date;
  metrics?: Metrics | undefined;
}

/**
 * A freeze whose intent is younger than this may still be in flight in another process (the page's
 * function runs at most 30 s, a sync 90 s): nobody else touches it. Older, its process is gone and
 * the next attempt converges (re-reads the provider before writing anything).
 */
export const INTENT_STALE_MS = 2 * 60_000;

/** The account's config item, validated; the guard needs nothing else of it (not the grants). */
export function guardConfig(items: AccountItems): AccountConfig {
  if (!items.config)
    throw new InvalidInputError([
      `account ${items.accountId}: no config item (pk ACCOUNT#${items.accountId}, sk CONFIG)`,
    ]);
  return parseAccountConfig(items.config, `account ${items.accountId}`);
}

export const freezeOf = (items: AccountItems, projectId: string): FreezeRecord | undefined =>
  items.freezes?.find((z) => z.projectId === projectId);

/** In force: applied, or being applied (the keeper keeps it, the trigger leaves the project alone). */
export const inForce = (z: FreezeRecord | undefined): boolean =>
  z?.status === 'frozen' || z?.status === 'intent';

/** The project's display name: the config's, else the provider's listing, else its id. */
export const nameOf = (config: AccountConfig, items: AccountItems, projectId: string): string =>
  projectName(config, projectId, projectNames(items).get(projectId));

export function audit(
  z: Pick<FreezeRecord, 'projectId' | 'incident'>,
  step: GuardStep,
  at: string,
  by: string,
  detail: string,
  extra: Pick<GuardAuditRecord, 'previousCents' | 'cents' | 'keyIds'> = {},
): GuardAuditRecord {
  return {
    at,
    scope: `project:${z.projectId}`,
    action: `guard-${step}`,
    by,
    incident: z.incident,
    detail,
    ...extra,
  };
}

/** `no hard limit` / `$300.00 (enforcing)`: a prior state as the texts say it. */
export function priorText(prior: SpendLimitState | undefined): string {
  if (!prior || prior.state === 'none') return 'no hard limit';
  return `${limitText(prior.thresholdCents)} (${prior.enforcement})`;
}

/** How requests fail once a freeze holds (GUARD.md §3.3, §5). */
export function refusalText(config: AccountConfig, lever: 'limit' | 'keys' | undefined): string {
  if (lever === 'keys') return 'requests with those keys are refused within minutes';
  return config.provider === 'openai'
    ? 'requests now get 429 project_spend_limit_exceeded within minutes'
    : 'requests now get 400 "You have reached your specified workspace API usage limits" within minutes';
}

/** A provider error as one line (keys are already cut out by the clients). */
export const errorText = (error: unknown): string => (error as Error)?.message ?? String(error);
