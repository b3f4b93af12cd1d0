import { type GuardActions, GuardUnavailableError } from './actions.ts';

/**
 * What the guard function runs with until the freeze/release use case (issue 18, items 2, 3 and 6)
 * is wired in `guardActionsFor`: every link is verified and refused or shown as usual, but nothing
 * can be proposed or done, and the page says so (503). Not a fake: it never claims to have acted.
 */
export const UNWIRED_GUARD_ACTIONS: GuardActions = {
  proposal: unavailable,
  freeze: unavailable,
  release: unavailable,
};

async function unavailable(): Promise<never> {
  throw new GuardUnavailableError('This burnrate does not have the guard use case installed yet.');
}
