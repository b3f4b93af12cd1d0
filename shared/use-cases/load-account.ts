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

function grantName(raw: unknown): string {
  const id = (raw as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '(no id)';
}
