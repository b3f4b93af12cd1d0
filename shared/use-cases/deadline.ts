/**
 * One account's time budget inside a Lambda invocation (infra/stateless-stack.ts sizes the function
 * with these numbers; the README's "How a run works" walks through the arithmetic).
 *
 *   deadline            = invocation end − the handler's margin (set by the sync Lambda)
 *   provider requests   end by deadline − SEND_RESERVE_MS − COMMIT_RESERVE_MS
 *   an email is started only with at least SEND_RESERVE_MS left before the deadline
 *
 * So a slow provider fails its account (the SQS record is retried) with time to spare, and the
 * invocation never ends with an email sent but not yet marked: the case that sends it twice.
 */

/** Kept back from the invocation's remaining time: the handler's last log lines and metrics flush. */
export const HANDLER_MARGIN_MS = 3_000;

/**
 * From claiming an email's keys to marking them sent: the SES send (3 attempts of at most 4 s
 * each plus 1 s to connect, ~15.5 s), the chat messages (SNS, 2 attempts of at most 3 s plus 1 s
 * to connect, ~8 s) and the marks (DynamoDB, milliseconds). See shared/clients.ts.
 */
export const SEND_RESERVE_MS = 25_000;

/** Writing the sync's changes after the provider answered (one transaction, a few batches on a backfill). */
export const COMMIT_RESERVE_MS = 5_000;

/** Not enough of the invocation left to start this safely: nothing was started, the next run does it. */
export class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';
  constructor(
    readonly accountId: string,
    readonly keys: readonly string[],
    what: string,
  ) {
    super(
      `account ${accountId}: ${what} not started, too close to the invocation's deadline (${keys.join(', ')} stay due)`,
    );
  }
}

/** The deadline of every account in a Lambda invocation with `remainingMs` left at `now`. */
export function invocationDeadline(now: number, remainingMs: number): number {
  return now + remainingMs - HANDLER_MARGIN_MS;
}

/** How long the provider requests of an account may take in an invocation of `timeoutMs` (the sizing's key figure). */
export function providerWindowMs(timeoutMs: number): number {
  return timeoutMs - HANDLER_MARGIN_MS - SEND_RESERVE_MS - COMMIT_RESERVE_MS;
}

/** The instant the provider requests must be over by, for an account that must finish by `deadline`. */
export function providerDeadline(deadline: number | undefined): number | undefined {
  return deadline === undefined ? undefined : deadline - SEND_RESERVE_MS - COMMIT_RESERVE_MS;
}

/** True when a send can start at `now` and still be marked before `deadline` (no deadline: always). */
export function roomToSend(deadline: number | undefined, now: Date): boolean {
  return deadline === undefined || now.getTime() + SEND_RESERVE_MS <= deadline;
}
