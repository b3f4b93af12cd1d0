import { type GuardProposal, GuardUnavailableError } from './actions.ts';
import type { Handled } from './handler.ts';
import { messagePage, refusalPage, stateLine } from './page.ts';
import type { Refusal, TokenClaims } from './token.ts';

/* The guard handler's answers other than a valid link's pages (refusals, failures), with what they log. */

/** The action threw after the link was consumed (and freed again). */
export class ActionError extends Error {
  constructor(
    readonly claims: TokenClaims,
    readonly failure: Error,
    /** Whether the link was freed again (false: the store failed too, the link stays used). */
    readonly freed: boolean,
  ) {
    super(failure.message);
  }
}

export async function guarded(run: () => Promise<Handled>): Promise<Handled> {
  try {
    return await run();
  } catch (thrown) {
    const claims = thrown instanceof ActionError ? thrown.claims : undefined;
    const error = thrown instanceof ActionError ? thrown.failure : (thrown as Error);
    const unavailable = error instanceof GuardUnavailableError;
    const what = claims?.action === 'release' ? 'release' : 'freeze';
    const cli = claims
      ? `the operator can run "npx burnrate guard ${what} --account ${claims.accountId} --project ${claims.projectId}"`
      : '';
    const retry = !claims
      ? ' Try again in a minute.'
      : thrown instanceof ActionError && thrown.freed
        ? ` Nothing is recorded as done for this link, so it still works: try again in a minute, or ${cli}.`
        : ` This link is used up; ${cli}.`;
    const response = unavailable
      ? messagePage(503, 'The guard cannot act right now', `${error.message}${retry}`, {
          'retry-after': '60',
        })
      : messagePage(500, 'Something went wrong', `burnrate could not finish this.${retry}`);
    return {
      response,
      log: {
        ...(claims && about(claims)),
        outcome: unavailable ? 'unavailable' : 'failed',
        status: response.status,
        error: { name: error.name, message: error.message },
      },
    };
  }
}

export const about = (c: TokenClaims) => ({
  accountId: c.accountId,
  projectId: c.projectId,
  action: c.action,
  link: c.nonce.slice(0, 8),
});

export function refused(r: Refusal, c?: TokenClaims, now?: GuardProposal): Handled {
  return {
    response: refusalPage(r, now && stateLine(now)),
    log: { ...(c && about(c)), outcome: 'refused', reason: r.reason, status: r.status },
  };
}

export function plain(status: number, outcome: string, title: string, text: string, headers = {}): Handled {
  return { response: messagePage(status, title, text, headers), log: { outcome, status } };
}

export const noToken = () =>
  plain(
    400,
    'no-token',
    'This page opens from a link',
    'It shows a freeze (or its undo) proposed in a burnrate email or chat message: open that link.',
  );

export const unknownIncident = (c: TokenClaims): Handled => ({
  response: messagePage(
    404,
    'Unknown incident',
    `burnrate has no record of incident ${c.incident} for ${c.projectId} in account ${c.accountId}. Nothing was done.`,
  ),
  log: { ...about(c), outcome: 'unknown-incident', status: 404 },
});
