/**
 * Operator notices: what only the operator can fix, emailed to BURNRATE_OPERATOR_EMAIL once per
 * problem. Each is an alert key `operator:<kind>` (an ALERT# item like any key): raised when the
 * problem is seen, and re-armed (deleted) only by the event that shows the problem is gone, so a
 * problem that persists is emailed once, however many runs meet it.
 */
export const OPERATOR_PREFIX = 'operator:';

export type OperatorAlertKind =
  | 'invalid-config'
  | 'auth-failed'
  | 'stale-data'
  | 'delivery-failed'
  | 'unreadable-alert-keys'
  | 'guard-failed';

/**
 * What re-arms each notice:
 * - `sync`: a successful sync of the account. The provider accepted the admin key (auth-failed),
 *   and the data is fresh (stale-data). Neither is raised by a run whose sync succeeded, so
 *   re-arming there can never loop.
 * - `valid-items`: a successful sync, or the check of an edit (config-edit.ts) that found the
 *   config item and grants valid (invalid-config): both validated them, and neither raises it then.
 * - `delivery`: an email of the account (to any of its recipient groups) accepted by SES in a run
 *   where no group's delivery failed. NOT a successful sync: the sync succeeds while SES refuses
 *   the recipients (the SES sandbox), so re-arming on the sync would email the operator at every
 *   run, 96 times a day; nor one group's success while another's fails, for the same reason.
 * - `keys-readable`: a run whose delivery finds no stored alert key it cannot read (someone deleted
 *   the item, or a burnrate that reads it runs again). Not a successful sync: the key is still
 *   stored after one, and the operator would hear of it at every run.
 * - `guard-settled`: a run whose guard step leaves no failed freeze still being retried (each one
 *   applied since, released, or past its 24 hours of retries) and failed nothing itself. Not a
 *   successful sync: the sync succeeds while the provider refuses the write, and the operator
 *   would hear of it at every run for a day.
 */
export type OperatorRearm = 'sync' | 'valid-items' | 'delivery' | 'keys-readable' | 'guard-settled';

export const OPERATOR_REARM: Readonly<Record<OperatorAlertKind, OperatorRearm>> = {
  'invalid-config': 'valid-items',
  'auth-failed': 'sync',
  'stale-data': 'sync',
  'delivery-failed': 'delivery',
  'unreadable-alert-keys': 'keys-readable',
  'guard-failed': 'guard-settled',
};

export const operatorKey = (kind: OperatorAlertKind): string => `${OPERATOR_PREFIX}${kind}`;

export const isOperatorKey = (key: string): boolean => key.startsWith(OPERATOR_PREFIX);

const rearmOf = (key: string): OperatorRearm | undefined =>
  OPERATOR_REARM[key.slice(OPERATOR_PREFIX.length) as OperatorAlertKind];

/** The stored operator keys a successful sync re-arms (unknown `operator:` keys too: nothing else would). */
export function rearmedBySync(keys: readonly string[]): string[] {
  return keys.filter((key) => ['sync', 'valid-items'].includes(rearmOf(key) ?? 'sync'));
}

/** The stored operator keys that an edit check finding the account's items valid re-arms. */
export function rearmedByValidItems(keys: readonly string[]): string[] {
  return keys.filter((key) => rearmOf(key) === 'valid-items');
}

/** The stored operator keys that a run delivering email without a failure re-arms. */
export function rearmedByDelivery(keys: readonly string[]): string[] {
  return keys.filter((key) => rearmOf(key) === 'delivery');
}

/** The stored operator keys that a run whose guard has no failed freeze left to retry re-arms. */
export function rearmedWhenGuardSettled(keys: readonly string[]): string[] {
  return keys.filter((key) => rearmOf(key) === 'guard-settled');
}

/** The stored operator keys that a run finding every stored alert key readable re-arms. */
export function rearmedWhenKeysReadable(keys: readonly string[]): string[] {
  return keys.filter((key) => rearmOf(key) === 'keys-readable');
}
