import type { GuardAction, GuardActions, UsedTokens } from './actions.ts';
import { freezePage, releasePage, resultPage } from './page.ts';
import type { GuardResponse } from './page-shell.ts';
import { ActionError, about, guarded, noToken, plain, refused, unknownIncident } from './responses.ts';
import type { SigningKeySource } from './signing-key.ts';
import { issueToken, newNonce, type TokenClaims, usedRefusal, verifyToken } from './token.ts';

/** One HTTP request, whoever received it (Function URL event, node:http). */
export interface GuardRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The body as text (already base64-decoded). */
  body?: string | undefined;
  contentType?: string | undefined;
}

export interface GuardDeps {
  key: SigningKeySource;
  usedTokens: UsedTokens;
  actions: GuardActions;
  now: () => Date;
  newNonce?: () => string;
}

/** What the entry point logs: never the token or the key; the link by its nonce's first 8 characters. */
export interface GuardLogEntry {
  outcome: string;
  status: number;
  accountId?: string;
  projectId?: string;
  action?: GuardAction;
  link?: string;
  reason?: string;
  error?: { name: string; message: string };
}

export interface Handled {
  response: GuardResponse;
  log: GuardLogEntry;
}

const MAX_BODY_CHARS = 4096;
const FORM = 'application/x-www-form-urlencoded';

/**
 * The approval page. GET (and HEAD) only read: verify the link, read whether it was used, ask the
 * use case for its proposal, render. POST verifies again, consumes the link with a conditional
 * write, and only then calls freeze or release. Mail scanners and chat unfurlers fetch links: they
 * can never act.
 */
export async function handleGuardRequest(req: GuardRequest, deps: GuardDeps): Promise<Handled> {
  const method = req.method.toUpperCase();
  let handled: Handled;
  if (req.path !== '/') {
    handled = plain(404, 'not-found', 'Not found', 'There is nothing here.');
  } else if (method === 'GET' || method === 'HEAD') {
    handled = await guarded(() => show(req.query.get('t'), deps));
  } else if (method === 'POST') {
    handled = await guarded(() => act(req, deps));
  } else {
    handled = plain(405, 'method-not-allowed', 'Method not allowed', 'Open the link from the email.', {
      allow: 'GET, HEAD, POST',
    });
  }
  if (method === 'HEAD') handled.response = { ...handled.response, body: '' };
  return handled;
}

async function show(token: string | null, deps: GuardDeps): Promise<Handled> {
  if (!token) return noToken();
  const checked = verifyToken(token, await deps.key.signingKey(), deps.now());
  if (!checked.ok) return refused(checked.refusal);
  const c = checked.claims;
  const usedAt = await deps.usedTokens.usedAt(c.accountId, c.nonce);
  if (usedAt) return refused(usedRefusal(usedAt), c, await currentState(deps, c));
  const proposal = await deps.actions.proposal(c.accountId, c.projectId, c.incident);
  if (!proposal) return unknownIncident(c);
  const response = c.action === 'freeze' ? freezePage(proposal, token, c) : releasePage(proposal, token, c);
  return { response, log: { ...about(c), outcome: 'shown', status: 200 } };
}

async function act(req: GuardRequest, deps: GuardDeps): Promise<Handled> {
  if ((req.contentType ?? '').split(';')[0]?.trim().toLowerCase() !== FORM)
    return plain(415, 'bad-request', 'Unsupported form', 'Use the button on the page.');
  if ((req.body ?? '').length > MAX_BODY_CHARS)
    return plain(413, 'bad-request', 'Too large', 'Use the button on the page.');
  const form = new URLSearchParams(req.body ?? '');
  const token = form.get('t');
  const action = form.get('action');
  if (!token) return noToken();
  if (action !== 'freeze' && action !== 'release')
    return plain(400, 'bad-request', 'Unknown action', 'Use the button on the page.');
  const key = await deps.key.signingKey();
  const now = deps.now();
  const checked = verifyToken(token, key, now, action);
  if (!checked.ok) return refused(checked.refusal);
  const c = checked.claims;
  const proposal = await deps.actions.proposal(c.accountId, c.projectId, c.incident);
  if (!proposal) return unknownIncident(c);
  const usedAt = now.toISOString();
  const use = await deps.usedTokens.consume({ ...c, usedAt });
  if (!use.consumed) return refused(usedRefusal(use.usedAt), c, await currentState(deps, c));
  const by = `approval page, link ${c.nonce.slice(0, 8)}`;
  let outcome: Awaited<ReturnType<GuardActions['freeze']>>;
  try {
    outcome =
      action === 'freeze'
        ? await deps.actions.freeze(c.accountId, c.projectId, c.incident, by)
        : await deps.actions.release(c.accountId, c.projectId, by);
  } catch (error) {
    // The action did not finish: free the link so the person can press again (the use case is
    // idempotent per incident, so a second press converges rather than acting twice).
    const freed = await deps.usedTokens.unconsume(c.accountId, c.nonce, usedAt).then(
      () => true,
      () => false,
    );
    throw new ActionError(c, error as Error, freed);
  }
  const undo =
    action === 'freeze' && outcome.state === 'frozen'
      ? issueToken(
          {
            accountId: c.accountId,
            projectId: c.projectId,
            incident: c.incident,
            action: 'release',
            now,
            // A nonce of its own: the freeze link's nonce is used up.
            nonce: (deps.newNonce ?? newNonce)(),
          },
          key,
        )
      : undefined;
  return {
    response: resultPage(proposal, outcome, undo && { token: undo.token, expiresAt: undo.claims.expiresAt }),
    log: { ...about(c), outcome: outcome.state, status: 200 },
  };
}

/** For a refusal page's "Now: …" line (after a double click, the freeze in force); best effort. */
const currentState = (deps: GuardDeps, c: TokenClaims) =>
  deps.actions.proposal(c.accountId, c.projectId, c.incident).catch(() => undefined);
