import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperatorAlarmsProps {
  topic: ITopic;
  functions: Record<string, IFunction>;
  deadLetterQueue: IQueue;
  syncLogGroup: ILogGroup;
  periodMinutes: number;
  /** Where the sync function's EMF metrics land (Powertools Metrics: namespace and dimensions). */
  metrics: { namespace: string; dimensions: Record<string, string> };
}

/**
 * CloudWatch alarms that email the operator (through the SNS topic): any function error, anything
 * in the dead-letter queue, a heartbeat (no successful sync within two schedule periods, so a
 * watchdog that has gone silent is itself noticed), and alerts that could not be delivered: SES
 * refusing mail would otherwise go unnoticed, as the operator's own email goes through SES too.
 */
export class OperatorAlarms extends Construct {
  /** Every alarm made here (the dashboard shows their states). */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperatorAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const alarm = (name: string, metric: IMetric, description: string, below = false) => {
      const made = new Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: below
          ? ComparisonOperator.LESS_THAN_THRESHOLD
          : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data for the heartbeat means no sync: that is the failure it exists to catch.
        treatMissingData: below ? TreatMissingData.BREACHING : TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      made.addAlarmAction(action);
      this.alarms.push(made);
    };
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        `burnrate ${name} function failed`,
      );
    }
    alarm(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'burnrate: an account kept failing to sync and its message is in the dead-letter queue',
    );
    const emf = (metricName: string) =>
      new Metric({
        namespace: props.metrics.namespace,
        metricName,
        dimensionsMap: props.metrics.dimensions,
        period: Duration.minutes(5),
        statistic: 'Sum',
      });
    alarm(
      'AlertDeliveryFailed',
      emf('AlertDeliveryFailed'),
      'burnrate: due alerts could not be emailed (SES refused or failed); they stay due and are retried every run. Check the sync logs for "alerts not delivered".',
    );
    alarm(
      'AlertPublishFailed',
      emf('AlertPublishFailed'),
      'burnrate: alerts were emailed but their chat message could not be published to the alerts topic. Check the sync logs for "chat messages not published".',
    );
    // The upkeep runs hourly: an hour's period keeps the alarm in ALARM (one email) while an
    // account keeps failing, instead of one email per run.
    alarm(
      'UpkeepFailed',
      new Metric({
        namespace: props.metrics.namespace,
        metricName: 'UpkeepFailed',
        dimensionsMap: props.metrics.dimensions,
        period: Duration.hours(1),
        statistic: 'Sum',
      }),
      'burnrate: the upkeep (project names, hard limits) failed for an account (a provider error, or a hard-limit write refused); it is retried every hour. Check the upkeep logs for "upkeep" lines with errors.',
    );
    // The guard (issue 18): a freeze or release the provider refused, in a run (auto mode, retries)
    // or on the approval page. A failed freeze is retried by every run for 24 hours: an hour's
    // period keeps the alarm in ALARM (one email) while it keeps failing, not one email per run.
    alarm(
      'GuardActionFailed',
      new Metric({
        namespace: props.metrics.namespace,
        metricName: 'GuardActionFailed',
        dimensionsMap: props.metrics.dimensions,
        period: Duration.hours(1),
        statistic: 'Sum',
      }),
      'burnrate: the guard could not freeze (or release) a project: the provider refused or failed the write. A runaway project may still be spending. Check `npx burnrate guard list --account <id>` and the sync or guard logs for "guard".',
    );
    // A successful sync logs {"message":"synced"}; count those lines as a metric.
    const synced = new MetricFilter(this, 'SuccessfulSyncs', {
      logGroup: props.syncLogGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', 'synced'),
      metricNamespace: 'burnrate',
      metricName: 'SuccessfulSyncs',
      metricValue: '1',
    });
    alarm(
      'Heartbeat',
      synced.metric({ period: Duration.minutes(2 * props.periodMinutes), statistic: 'Sum' }),
      `burnrate: no successful sync in ${2 * props.periodMinutes} minutes (two schedule periods)`,
      true,
    );
  }
}
