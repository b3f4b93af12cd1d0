import type {
  GuardActions,
  GuardOutcome,
  GuardProposal,
  TokenUse,
  UsedTokens,
} from '../../shared/guard/actions.ts';

export const INCIDENT = 'guard:proj_search:2026-11-24';
export const NOW = new Date('2026-11-24T15:42:10.250Z');

/** A runaway hour of the Search project: what the guard use case would propose. */
export function searchProposal(overrides: Partial<GuardProposal> = {}): GuardProposal {
  return {
    accountId: 'acme',
    accountName: 'Acme production',
    provider: 'openai',
    projectId: 'proj_search',
    projectName: 'Search',
    incident: INCIDENT,
    hourStart: '2026-11-24T15:00:00.000Z',
    hourSpendUsd: 118.4,
    monthToDateUsd: 412.6,
    plan: "set the project's hard monthly limit to $417.60 (it has none now)",
    waitingCostUsdPerHour: 118.4,
    state: 'proposed',
    ...overrides,
  };
}

/**
 * The GuardActions port in memory, recording every call: one project that can be frozen and
 * released, as the use case will behave (idempotent per incident).
 */
export class FakeGuardActions implements GuardActions {
  readonly calls: Array<{ op: 'proposal' | 'freeze' | 'release'; args: string[] }> = [];
  state: GuardProposal;
  /** Makes the next freeze/release throw this (then clears). */
  failNext?: Error;

  constructor(
    initial: GuardProposal = searchProposal(),
    private readonly now: () => Date = () => NOW,
  ) {
    this.state = initial;
  }

  count(op: 'proposal' | 'freeze' | 'release'): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  async proposal(accountId: string, projectId: string, incident: string) {
    this.calls.push({ op: 'proposal', args: [accountId, projectId, incident] });
    const s = this.state;
    return s.accountId === accountId && s.projectId === projectId && s.incident === incident
      ? structuredClone(s)
      : undefined;
  }

  async freeze(accountId: string, projectId: string, incident: string, by: string): Promise<GuardOutcome> {
    this.calls.push({ op: 'freeze', args: [accountId, projectId, incident, by] });
    this.throwIfAsked();
    if (this.state.state === 'frozen') return { state: 'frozen', message: 'Search was already frozen.' };
    this.state = {
      ...this.state,
      state: 'frozen',
      frozen: { since: this.now().toISOString(), thresholdUsd: 417.6 },
    };
    return {
      state: 'frozen',
      message:
        'Frozen Search at $417.60 (hard limit); requests now get 429 project_spend_limit_exceeded within minutes.',
    };
  }

  async release(accountId: string, projectId: string, by: string): Promise<GuardOutcome> {
    this.calls.push({ op: 'release', args: [accountId, projectId, by] });
    this.throwIfAsked();
    const { frozen: _f, ...rest } = this.state;
    this.state = { ...rest, state: 'released' };
    return { state: 'released', message: 'Released Search: its limit is back to none (deleted).' };
  }

  private throwIfAsked() {
    const e = this.failNext;
    this.failNext = undefined;
    if (e) throw e;
  }
}

/** UsedTokens in memory, for unit tests of the page (DynamoDB Local has its own tests). */
export class MemoryUsedTokens implements UsedTokens {
  readonly items = new Map<string, TokenUse>();
  async usedAt(accountId: string, nonce: string) {
    return this.items.get(`${accountId}/${nonce}`)?.usedAt;
  }
  async consume(use: TokenUse) {
    const key = `${use.accountId}/${use.nonce}`;
    const old = this.items.get(key);
    if (old) return { consumed: false as const, usedAt: old.usedAt };
    this.items.set(key, use);
    return { consumed: true as const };
  }
  async unconsume(accountId: string, nonce: string, usedAt: string) {
    const key = `${accountId}/${nonce}`;
    if (this.items.get(key)?.usedAt === usedAt) this.items.delete(key);
  }
}
