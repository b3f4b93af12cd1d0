import { type AlertKind, evaluateAlerts } from './alerts.ts';
import { type OutputFigures, toOutputFigures } from './derived.ts';
import { computeFigures } from './figures.ts';
import type { AlertPolicy, CostBucket, Grant } from './types.ts';

export interface SimulatedRun extends OutputFigures {
  alerts: Array<{ kind: AlertKind; key: string }>;
}

/**
 * Evaluates runs in order, each seeing the buckets visible at its instant (end <= at) and the
 * armed/disarmed state left by the runs before it.
 */
export function simulate(input: {
  grants: readonly Grant[];
  buckets: readonly CostBucket[];
  policy: AlertPolicy;
  runs: ReadonlyArray<{ at: number; text: string }>;
}): { runs: SimulatedRun[] } {
  let disarmed = new Set<string>();
  const runs = input.runs.map((run) => {
    const figures = computeFigures({
      grants: input.grants,
      buckets: input.buckets,
      burnOrder: input.policy.burnOrder,
      autoRecharge: input.policy.autoRecharge,
      at: run.at,
    });
    const evaluation = evaluateAlerts(figures, input.policy, disarmed);
    disarmed = evaluation.disarmed;
    return {
      ...toOutputFigures(figures, run.text),
      alerts: evaluation.fired.map(({ kind, key }) => ({ kind, key })),
    };
  });
  return { runs };
}
