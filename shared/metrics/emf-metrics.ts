import { MetricUnit, type Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRIC_UNITS, type MetricName, type Metrics } from '../ports.ts';

export { METRICS_NAMESPACE } from '../ports.ts';

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

/**
 * The Metrics port over Powertools Metrics: values are buffered and written as one CloudWatch
 * Embedded Metric Format line to stdout by `publishStoredMetrics()` at the end of each invocation;
 * CloudWatch turns the line into metrics, no API call or IAM permission needed.
 */
export class EmfMetrics implements Metrics {
  constructor(private readonly metrics: PowertoolsMetrics) {}

  record(name: MetricName, value: number): void {
    this.metrics.addMetric(name, UNITS[METRIC_UNITS[name]], value);
  }
}

/** Counts per metric, for the CLI's summary and for tests. */
export class CountingMetrics implements Metrics {
  readonly totals = new Map<MetricName, number>();
  record(name: MetricName, value: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }
  get(name: MetricName): number {
    return this.totals.get(name) ?? 0;
  }
}
