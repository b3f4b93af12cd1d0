import type { GuardAction } from './actions.ts';
import { issueToken } from './token.ts';

/** What a link is for: one project's incident in one account. */
export interface LinkTarget {
  accountId: string;
  projectId: string;
  /** The guard alert key `guard:<projectId>:<YYYY-MM-DD>`. */
  incident: string;
}

export interface GuardLinks {
  /** "Freeze <project> now": opens the approval page (opening it changes nothing). */
  freeze: string;
  /** "Undo": opens the page that releases the freeze. */
  undo: string;
  /** When both stop working (24 h after `now`, to the second). */
  expiresAt: Date;
}

/**
 * The links an email or chat message carries: each its own token (own nonce), so using the freeze
 * link does not use up the Undo. `baseUrl` is BURNRATE_GUARD_URL: the guard function's URL in AWS,
 * `http://127.0.0.1:<port>` under `npm start`.
 */
export function guardLinks(
  input: LinkTarget & { baseUrl: string; now: Date; nonce?: () => string },
  key: Buffer,
): GuardLinks {
  const freeze = guardLink('freeze', input, key);
  const undo = guardLink('release', input, key);
  return { freeze: freeze.url, undo: undo.url, expiresAt: freeze.expiresAt };
}

/** One link for one action. */
export function guardLink(
  action: GuardAction,
  input: LinkTarget & { baseUrl: string; now: Date; nonce?: () => string },
  key: Buffer,
): { url: string; expiresAt: Date } {
  const { token, claims } = issueToken(
    {
      accountId: input.accountId,
      projectId: input.projectId,
      incident: input.incident,
      action,
      now: input.now,
      ...(input.nonce && { nonce: input.nonce() }),
    },
    key,
  );
  return { url: linkUrl(input.baseUrl, token), expiresAt: claims.expiresAt };
}

/** `<base>/?t=<token>`; the token is base64url and a dot, so it needs no escaping. */
export function linkUrl(baseUrl: string, token: string): string {
  const url = new URL(baseUrl);
  url.pathname = '/';
  url.search = `?t=${token}`;
  url.hash = '';
  return url.toString();
}
