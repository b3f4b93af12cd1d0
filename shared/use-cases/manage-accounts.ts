import type { AccountItems } from '../ports.ts';
import { type AccountConfigInput, parseAccountConfig } from '../schemas/account-config.ts';
import { type GrantInput, grantInputSchema, parseGrants } from '../schemas/grant.ts';
import { formatIssues, InvalidInputError } from '../schemas/invalid-input.ts';
import { validateAccountItems } from './load-account.ts';

/** What the operator CLI needs from the table. */
export interface AdminPort {
  getConfig(accountId: string): Promise<Record<string, unknown> | undefined>;
  putConfig(config: AccountConfigInput, expected?: Record<string, unknown>): Promise<void>;
  putGrant(accountId: string, grant: GrantInput): Promise<void>;
  loadAccount(accountId: string): Promise<AccountItems>;
  listAccounts(): Promise<Array<{ id: string; enabled: boolean }>>;
}

/** Validates a whole config item and writes it as typed (defaults are not written, so they stay defaults). */
export async function putAccount(store: AdminPort, raw: unknown): Promise<AccountConfigInput> {
  parseAccountConfig(raw);
  await store.putConfig(raw as AccountConfigInput);
  return raw as AccountConfigInput;
}

/**
 * `account set ID field=value …`: applies the edits to the stored item, validates the result, and
 * writes it only if nobody changed the item since it was read. Values are JSON (`[100,25]`, `true`,
 * `500`) or else plain text; `field=` removes an optional field.
 */
export async function setAccountFields(store: AdminPort, accountId: string, assignments: string[]) {
  const current = await store.getConfig(accountId);
  if (!current) throw new InvalidInputError([`account ${accountId}: no such account`]);
  const next: Record<string, unknown> = { ...current };
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new InvalidInputError([`${assignment}: expected field=value`]);
    const field = assignment.slice(0, eq);
    const text = assignment.slice(eq + 1);
    if (field === 'id') throw new InvalidInputError([`account ${accountId}: id: cannot be changed`]);
    if (text === '') delete next[field];
    else next[field] = parseValue(text);
  }
  parseAccountConfig(next, `account ${accountId}`);
  await store.putConfig(next as AccountConfigInput, current);
  return next;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Adds a grant after checking it against the account's other grants (ids, checkpoint rules). */
export async function addGrant(store: AdminPort, accountId: string, raw: unknown): Promise<GrantInput> {
  const items = await store.loadAccount(accountId);
  if (!items.config) throw new InvalidInputError([`account ${accountId}: no such account`]);
  const parsed = grantInputSchema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidInputError(formatIssues(`account ${accountId}`, parsed.error, raw, ['grant']));
  parseGrants([...items.grants, parsed.data], `account ${accountId}`, (i) =>
    i === items.grants.length ? `new grant ${parsed.data.id}` : `grant ${String(items.grants[i]?.id)}`,
  );
  await store.putGrant(accountId, parsed.data);
  return parsed.data;
}

/** `account check`: validates every stored account, including hand edits; one entry per account. */
export async function checkAccounts(
  store: AdminPort,
): Promise<Array<{ accountId: string; problems: string[] }>> {
  const accounts = await store.listAccounts();
  const results: Array<{ accountId: string; problems: string[] }> = [];
  for (const { id } of accounts) {
    try {
      validateAccountItems(await store.loadAccount(id));
      results.push({ accountId: id, problems: [] });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      results.push({ accountId: id, problems: error.problems });
    }
  }
  return results;
}
