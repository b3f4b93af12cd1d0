/** UTC calendar arithmetic on epoch milliseconds. Pure: the clock is always a parameter. */
export const DAY_MS = 86_400_000;

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function startOfUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** First instant of the month `delta` months away from the month containing `ms`. */
export function addUtcMonths(ms: number, delta: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1);
}

/** `YYYY-MM` of the month containing `ms`. */
export function monthKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The same wall-clock instant one calendar year later; Feb 29 maps to Feb 28
 * (prepaid credits stay valid for one year after purchase).
 */
export function addOneYear(ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear() + 1;
  const month = d.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(
    year,
    month,
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses an ISO 8601 instant (`2026-07-01T00:00:00Z`, with an offset, or a bare date meaning 00:00 UTC).
 * Returns undefined when the text is not one, or names an impossible date such as Feb 30.
 */
export function parseInstant(text: string): number | undefined {
  if (!ISO_INSTANT.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March: reject by round-tripping the calendar date.
  const datePart = text.slice(0, 10);
  const offset = text.length === 10 ? 'Z' : (/(Z|[+-]\d{2}:\d{2})$/.exec(text)?.[1] ?? 'Z');
  const local = offset === 'Z' ? ms : ms + offsetMs(offset);
  return dayKey(local) === datePart ? ms : undefined;
}

function offsetMs(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h = '0', m = '0'] = offset.slice(1).split(':');
  return sign * (Number(h) * 60 + Number(m)) * 60_000;
}
