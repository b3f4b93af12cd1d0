import * as z from 'zod';
import { usdToMicros } from '../core/money.ts';
import { DAY_MS, parseInstant } from '../core/time.ts';
import type { CostBucket, Grant } from '../core/types.ts';
import { type AccountConfig, parseAccountConfig } from './account-config.ts';
import { instant, nonNegativeNumber } from './fields.ts';
import { parseGrants } from './grant.ts';
import { formatIssues, InvalidInputError } from './invalid-input.ts';

const PREFIX = 'simulation file';

const costSchema = z.strictObject({ start: instant, end: instant, amountUsd: nonNegativeNumber });

const fileSchema = z.strictObject({
  account: z.unknown().optional(),
  grants: z.unknown().optional(),
  costs: z.array(costSchema, { error: 'expected a list of cost buckets' }),
  runs: z.array(instant, { error: 'expected a list of ISO 8601 instants' }),
});

export interface SimulationInput {
  account: AccountConfig;
  grants: Grant[];
  buckets: CostBucket[];
  runs: Array<{ at: number; text: string }>;
}

/** Parses and checks a simulation file; every problem names the field (exit code 2 in the CLI). */
export function parseSimulationFile(raw: unknown): SimulationInput {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError([`${PREFIX}: expected a JSON object with account, grants, costs and runs`]);
  }
  const problems: string[] = [];
  const collect = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  // Check every part, so that one run of the command names every problem in the file.
  const parts = raw as Record<string, unknown>;
  const result = fileSchema.safeParse(raw);
  if (!result.success) problems.push(...formatIssues(PREFIX, result.error, raw));
  const account = collect(() => parseAccountConfig(parts.account, PREFIX, ['account']));
  const grants = collect(() => parseGrants(parts.grants, PREFIX, (i) => `grants[${i}]`));
  if (!result.success) throw new InvalidInputError(problems);
  const file = result.data;
  const buckets = collect(() => parseBuckets(file.costs));
  const runs = file.runs.map((text) => ({ at: parseInstant(text) as number, text }));
  runs.forEach((run, i) => {
    const previous = runs[i - 1];
    if (previous && run.at < previous.at) {
      problems.push(
        `${PREFIX}: runs[${i}]: runs must be in non-decreasing order, got "${run.text}" after "${previous.text}"`,
      );
    }
  });
  if (problems.length > 0 || !account || !grants || !buckets) throw new InvalidInputError(problems);
  return { account, grants, buckets, runs };
}

function parseBuckets(costs: z.infer<typeof costSchema>[]): CostBucket[] {
  const problems: string[] = [];
  const buckets = costs.map((c, i) => {
    const bucket = { start: parseInstant(c.start) as number, end: parseInstant(c.end) as number, index: i };
    if (bucket.end <= bucket.start) {
      problems.push(`${PREFIX}: costs[${i}].end: must be after start ("${c.start}"), got "${c.end}"`);
    } else if (bucket.start % DAY_MS !== 0 || bucket.end % DAY_MS !== 0) {
      problems.push(
        `${PREFIX}: costs[${i}]: buckets must be whole UTC days (00:00Z to 00:00Z), got "${c.start}" to "${c.end}"`,
      );
    }
    return { ...bucket, amountMicros: usdToMicros(c.amountUsd) };
  });
  const sorted = [...buckets].sort((a, b) => a.start - b.start);
  sorted.forEach((b, i) => {
    const previous = sorted[i - 1];
    if (previous && b.start < previous.end) {
      problems.push(
        `${PREFIX}: costs[${b.index}]: overlaps costs[${previous.index}] ("${costs[previous.index]?.start}" to "${costs[previous.index]?.end}")`,
      );
    }
  });
  if (problems.length > 0) throw new InvalidInputError(problems);
  return buckets.map(({ start, end, amountMicros }) => ({ start, end, amountMicros }));
}
