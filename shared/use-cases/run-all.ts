import type { AccountStore } from '../ports.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { type SyncDeps, type SyncOptions, type SyncResult, syncAccount } from './sync-account.ts';

export type AccountOutcome =
  | { accountId: string; status: 'ok'; result: SyncResult }
  | { accountId: string; status: 'invalid'; problems: string[] }
  | { accountId: string; status: 'failed'; error: Error };

/** Syncs one account and says how it went; never throws for a bad account. */
export async function runOne(
  deps: SyncDeps,
  accountId: string,
  options: SyncOptions = {},
): Promise<AccountOutcome> {
  try {
    return { accountId, status: 'ok', result: await syncAccount(deps, accountId, options) };
  } catch (error) {
    if (error instanceof InvalidInputError) return { accountId, status: 'invalid', problems: error.problems };
    return { accountId, status: 'failed', error: error as Error };
  }
}

/**
 * One pass over the enabled accounts (or one account), `concurrency` at a time. A failed account
 * never holds back the others: its outcome says why.
 */
export async function runAll<O>(
  store: Pick<AccountStore, 'listAccounts'>,
  processOne: (accountId: string) => Promise<O>,
  options: { accountId?: string | undefined; concurrency: number; onOutcome?: (o: O) => void },
): Promise<O[]> {
  const ids = options.accountId
    ? [options.accountId]
    : (await store.listAccounts()).filter((a) => a.enabled).map((a) => a.id);
  const outcomes: O[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      const outcome = await processOne(ids[index] as string);
      outcomes[index] = outcome;
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, ids.length) }, worker));
  return outcomes;
}
