import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GuardAction } from './actions.ts';

/**
 * Guard link tokens, formatted and read here only. A token is
 *
 *   base64url(payload) "." base64url(HMAC-SHA256(key, "burnrate-guard-link/1." + base64url(payload)))
 *
 * where payload is the JSON array [version, accountId, projectId, incident, action, expiresAt
 * (Unix seconds), nonce]: fixed order, no optional fields, so one claim set has one encoding. The
 * MAC covers the encoded text exactly as sent, so nothing is re-encoded before checking it.
 * A token carries no secret; it is a bearer credential for one action on one project, 24 hours,
 * used once (the nonce; see UsedTokens).
 */
export const TOKEN_VERSION = 1;
export const TOKEN_LIFETIME_MS = 24 * 3_600_000;
/** Below this a key is refused: 256 bits, as the hash. */
export const MIN_KEY_BYTES = 32;
const MAC_BYTES = 32;
const MAX_TOKEN_CHARS = 2048;
const DOMAIN = `burnrate-guard-link/${TOKEN_VERSION}.`;
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Each text claim: ids are at most 128 characters, incident keys a little more. */
const MAX_FIELD_CHARS = 256;
const isField = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD_CHARS;

export interface TokenClaims {
  accountId: string;
  projectId: string;
  incident: string;
  action: GuardAction;
  /** Whole seconds, so the token says exactly the instant it shows. */
  expiresAt: Date;
  nonce: string;
}

export type RefusalReason = 'malformed' | 'altered' | 'expired' | 'wrong-action' | 'used';

/** Why a link is refused: the HTTP status and one sentence for the page (never the token). */
export interface Refusal {
  reason: RefusalReason;
  status: 400 | 403 | 410;
  message: string;
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** The key's bytes; refuses a short one (the message never shows the key). */
export function signingKeyBytes(key: string | Uint8Array, where: string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < MIN_KEY_BYTES)
    throw new SigningKeyError(
      `${where}: the guard signing key must be at least ${MIN_KEY_BYTES} bytes (it has ${bytes.length})`,
    );
  return bytes;
}

export const newNonce = () => randomBytes(16).toString('base64url');

export function signToken(claims: TokenClaims, key: Buffer): string {
  const seconds = claims.expiresAt.getTime() / 1000;
  if (!Number.isInteger(seconds)) throw new RangeError('expiresAt must be a whole second');
  for (const field of ['accountId', 'projectId', 'incident', 'nonce'] as const)
    if (!isField(claims[field]))
      throw new RangeError(
        `${field}: expected 1-${MAX_FIELD_CHARS} characters, got ${String(claims[field]).length}`,
      );
  const payload = Buffer.from(
    JSON.stringify([
      TOKEN_VERSION,
      claims.accountId,
      claims.projectId,
      claims.incident,
      claims.action,
      seconds,
      claims.nonce,
    ]),
    'utf8',
  ).toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/** A fresh token for `action`, expiring TOKEN_LIFETIME_MS after `now` (rounded down to the second). */
export function issueToken(
  input: Omit<TokenClaims, 'expiresAt' | 'nonce'> & { now: Date; nonce?: string },
  key: Buffer,
): { token: string; claims: TokenClaims } {
  const expiresAt = new Date(Math.floor((input.now.getTime() + TOKEN_LIFETIME_MS) / 1000) * 1000);
  const claims: TokenClaims = {
    accountId: input.accountId,
    projectId: input.projectId,
    incident: input.incident,
    action: input.action,
    expiresAt,
    nonce: input.nonce ?? newNonce(),
  };
  return { token: signToken(claims, key), claims };
}

/**
 * Checks a token: its shape, then its MAC (in constant time), then expiry, then that it is for
 * `expectedAction` when one is given (the button that was pressed). Only a token whose MAC
 * matches has its contents read, so a refusal's sentence never repeats forged text.
 */
export function verifyToken(
  token: string,
  key: Buffer,
  now: Date,
  expectedAction?: GuardAction,
): { ok: true; claims: TokenClaims } | { ok: false; refusal: Refusal } {
  const parts = token.length <= MAX_TOKEN_CHARS ? token.split('.') : [];
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature || !B64URL.test(payload) || !B64URL.test(signature))
    return refuse('malformed');
  const given = Buffer.from(signature, 'base64url');
  // timingSafeEqual needs equal lengths; a wrong length is a damaged link, not a forgery.
  if (given.length !== MAC_BYTES) return refuse('malformed');
  // base64url decoding ignores a last character's spare bits: accept only the one canonical text.
  if (!timingSafeEqual(mac(payload, key), given) || given.toString('base64url') !== signature)
    return refuse('altered');
  const claims = readPayload(payload);
  if (!claims) return refuse('malformed');
  if (now.getTime() >= claims.expiresAt.getTime())
    return refuse('expired', `This link expired at ${formatInstant(claims.expiresAt)}. Nothing was done.`);
  if (expectedAction && claims.action !== expectedAction)
    return refuse(
      'wrong-action',
      claims.action === 'release'
        ? 'This link is for undoing a freeze, not for freezing. Nothing was done.'
        : 'This link is for freezing, not for undoing a freeze. Nothing was done.',
    );
  return { ok: true, claims };
}

const STATUS: Record<RefusalReason, Refusal['status']> = {
  malformed: 400,
  altered: 403,
  expired: 410,
  'wrong-action': 400,
  used: 410,
};

const DEFAULT_MESSAGE: Record<RefusalReason, string> = {
  malformed:
    'This link is incomplete or damaged. Open it again from the email, or copy the whole address. Nothing was done.',
  altered: 'This link was altered: its signature does not match. Nothing was done.',
  expired: 'This link has expired. Nothing was done.',
  'wrong-action': 'This link is for another action. Nothing was done.',
  used: 'This link was already used. Each link works once.',
};

export function refusal(reason: RefusalReason, message = DEFAULT_MESSAGE[reason]): Refusal {
  return { reason, status: STATUS[reason], message };
}

/** The refusal for a link whose nonce was used before. */
export function usedRefusal(usedAt: string): Refusal {
  return refusal(
    'used',
    `This link was already used at ${formatInstant(new Date(usedAt))}. Each link works once; nothing more was done.`,
  );
}

const refuse = (reason: RefusalReason, message?: string) =>
  ({ ok: false, refusal: refusal(reason, message) }) as const;

function mac(payload: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest();
}

function readPayload(payload: string): TokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 7) return undefined;
  const [version, accountId, projectId, incident, action, seconds, nonce] = value as unknown[];
  if (
    version !== TOKEN_VERSION ||
    !isField(accountId) ||
    !isField(projectId) ||
    !isField(incident) ||
    (action !== 'freeze' && action !== 'release') ||
    typeof seconds !== 'number' ||
    !Number.isSafeInteger(seconds) ||
    !isField(nonce)
  )
    return undefined;
  return { accountId, projectId, incident, action, expiresAt: new Date(seconds * 1000), nonce };
}

/** "2026-11-25 03:10 UTC": what the page and the refusals show. */
export function formatInstant(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
