/**
 * The grammar of alert keys, in one place (LEDGER.md, "Alerts"; project keys under "Projects").
 * Every key an alert rule fires is built by `formatKey` and read back by `parseKey`; nothing else
 * splits or concatenates key text. Numbers are written plainly (`50`, `12.5`); month `YYYY-MM`,
 * day `YYYY-MM-DD`. Project ids and grant ids cannot contain `:` (their schemas refuse it), but
 * `parseKey` still reads a grant id with colons (the days are always the last part).
 *
 * Adding a kind: add it to `AlertKey`, then the compiler names every place that must handle it
 * (`formatKey`, `parseKey`, the email text, the chat message kinds, the severity order).
 */
export type AlertKey =
  | { kind: 'budget'; month: string; threshold: number }
  | { kind: 'forecast'; month: string }
  | { kind: 'low-balance'; threshold: number }
  | { kind: 'runway'; threshold: number }
  | { kind: 'expiry'; grantId: string; threshold: number }
  | { kind: 'exhausted' }
  | { kind: 'recharge-limit'; month: string }
  | { kind: 'spike'; day: string }
  | { kind: 'project-budget'; projectId: string; month: string; threshold: number }
  | { kind: 'project-forecast'; projectId: string; month: string }
  | ({ kind: 'hard-limit' } & LimitChange)
  | ({ kind: 'project-hard-limit'; projectId: string } & LimitChange)
  | ({ kind: 'hard-limit-unmanaged' } & LimitLeft)
  | ({ kind: 'project-hard-limit-unmanaged'; projectId: string } & LimitLeft)
  /** The guard's incident (LEDGER.md "Guard"): one per project and UTC day of the spiking hour. */
  | { kind: 'guard'; projectId: string; day: string }
  /** A freeze still in force on a later UTC day: one reminder per project and day. */
  | { kind: 'guard-reminder'; projectId: string; day: string };

/**
 * burnrate set the provider's hard limit (LEDGER.md "Hard limits"): when (`at`, epoch seconds: one
 * key per change), to what and from what (cents; null: there was none). The values ride in the key
 * so the email says "set to $250.00 (the provider had $300.00)" from the key alone.
 */
export interface LimitChange {
  at: number;
  cents: number;
  previousCents: number | null;
}

/** `hardLimitUsd` was removed: burnrate left the provider's limit (`providerCents`, null: none) alone. */
export interface LimitLeft {
  at: number;
  providerCents: number | null;
}

export type AlertKind = AlertKey['kind'];

/** Every kind, in the order the ledger's alert table lists them (project kinds last). */
export const ALERT_KINDS = [
  'budget',
  'forecast',
  'low-balance',
  'runway',
  'expiry',
  'exhausted',
  'recharge-limit',
  'spike',
  'project-budget',
  'project-forecast',
  'hard-limit',
  'project-hard-limit',
  'hard-limit-unmanaged',
  'project-hard-limit-unmanaged',
  'guard',
  'guard-reminder',
] as const satisfies readonly AlertKind[];
// Fails to compile when AlertKey gains a kind this list does not name.
const _allKinds: Exclude<AlertKind, (typeof ALERT_KINDS)[number]> extends never ? true : never = true;
void _allKinds;

/** A key that fired (or is stored), with its parts: what the email and chat texts are built from. */
export type AlertCandidate = AlertKey & { key: string };

/** The kinds that belong to one project (delivered to that project's recipients too). */
export type ProjectAlertKey = Extract<AlertKey, { projectId: string }>;

export function isProjectKey(k: AlertKey): k is ProjectAlertKey {
  return 'projectId' in k;
}

const num = (n: number) => String(n);

export function formatKey(k: AlertKey): string {
  switch (k.kind) {
    case 'budget':
      return `budget:${k.month}:${num(k.threshold)}`;
    case 'forecast':
      return `forecast:${k.month}`;
    case 'low-balance':
      return `low-balance:${num(k.threshold)}`;
    case 'runway':
      return `runway:${num(k.threshold)}`;
    case 'expiry':
      return `expiry:${k.grantId}:${num(k.threshold)}`;
    case 'exhausted':
      return 'exhausted';
    case 'recharge-limit':
      return `recharge-limit:${k.month}`;
    case 'spike':
      return `spike:${k.day}`;
    case 'project-budget':
      return `project-budget:${k.projectId}:${k.month}:${num(k.threshold)}`;
    case 'project-forecast':
      return `project-forecast:${k.projectId}:${k.month}`;
    case 'hard-limit':
      return `hard-limit:${k.at}:${k.cents}:${cents(k.previousCents)}`;
    case 'project-hard-limit':
      return `project-hard-limit:${k.projectId}:${k.at}:${k.cents}:${cents(k.previousCents)}`;
    case 'hard-limit-unmanaged':
      return `hard-limit-unmanaged:${k.at}:${cents(k.providerCents)}`;
    case 'project-hard-limit-unmanaged':
      return `project-hard-limit-unmanaged:${k.projectId}:${k.at}:${cents(k.providerCents)}`;
    case 'guard':
      return `guard:${k.projectId}:${k.day}`;
    case 'guard-reminder':
      return `guard-reminder:${k.projectId}:${k.day}`;
  }
}

const cents = (c: number | null) => (c === null ? 'none' : String(c));

/** The candidate for a key: its parts and its text. */
export function candidate(k: AlertKey): AlertCandidate {
  return { ...k, key: formatKey(k) };
}

const MONTH = /^\d{4}-\d{2}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[^:\s]+$/;
const WHOLE = /^(0|[1-9]\d{0,15})$/;

/** A whole number (seconds, cents) as formatKey writes it, or undefined. */
function whole(text: string | undefined): number | undefined {
  return text !== undefined && WHOLE.test(text) ? Number(text) : undefined;
}

/** Cents or `none` (null); undefined when it is neither. */
function centsOrNone(text: string | undefined): number | null | undefined {
  return text === 'none' ? null : whole(text);
}

function limitChange(at?: string, to?: string, from?: string): LimitChange | undefined {
  const [a, c, p] = [whole(at), whole(to), centsOrNone(from)];
  return a !== undefined && c !== undefined && c >= 1 && p !== undefined
    ? { at: a, cents: c, previousCents: p }
    : undefined;
}

function limitLeft(at?: string, have?: string): LimitLeft | undefined {
  const [a, p] = [whole(at), centsOrNone(have)];
  return a !== undefined && p !== undefined ? { at: a, providerCents: p } : undefined;
}

function threshold(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text.trim() !== text) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 && num(n) === text ? n : undefined;
}

/**
 * Reads a stored key back into its parts; undefined for text that is not an alert key of this
 * version (a digest or operator key, or a key of a later burnrate): callers must say so, not skip it.
 */
export function parseKey(key: string): AlertCandidate | undefined {
  const parts = key.split(':');
  const [kind, a, b, c] = parts;
  const parsed = ((): AlertKey | undefined => {
    switch (kind) {
      case 'budget': {
        const t = threshold(b);
        return parts.length === 3 && MONTH.test(a ?? '') && t
          ? { kind, month: a as string, threshold: t }
          : undefined;
      }
      case 'forecast':
      case 'recharge-limit':
        return parts.length === 2 && MONTH.test(a ?? '') ? { kind, month: a as string } : undefined;
      case 'low-balance':
      case 'runway': {
        const t = threshold(a);
        return parts.length === 2 && t ? { kind, threshold: t } : undefined;
      }
      case 'expiry': {
        const t = threshold(parts.at(-1));
        const grantId = parts.slice(1, -1).join(':');
        return parts.length >= 3 && grantId !== '' && t ? { kind, grantId, threshold: t } : undefined;
      }
      case 'exhausted':
        return parts.length === 1 ? { kind } : undefined;
      case 'spike':
        return parts.length === 2 && DAY.test(a ?? '') ? { kind, day: a as string } : undefined;
      case 'project-budget': {
        const t = threshold(c);
        return parts.length === 4 && ID.test(a ?? '') && MONTH.test(b ?? '') && t
          ? { kind, projectId: a as string, month: b as string, threshold: t }
          : undefined;
      }
      case 'project-forecast':
        return parts.length === 3 && ID.test(a ?? '') && MONTH.test(b ?? '')
          ? { kind, projectId: a as string, month: b as string }
          : undefined;
      case 'hard-limit': {
        const change = parts.length === 4 ? limitChange(a, b, c) : undefined;
        return change && { kind, ...change };
      }
      case 'project-hard-limit': {
        const change = parts.length === 5 && ID.test(a ?? '') ? limitChange(b, c, parts[4]) : undefined;
        return change && { kind, projectId: a as string, ...change };
      }
      case 'hard-limit-unmanaged': {
        const left = parts.length === 3 ? limitLeft(a, b) : undefined;
        return left && { kind, ...left };
      }
      case 'project-hard-limit-unmanaged': {
        const left = parts.length === 4 && ID.test(a ?? '') ? limitLeft(b, c) : undefined;
        return left && { kind, projectId: a as string, ...left };
      }
      case 'guard':
      case 'guard-reminder':
        return parts.length === 3 && ID.test(a ?? '') && DAY.test(b ?? '')
          ? { kind, projectId: a as string, day: b as string }
          : undefined;
      default:
        return undefined;
    }
  })();
  // Only canonical text: what formatKey would write for these parts (so a key maps to one alert).
  return parsed && formatKey(parsed) === key ? { ...parsed, key } : undefined;
}

/** The kind of a stored alert key, or undefined for anything else. */
export function alertKindOf(key: string): AlertKind | undefined {
  return parseKey(key)?.kind;
}
