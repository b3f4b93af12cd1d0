import { parseKey } from './alert-keys.ts';
import { DIGEST_PREFIX } from './digest.ts';
import { addUtcMonths, DAY_MS } from './time.ts';

const HOUR_MS = 3_600_000;
const startOfMonth = (yyyyMm: string) => Date.parse(`${yyyyMm}-01T00:00:00Z`);
const startOfDay = (yyyyMmDd: string) => Date.parse(`${yyyyMmDd}T00:00:00Z`);

/**
 * The instant from which a fired key's condition can never hold again, read off the alert rules
 * (alerts.ts, digest.ts), so deleting the key then cannot make it fire twice:
 *
 * - `budget:M:p`: M is D's month, or the month before while D is one of the first 3 days of its
 *   month: never at or after the 4th of the month after M.
 * - `forecast:M`, `recharge-limit:M`: only for D's month: never from the 1st of the month after M.
 * - `spike:DAY`: the hour that fires it is the last complete hour or the current one, and the key
 *   names its UTC day (or the run's): never from DAY + 2 days (one day of margin).
 * - `expiry:<grant>:d`: only for an unexpired grant: never at or after its `expiresAt`
 *   (`grantExpiresAt`; a grant no longer stored gives undefined: kept, in case it comes back).
 * - `digest:<Monday>`: only the week in which the run falls, which opens Monday 09:00: never from
 *   the next Monday 09:00.
 *
 * - `project-budget:<id>:M:p` and `project-forecast:<id>:M`: as budget and forecast (the same rules
 *   on the project's part of the spend).
 *
 * - `guard:<id>:DAY`: the spike rule's hour, as for spike: never from DAY + 2 days.
 * - `guard-reminder:<id>:DAY`: only for the run's own day: never from DAY + 1 day.
 *
 * - the hard-limit notices (`hard-limit…:<at>…`): events the upkeep raises once per change, from
 *   their `at`.
 *
 * Undefined for the kinds that re-arm (low-balance, runway, exhausted: their re-arm deletes them)
 * and for operator notices and unknown keys. Property-tested against alertConditions in
 * test/unit/alert-retirement.test.ts.
 */
export function retiresAt(
  key: string,
  grantExpiresAt: (grantId: string) => number | undefined,
): number | undefined {
  if (key.startsWith(DIGEST_PREFIX))
    return valid(startOfDay(key.slice(DIGEST_PREFIX.length)) + 7 * DAY_MS + 9 * HOUR_MS);
  const k = parseKey(key);
  if (!k) return undefined;
  switch (k.kind) {
    case 'budget':
    case 'project-budget':
      return valid(addUtcMonths(startOfMonth(k.month), 1) + 3 * DAY_MS);
    case 'forecast':
    case 'project-forecast':
    case 'recharge-limit':
      return valid(addUtcMonths(startOfMonth(k.month), 1));
    case 'spike':
    case 'guard':
      return valid(startOfDay(k.day) + 2 * DAY_MS);
    case 'guard-reminder':
      return valid(startOfDay(k.day) + DAY_MS);
    case 'expiry':
      return grantExpiresAt(k.grantId);
    case 'hard-limit':
    case 'project-hard-limit':
    case 'hard-limit-unmanaged':
    case 'project-hard-limit-unmanaged':
      // Events, not conditions: no rule fires them again (a later change has a later `at`).
      return k.at * 1000;
    case 'low-balance':
    case 'runway':
    case 'exhausted':
      return undefined;
    default: {
      // Fails to compile when a kind is added without a retirement rule here.
      const unhandled: never = k;
      return unhandled;
    }
  }
}

const valid = (ms: number) => (Number.isFinite(ms) ? ms : undefined);

/** How long a retired key stays readable (in the console, for `status`) before DynamoDB may delete it. */
export const KEEP_RETIRED_MS = 30 * DAY_MS;

/**
 * TTLs (epoch seconds: `retiresAt` + KEEP_RETIRED_MS) for the keys that were delivered (`sent`),
 * have no TTL yet and can no longer fire at `at`. A key still pending or claimed never gets one: an
 * alert is never deleted before it is delivered.
 */
export function retiredKeyTtls(
  alerts: ReadonlyArray<{ key: string; status: string; ttl?: number | undefined }>,
  grants: ReadonlyArray<{ id: string; expiresAt: number }>,
  at: number,
): Array<{ key: string; ttl: number }> {
  const expiry = new Map(grants.map((g) => [g.id, g.expiresAt]));
  return alerts.flatMap((a) => {
    if (a.status !== 'sent' || a.ttl !== undefined) return [];
    const retired = retiresAt(a.key, (id) => expiry.get(id));
    return retired !== undefined && retired <= at
      ? [{ key: a.key, ttl: Math.ceil((retired + KEEP_RETIRED_MS) / 1000) }]
      : [];
  });
}
