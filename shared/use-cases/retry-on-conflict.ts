import { ConcurrentSyncError } from '../ports.ts';

/** How often a use case starts over after a concurrent writer committed first. */
export const CONFLICT_ATTEMPTS = 3;

/**
 * Runs `once` (load, decide, conditional commit) and starts it over from a fresh load when another
 * writer committed first (ConcurrentSyncError), up to CONFLICT_ATTEMPTS times; any other error, or
 * the last conflict, is thrown. Shared by the sync, the edit check, and the guard's freeze/release.
 */
export async function retryOnConflict<T>(once: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (error) {
      if (!(error instanceof ConcurrentSyncError) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}
