import type { AwsPrices } from './aws-prices.ts';

/**
 * The guard bench's arithmetic (pure, unit-tested with hand-computed examples): what a runaway loop
 * cost from its start to its last served minute, and what a run schedule costs in AWS a month.
 */
const MINUTE = 60_000;

/** A minute (or any slice) of the loop's spend the provider served: its start and its dollars in micros. */
export interface ServedSlice {
  at: number;
  micros: number;
}

export interface LoopEvents {
  loopStart: number;
  /** When the first email about the loop went out (the run's time); undefined: never. */
  emailAt?: number | undefined;
  /** When the freeze was written to the provider (the run's, or the approval's, time); undefined: never. */
  frozenAt?: number | undefined;
  /** The loop's slices the provider served (a limit in force drops the rest). */
  served: readonly ServedSlice[];
  /** How long one slice lasts (a minute of the loop). */
  sliceMs: number;
}

export interface LoopFigures {
  /** Minutes from the loop's start; undefined: it never happened. */
  toEmailMin?: number | undefined;
  toFreezeMin?: number | undefined;
  /** Minutes from the loop's start to the end of the last slice served (0: none served). */
  toLastDollarMin: number;
  /** Dollars the loop cost: every served slice. */
  loopUsd: number;
}

export function loopFigures(e: LoopEvents): LoopFigures {
  const since = (t: number | undefined) => (t === undefined ? undefined : (t - e.loopStart) / MINUTE);
  const last = e.served.reduce((m, s) => Math.max(m, s.at + e.sliceMs), e.loopStart);
  const micros = e.served.reduce((a, s) => a + s.micros, 0);
  return {
    toEmailMin: since(e.emailAt),
    toFreezeMin: since(e.frozenAt),
    toLastDollarMin: (last - e.loopStart) / MINUTE,
    loopUsd: micros / 1e6,
  };
}

/** Issue 18's target (auto mode, 5-minute runs): spend stopped within 20 minutes, and under $40. */
export const GUARD_TARGET = { withinMin: 20, underUsd: 40 } as const;

export function meetsTarget(f: LoopFigures, target = GUARD_TARGET): boolean {
  return f.toLastDollarMin <= target.withinMin && f.loopUsd < target.underUsd;
}

/** What one scheduled run costs, measured (durations, DynamoDB units) or counted (requests). */
export interface RunCostInput {
  /** Minutes between runs (the schedule's rate). */
  periodMinutes: number;
  /** Mean billed duration of the sync function per run (ms, rounded up to the ms like Lambda). */
  syncMs: number;
  syncMemoryMb: number;
  /** Mean duration of the dispatch function per run (ms). */
  dispatchMs: number;
  dispatchMemoryMb: number;
  /** DynamoDB request units per run (dispatch and sync together). */
  readUnits: number;
  writeUnits: number;
  /** SQS requests per run: send, receive, delete. */
  sqsRequests: number;
  /** Secrets Manager calls per run (the admin key). */
  secretsCalls: number;
  /** X-Ray traces per run (one per invocation sampled). */
  traces: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  usd: number;
}

export interface MonthlyCost {
  runs: number;
  lines: CostLine[];
  totalUsd: number;
}

/** Runs a month (30 days) at one run every `periodMinutes`. */
export function runsPerMonth(periodMinutes: number, days = 30): number {
  return (days * 24 * 60) / periodMinutes;
}

/** A schedule's AWS bill for one account for a 30-day month, item by item. */
export function monthlyCost(r: RunCostInput, p: AwsPrices, days = 30): MonthlyCost {
  const runs = runsPerMonth(r.periodMinutes, days);
  const gbSeconds =
    runs *
    ((Math.ceil(r.syncMs) / 1000) * (r.syncMemoryMb / 1024) +
      (Math.ceil(r.dispatchMs) / 1000) * (r.dispatchMemoryMb / 1024));
  const invocations = runs * 2; // the dispatch and the sync
  const lines: CostLine[] = [
    { item: 'Lambda duration', quantity: gbSeconds, unit: 'GB-s', usd: gbSeconds * p.lambdaPerGbSecond },
    {
      item: 'Lambda requests',
      quantity: invocations,
      unit: 'invocations',
      usd: invocations * p.lambdaPerRequest,
    },
    {
      item: 'DynamoDB reads',
      quantity: runs * r.readUnits,
      unit: 'RRU',
      usd: runs * r.readUnits * p.dynamoPerReadUnit,
    },
    {
      item: 'DynamoDB writes',
      quantity: runs * r.writeUnits,
      unit: 'WRU',
      usd: runs * r.writeUnits * p.dynamoPerWriteUnit,
    },
    { item: 'Scheduler', quantity: runs, unit: 'invocations', usd: runs * p.schedulerPerInvocation },
    {
      item: 'SQS',
      quantity: runs * r.sqsRequests,
      unit: 'requests',
      usd: runs * r.sqsRequests * p.sqsPerRequest,
    },
    {
      item: 'Secrets Manager',
      quantity: runs * r.secretsCalls,
      unit: 'calls',
      usd: runs * r.secretsCalls * p.secretsPerCall,
    },
    { item: 'X-Ray', quantity: runs * r.traces, unit: 'traces', usd: runs * r.traces * p.xrayPerTrace },
  ];
  return { runs, lines, totalUsd: lines.reduce((a, l) => a + l.usd, 0) };
}
