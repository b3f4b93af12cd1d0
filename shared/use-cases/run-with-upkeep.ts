import { type ProcessDeps, type ProcessOutcome, processAccount } from './process-account.ts';
import { type UpkeepDeps, type UpkeepOutcome, upkeepAccount } from './upkeep-account.ts';

export type PassOutcome = ProcessOutcome & { upkeep?: UpkeepOutcome };

/**
 * One account in a local pass (`burnrate run`, `npm start`): the upkeep first (names and hard
 * limits, when due), then the sync and delivery, so a local run keeps limits in step as the
 * deployed stack does and the keys the upkeep raised are emailed in the same run. An upkeep that
 * fails is reported and never holds back the sync.
 */
export async function upkeepThenProcess(
  deps: { process: ProcessDeps; upkeep: UpkeepDeps },
  accountId: string,
): Promise<PassOutcome> {
  let upkeep: UpkeepOutcome;
  try {
    upkeep = await upkeepAccount(deps.upkeep, accountId);
  } catch (error) {
    // E.g. no admin key: the sync below reports that to the operator, as it always has.
    upkeep = { accountId, status: 'done', errors: [(error as Error).message] };
  }
  return { ...(await processAccount(deps.process, accountId)), upkeep };
}
