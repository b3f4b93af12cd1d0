import type { AccountQueue, AccountStore } from '../ports.ts';

/** The scheduled job: one queue message per enabled account, so accounts sync (and fail) independently. */
export async function dispatchAccounts(
  deps: { store: Pick<AccountStore, 'listAccounts'>; queue: AccountQueue },
  runId: string,
): Promise<{ queued: number; disabled: number }> {
  const accounts = await deps.store.listAccounts();
  const enabled = accounts.filter((a) => a.enabled);
  await deps.queue.enqueue(enabled.map((a) => ({ accountId: a.id, runId })));
  return { queued: enabled.length, disabled: accounts.length - enabled.length };
}
