import type { AccountItems } from '../ports.ts';
import { type AccountConfigInput, parseAccountConfig } from '../schemas/account-config.ts';
import { type GrantInput, grantInputSchema, parseGrants } from '../schemas/grant.ts';
import { formatIssues, InvalidInputError } from '../schemas/invalid-input.ts';
import { validateAccountItems } from './load-account.ts';
import { scopeWord, unknownProjectIds, unknownProjectText } from './project-names.ts';

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
 * `500`) or else plain text; `field=` removes an optional field. A dotted field reaches inside an
 * object (`projects.proj_abc.monthlyBudgetUsd=300`, `guard.mode=auto`), creating the objects on the
 * way; `projects.proj_abc=` removes that project's entry.
 */
export async function setAccountFields(store: AdminPort, accountId: string, assignments: string[]) {
  const current = await store.getConfig(accountId);
  if (!current) throw new InvalidInputError([`account ${accountId}: no such account`]);
  const next = structuredClone(current) as Record<string, unknown>;
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new InvalidInputError([`${assignment}: expected field=value`]);
    const path = assignment.slice(0, eq).split('.');
    const text = assignment.slice(eq + 1);
    if (path[0] === 'id') throw new InvalidInputError([`account ${accountId}: id: cannot be changed`]);
    if (path.some((part) => part === ''))
      throw new InvalidInputError([`${assignment}: expected field=value or a.b.c=value (no empty part)`]);
    assign(next, path, text === '' ? undefined : parseValue(text), accountId);
  }
  parseAccountConfig(next, `account ${accountId}`);
  await store.putConfig(next as AccountConfigInput, current);
  return next;
}

/** Sets (or, for `undefined`, removes) the value at `path`, creating objects on the way to it. */
function assign(target: Record<string, unknown>, path: string[], value: unknown, accountId: string) {
  let node = target;
  for (const [i, part] of path.slice(0, -1).entries()) {
    const child = node[part];
    if (child === undefined) {
      if (value === undefined) return; // removing below something absent: nothing to do
      node[part] = {};
    } else if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      const field = path.slice(0, i + 1).join('.');
      throw new InvalidInputError([
        `account ${accountId}: ${field}: is ${JSON.stringify(child)}, not an object, so ${path.join('.')} cannot be set (set ${field} as a whole)`,
      ]);
    }
    node = node[part] as Record<string, unknown>;
  }
  const leaf = path.at(-1) as string;
  if (value === undefined) delete node[leaf];
  else node[leaf] = value;
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

/**
 * `account check`: validates every stored account, including hand edits; one entry per account.
 * With a PROJECTS listing stored (the upkeep's), a configured project id the provider does not list
 * is a problem too, naming the nearest listed id.
 */
export async function checkAccounts(
  store: AdminPort,
): Promise<Array<{ accountId: string; problems: string[] }>> {
  const accounts = await store.listAccounts();
  const results: Array<{ accountId: string; problems: string[] }> = [];
  for (const { id } of accounts) {
    try {
      const items = await store.loadAccount(id);
      const { config } = validateAccountItems(items);
      const unknown = unknownProjectIds(Object.keys(config.projects ?? {}), items.projects) ?? [];
      results.push({
        accountId: id,
        problems: unknown.map((u) => `account ${id}: ${unknownProjectText(u, scopeWord(config.provider))}`),
      });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      results.push({ accountId: id, problems: error.problems });
    }
  }
  return results;
}
