import type { Grant } from '../core/types.ts';
import type { AccountItems } from '../ports.ts';
import { type AccountConfig, parseAccountConfig } from '../schemas/account-config.ts';
import { parseGrants } from '../schemas/grant.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';

/**
 * Validates what one Query loaded: the hand-edited config item and grants. Every problem names the
 * account, the item and the field, e.g. `account acme: grant g2.amountUsd: expected a positive number, got -5`.
 */
export function validateAccountItems(items: AccountItems): { config: AccountConfig; grants: Grant[] } {
  const prefix = `account ${items.accountId}`;
  if (!items.config)
    throw new InvalidInputError([`${prefix}: no config item (pk ACCOUNT#${items.accountId}, sk CONFIG)`]);
  const problems: string[] = [];
  let config: AccountConfig | undefined;
  let grants: Grant[] | undefined;
  try {
    config = parseAccountConfig(items.config, prefix);
    if (config.id !== items.accountId) {
      problems.push(
        `${prefix}: id: must match the item's key ACCOUNT#${items.accountId}, got "${config.id}"`,
      );
    }
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems);
  }
  try {
    grants = parseGrants(items.grants, prefix, (i) => `grant ${grantName(items.grants[i])}`);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config || !grants) throw new InvalidInputError(problems);
  return { config, grants };
}

/** What the operator is told beside the problems when a sync runs on the last good config. */
export const LAST_GOOD_CONFIG_TEXT =
  'Until the config item is fixed, burnrate keeps using it as it was at the last good sync: the alerts go on as before this edit.';

/** The config item is invalid, and the syncs run on the last good config meanwhile. */
export class LastGoodConfigError extends InvalidInputError {}

/** What a sync runs on: the items as validated, or the last good config while the item is invalid. */
export interface SyncItems {
  config: AccountConfig;
  grants: Grant[];
  /**
   * Present when the config item is invalid and the sync runs on the last good config instead
   * (STATE `goodConfig`): the config item's problems, for the operator. The grants are always the
   * stored ones: an invalid grant stops the sync (the ledger cannot be replayed without it).
   */
  invalidConfig?: string[];
}

/**
 * `validateAccountItems`, except that an invalid **config item** (grants valid) falls back to the
 * config of the last successful sync when there is one: the account keeps its alerts while the
 * operator fixes the edit. No fallback for a missing config item, an invalid grant, or an account
 * that never synced: those throw InvalidInputError as before.
 */
export function validateForSync(items: AccountItems): SyncItems {
  try {
    return validateAccountItems(items);
  } catch (error) {
    const good = items.state?.goodConfig;
    if (!(error instanceof InvalidInputError) || !items.config || !good) throw error;
    const prefix = `account ${items.accountId}`;
    let fallback: SyncItems;
    try {
      const grants = parseGrants(items.grants, prefix, (i) => `grant ${grantName(items.grants[i])}`);
      const config = parseAccountConfig(good, `${prefix} (last good config)`);
      if (config.id !== items.accountId) throw error;
      fallback = { config, grants, invalidConfig: error.problems };
    } catch {
      throw error;
    }
    return fallback;
  }
}

function grantName(raw: unknown): string {
  const id = (raw as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '(no id)';
}
