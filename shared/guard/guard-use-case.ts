import type { GuardDeps } from '../use-cases/guard-context.ts';
import { freezeProject } from '../use-cases/guard-freeze.ts';
import { guardProposal } from '../use-cases/guard-proposal.ts';
import { releaseProject } from '../use-cases/guard-release.ts';
import type { GuardActions, GuardOutcome, GuardProposal } from './actions.ts';

/**
 * The GuardActions port over the guard use case: what the approval page (the guard function, and
 * `npm start`'s local server) calls. A freeze the provider refuses comes back as `failed` with the
 * provider's words (recorded, counted, and retried by the next runs for a day, since a person
 * approved it); anything else that goes wrong throws, so the page frees the link.
 */
export class GuardUseCase implements GuardActions {
  constructor(private readonly deps: GuardDeps) {}

  proposal(accountId: string, projectId: string, _incident: string): Promise<GuardProposal | undefined> {
    return guardProposal(this.deps, accountId, projectId);
  }

  async freeze(accountId: string, projectId: string, incident: string, by: string): Promise<GuardOutcome> {
    const { outcome } = await freezeProject(this.deps, { accountId, projectId, incident, by });
    return outcome.state === 'failed'
      ? {
          ...outcome,
          message: `${outcome.message}. burnrate tries again at every run for the next 24 hours, and the operator is told.`,
        }
      : outcome;
  }

  async release(accountId: string, projectId: string, by: string): Promise<GuardOutcome> {
    return (await releaseProject(this.deps, { accountId, projectId, by })).outcome;
  }
}
