/**
 * The guard's web seam (issue 18): what the approval page asks of the guard use case, and where it
 * records that a link was used. AWS-free: the page, the Lambda entry and `npm start` code against
 * these ports; the freeze/release use case and the DynamoDB adapter implement them.
 */

export type GuardAction = 'freeze' | 'release';

/**
 * What the page shows before anything is done (opening a link changes nothing).
 *
 * `state`, as the page reads it:
 * - `proposed`: nothing done yet for this incident; a freeze link shows its button.
 * - `frozen`: the project is frozen (this incident or an earlier one); an Undo link shows its button.
 * - `already-limited`: its limit was already at or below the freeze threshold, nothing was written.
 * - `released`: a freeze of this incident was undone.
 * - `failed`: the last attempt failed at the provider (reported to the operator, retried next run);
 *   a freeze link shows its button again.
 */
export interface GuardProposal {
  accountId: string;
  accountName: string;
  provider: 'openai' | 'anthropic';
  projectId: string;
  projectName: string;
  /** The alert key `guard:<projectId>:<YYYY-MM-DD>` (UTC day of the spiking hour). */
  incident: string;
  /** ISO instant: the start of the spiking hour. */
  hourStart: string;
  /** Spend in that hour (an estimate: usage × price). */
  hourSpendUsd: number;
  /** The project's month to date, including today's estimate. */
  monthToDateUsd: number;
  /** One sentence, e.g. "set the project's hard monthly limit to $57.20 (it has none now)". */
  plan: string;
  /** What each hour of waiting costs at the spiking pace. */
  waitingCostUsdPerHour: number;
  state: 'proposed' | 'frozen' | 'already-limited' | 'released' | 'failed';
  frozen?: { since: string; thresholdUsd?: number; keys?: string[] };
}

/** The result of a button press: the state after it and one sentence for the page. */
export interface GuardOutcome {
  state: GuardProposal['state'];
  message: string;
}

/** The guard use case, as the page calls it. `by` says who approved (for the audit trail). */
export interface GuardActions {
  /** undefined: burnrate knows no such account, project or incident. */
  proposal(accountId: string, projectId: string, incident: string): Promise<GuardProposal | undefined>;
  /** Idempotent per incident: a second call reports the state, it never writes twice. */
  freeze(accountId: string, projectId: string, incident: string, by: string): Promise<GuardOutcome>;
  /** Restores the exact prior state; idempotent. */
  release(accountId: string, projectId: string, by: string): Promise<GuardOutcome>;
}

/** Single use: which link nonces were used, and when (DynamoDB `TOKEN#<nonce>` items in AWS). */
export interface UsedTokens {
  /** When the link with this nonce was used (ISO), or undefined. A read: never writes. */
  usedAt(accountId: string, nonce: string): Promise<string | undefined>;
  /**
   * Marks the nonce used unless it already is (a conditional write): `consumed: false` with the
   * first use's time when it was. `expiresAt` lets the store forget the item after the link expired.
   */
  consume(use: TokenUse): Promise<{ consumed: true } | { consumed: false; usedAt: string }>;
  /** Undoes a consume whose action threw before it finished, so the link can be pressed again. */
  unconsume(accountId: string, nonce: string, usedAt: string): Promise<void>;
}

export interface TokenUse {
  accountId: string;
  nonce: string;
  action: GuardAction;
  projectId: string;
  incident: string;
  /** ISO instant of this use. */
  usedAt: string;
  /** When the link expires (the item may be deleted any time after). */
  expiresAt: Date;
}

/**
 * The guard cannot act right now (not wired in this deployment, provider unreachable): the page
 * answers 503 with this message, and a link whose action threw stays usable.
 */
export class GuardUnavailableError extends Error {
  override readonly name = 'GuardUnavailableError';
}
