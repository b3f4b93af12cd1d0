/**
 * Key layout: every item of an account shares the partition `ACCOUNT#<id>`, so one Query loads
 * the account. Each entity owns its sort key here and nowhere else.
 *
 *   CONFIG              the config item an operator edits (plain attributes)
 *   GRANT#<grantId>     a grant (plain attributes, editable by hand too)
 *   COST#<YYYY-MM-DD>   one UTC day of cost, actual or estimate
 *   STATE               sync cursor, optimistic-lock version, last run's figures
 *   ALERT#<key>         an alert key that fired (disarmed); deleted when it re-arms
 *   RECONCILED          the last checkpoint's drift report summary (`burnrate checkpoint`)
 *   TOKEN#<nonce>       a guard link that was used (single use); `ttl` lets DynamoDB drop it
 *   PROJECTS            the provider's projects/workspaces, listed once a UTC day (the upkeep)
 *   LIMITS              the hard limits as last read and kept (the upkeep), with the settings digest
 *   AUDIT#<iso>#<scope> a provider setting burnrate changed (not loaded by the account's Query use)
 *   AUDIT#<iso>#project:<id>#<step>  a step of the guard (proposed, approved, applied, …, reminded)
 *   FREEZE#<projectId>  the guard's latest incident for a project and its freeze (prior state, lever)
 */
export const accountPk = (accountId: string) => `ACCOUNT#${accountId}`;
export const CONFIG_SK = 'CONFIG';
export const STATE_SK = 'STATE';
export const RECONCILED_SK = 'RECONCILED';
export const PROJECTS_SK = 'PROJECTS';
export const LIMITS_SK = 'LIMITS';
/** `scope` is `organization` or `project:<id>`; the instant first, so a partition's audits sort by time. */
export const auditSk = (at: string, scope: string) => `AUDIT#${at}#${scope}`;
export const AUDIT_PREFIX = 'AUDIT#';
/** A guard step's audit item: the step last, so two steps at one instant are two items. */
export const guardAuditSk = (at: string, scope: string, action: string) => `AUDIT#${at}#${scope}#${action}`;
export const FREEZE_PREFIX = 'FREEZE#';
export const freezeSk = (projectId: string) => `${FREEZE_PREFIX}${projectId}`;
export const GRANT_PREFIX = 'GRANT#';
export const grantSk = (grantId: string) => `${GRANT_PREFIX}${grantId}`;
export const costSk = (day: string) => `COST#${day}`;
export const alertSk = (key: string) => `ALERT#${key}`;
export const tokenSk = (nonce: string) => `TOKEN#${nonce}`;

export type ItemKind =
  | 'config'
  | 'grant'
  | 'cost'
  | 'state'
  | 'alert'
  | 'reconciled'
  | 'projects'
  | 'limits'
  | 'audit'
  | 'freeze';

export function kindOfSortKey(sk: string): ItemKind | undefined {
  if (sk === CONFIG_SK) return 'config';
  if (sk === STATE_SK) return 'state';
  if (sk === RECONCILED_SK) return 'reconciled';
  if (sk === PROJECTS_SK) return 'projects';
  if (sk === LIMITS_SK) return 'limits';
  if (sk.startsWith(AUDIT_PREFIX)) return 'audit';
  if (sk.startsWith(FREEZE_PREFIX)) return 'freeze';
  if (sk.startsWith(GRANT_PREFIX)) return 'grant';
  if (sk.startsWith('COST#')) return 'cost';
  if (sk.startsWith('ALERT#')) return 'alert';
  return undefined;
}

export function accountIdOfPk(pk: string): string | undefined {
  return pk.startsWith('ACCOUNT#') ? pk.slice('ACCOUNT#'.length) : undefined;
}
