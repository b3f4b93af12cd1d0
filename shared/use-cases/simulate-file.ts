import { simulate } from '../core/simulate.ts';
import { toAlertPolicy } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { parseSimulationFile } from '../schemas/simulation-file.ts';

/** The `simulate` use case: JSON text in, the spec's output object out. */
export function simulateFile(text: string, fileName: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError([`${fileName}: not valid JSON: ${(error as Error).message}`]);
  }
  const input = parseSimulationFile(raw);
  return simulate({
    grants: input.grants,
    buckets: input.buckets,
    policy: toAlertPolicy(input.account),
    runs: input.runs,
  });
}
