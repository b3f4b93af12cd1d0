import { DAY_MS, dayKey, startOfUtcDay } from './time.ts';

/** Keys of weekly digests share the ALERT# items (and their exactly-once delivery): `digest:<Monday>`. */
export const DIGEST_PREFIX = 'digest:';

/** Monday 09:00 UTC: the digest goes out at the first run on or after it. */
const SEND_HOUR_MS = 9 * 3_600_000;

export type DigestSetting = 'weekly' | 'off';

/** The latest Monday 09:00 UTC at or before `at`. */
export function digestWeekStart(at: number): number {
  const day = startOfUtcDay(at);
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const monday = day - sinceMonday * DAY_MS + SEND_HOUR_MS;
  return monday <= at ? monday : monday - 7 * DAY_MS;
}

/** `digest:2026-11-23`: the Monday of the week the digest opens. */
export const digestKey = (weekStart: number): string => `${DIGEST_PREFIX}${dayKey(weekStart)}`;

export const isDigestKey = (key: string): boolean => key.startsWith(DIGEST_PREFIX);

/**
 * The digest key that becomes due at this run, if any: the digest is on, this run is the first on or
 * after Monday 09:00 (the previous successful run was before it), and the key is not stored yet (a
 * re-run never fires it twice; a retry of an unsent one goes through delivery, not here). An account
 * never run before counts from the start of today, so it gets no back-dated digest for a week that
 * began before burnrate watched it, but does get one when its first run is on a Monday after 09:00.
 * A key an interrupted run wrote but never confirmed (`unconfirmed`) is still due: that run's commit
 * already moved the previous run's time past Monday 09:00.
 */
export function digestDue(input: {
  at: number;
  setting: DigestSetting;
  previousRunAt: number | undefined;
  storedKeys: ReadonlySet<string>;
  unconfirmed?: ReadonlySet<string>;
}): string | undefined {
  if (input.setting === 'off') return undefined;
  const week = digestWeekStart(input.at);
  const key = digestKey(week);
  if (input.storedKeys.has(key)) return undefined;
  if (input.unconfirmed?.has(key)) return key;
  const previous = input.previousRunAt ?? startOfUtcDay(input.at);
  return previous >= week ? undefined : key;
}
