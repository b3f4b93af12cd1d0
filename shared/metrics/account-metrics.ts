import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { toOutputFigures } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { microsToUsd } from '../core/money.ts';
import type { AccountMetricName } from '../ports.ts';

export { ACCOUNT_METRIC_NAMES, type AccountMetricName } from '../ports.ts';

/**
 * The per-account figures that `-c accountMetrics=true` turns into CloudWatch metrics (opt-in:
 * every name × account is a custom metric billed every month). The values as the emails show
 * them (dollars to the cent, runway to 2 decimals). No runway when nothing is being spent
 * (infinite: a gap in the graph, not a made-up number); no hour when the run has none (simulations).
 */
export function accountMetricValues(figures: Figures): Partial<Record<AccountMetricName, number>> {
  const out = toOutputFigures(figures, new Date(figures.at).toISOString());
  return {
    BalanceUsd: out.balanceUsd,
    MonthToDateUsd: out.monthToDateUsd,
    ...(out.runwayDays !== null && { RunwayDays: out.runwayDays }),
    ...(figures.hour && { HourSpendUsd: microsToUsd(figures.hour.amountMicros) }),
  };
}

/**
 * Writes one account's figures as one EMF line (Powertools Metrics) right after its sync, with the
 * dimensions service, stage and account. Its own Metrics instance per account: the records of a
 * batch run in parallel, and the invocation's shared instance has no `account` dimension.
 */
export class EmfAccountMetrics {
  constructor(private readonly options: { namespace: string; serviceName: string; stage: string }) {}

  publish(accountId: string, figures: Figures): void {
    const metrics = new Metrics({
      namespace: this.options.namespace,
      serviceName: this.options.serviceName,
      defaultDimensions: { stage: this.options.stage, account: accountId },
    });
    for (const [name, value] of Object.entries(accountMetricValues(figures)))
      metrics.addMetric(name, MetricUnit.NoUnit, value);
    metrics.publishStoredMetrics();
  }
}
