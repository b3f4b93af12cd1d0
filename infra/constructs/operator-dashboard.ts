import { Aws, Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
  LogQueryWidget,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCOUNT_METRIC_NAMES, METRIC_UNITS, type MetricName } from '../../shared/ports.ts';

export interface OperatorDashboardProps {
  stage: string;
  /** Minutes between scheduled runs: the period of the sync graphs (one point per run). */
  periodMinutes: number;
  functions: Record<string, IFunction>;
  queue: IQueue;
  deadLetterQueue: IQueue;
  syncLogGroup: ILogGroup;
  alarms: IAlarm[];
  /** Where the EMF metrics land (namespace, and the service and stage dimensions). */
  metrics: { namespace: string; dimensions: { service: string; stage: string } };
  /** -c accountMetrics=true: graph the per-account metrics. */
  accountMetrics: boolean;
}

const FULL = 24;
const THIRD = 8;

/** The metrics with a widget of their own below; the guard's are found by name, the rest go last. */
const SYNC: MetricName[] = ['AccountsSynced', 'SyncFailed'];
const EMAIL: MetricName[] = ['AlertsDelivered', 'AlertDeliveryFailed', 'AlertKeysUnreadable', 'DigestsSent'];
const CHAT: MetricName[] = ['AlertsPublished', 'AlertPublishFailed'];
const UPKEEP: MetricName[] = ['UpkeepFailed', 'HardLimitsSet', 'HardLimitWriteFailed'];
const PLACED = new Set<string>([...SYNC, 'SyncDurationMs', ...EMAIL, ...CHAT, ...UPKEEP]);

/**
 * `burnrate-<stage>`: where an operator looks first. Alarm states; sync health (accounts synced
 * and failed, duration p50/p99); alert emails and chat messages delivered and failed, digests; the
 * upkeep; the guard; each function's errors and p99 duration; the queue and the dead letters; the
 * sync log's recent errors; with accountMetrics, each account's balance, runway, month to date and
 * hour spend. Every metric in METRIC_UNITS is graphed somewhere (a new one lands in the last row).
 */
export class OperatorDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** The dashboard in the CloudWatch console (the stack output). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: OperatorDashboardProps) {
    super(scope, id);
    const name = `burnrate-${props.stage}`;
    const runPeriod = Duration.minutes(props.periodMinutes);
    const emf = (metricName: MetricName, statistic = 'Sum', period = runPeriod) =>
      new Metric({
        namespace: props.metrics.namespace,
        metricName,
        dimensionsMap: props.metrics.dimensions,
        statistic,
        period,
        label: statistic === 'Sum' ? metricName : `${metricName} ${statistic}`,
      });
    const graph = (title: string, left: IMetric[], width = THIRD, right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width, height: 6, leftYAxis: { min: 0 } });
    const fns = Object.entries(props.functions);
    const everyMetric = Object.keys(METRIC_UNITS) as MetricName[];
    const guard = everyMetric.filter((n) => n.startsWith('Guard'));
    const rest = everyMetric.filter((n) => !PLACED.has(n) && !n.startsWith('Guard'));

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown: [
            `# burnrate ${props.stage}`,
            'Sync every scheduled run: dispatch → queue → sync-account (one record per account). ' +
              'Counts are per run period (Sum). Alarms email the operator topic; logs: filter the sync log ' +
              'group by `accountId`; traces: `annotation.accountId = "<id>"` (see the README, Logs and traces).',
          ].join('\n\n'),
          width: FULL,
          height: 3,
        }),
      ],
      [new AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: FULL, height: 3 })],
      [
        graph(
          'Accounts synced / failed',
          SYNC.map((n) => emf(n)),
        ),
        graph('Sync duration per account (ms)', [emf('SyncDurationMs', 'p50'), emf('SyncDurationMs', 'p99')]),
        graph(
          'Alert emails',
          EMAIL.map((n) => emf(n)),
        ),
      ],
      [
        graph(
          'Chat messages (alerts topic)',
          CHAT.map((n) => emf(n)),
        ),
        graph(
          'Upkeep (hourly)',
          UPKEEP.map((n) => emf(n, 'Sum', Duration.hours(1))),
        ),
        guard.length > 0
          ? graph(
              'Guard actions',
              guard.map((n) => emf(n)),
            )
          : new TextWidget({
              markdown:
                '### Guard actions\nThe guard records no metric yet. Its metrics (every `Guard…` name in ' +
                'METRIC_UNITS, shared/ports.ts: actions applied, actions failed) are graphed here as soon as they are defined.',
              width: THIRD,
              height: 6,
            }),
      ],
      [
        graph(
          'Function errors',
          fns.map(([n, fn]) => fn.metricErrors({ label: n, period: Duration.minutes(5), statistic: 'Sum' })),
        ),
        graph(
          'Function duration p99 (ms)',
          fns.map(([n, fn]) =>
            fn.metricDuration({ label: n, period: Duration.minutes(5), statistic: 'p99' }),
          ),
        ),
        graph(
          'Sync queue and dead letters',
          [
            props.queue.metricApproximateNumberOfMessagesVisible({
              label: 'queue visible',
              statistic: 'Maximum',
            }),
            props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              label: 'dead letters',
              statistic: 'Maximum',
            }),
          ],
          THIRD,
          [
            props.queue.metricApproximateAgeOfOldestMessage({
              label: 'oldest message (s)',
              statistic: 'Maximum',
            }),
          ],
        ),
      ],
      [
        new LogQueryWidget({
          title: 'Sync: recent errors and warnings',
          logGroupNames: [props.syncLogGroup.logGroupName],
          queryLines: [
            'fields @timestamp, accountId, message, error, detail, problems',
            'filter level in ["ERROR", "WARN"]',
            'sort @timestamp desc',
            'limit 20',
          ],
          width: FULL,
          height: 6,
        }),
      ],
      this.perAccount(props, runPeriod),
    ];
    if (rest.length > 0)
      rows.push([
        graph(
          'More burnrate metrics',
          rest.map((n) => emf(n)),
          FULL,
        ),
      ]);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: name,
      defaultInterval: Duration.days(1),
      widgets: rows,
    });
    this.url = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${name}`;
  }

  /** One graph per account metric: a SEARCH over the `account` dimension, one line per account. */
  private perAccount(props: OperatorDashboardProps, period: Duration): IWidget[] {
    if (!props.accountMetrics)
      return [
        new TextWidget({
          markdown:
            "### Per-account figures are off\nDeploy with `-c accountMetrics=true` to graph each account's " +
            'BalanceUsd, RunwayDays, MonthToDateUsd and HourSpendUsd here (4 custom metrics per account, billed monthly: see the README).',
          width: FULL,
          height: 2,
        }),
      ];
    const { namespace, dimensions } = props.metrics;
    return ACCOUNT_METRIC_NAMES.map(
      (metricName) =>
        new GraphWidget({
          title: `${metricName} by account`,
          width: FULL / ACCOUNT_METRIC_NAMES.length,
          height: 6,
          left: [
            new MathExpression({
              expression:
                `SEARCH('{${namespace},account,service,stage} MetricName="${metricName}" ` +
                `service="${dimensions.service}" stage="${dimensions.stage}"', 'Average', ${period.toSeconds()})`,
              usingMetrics: {},
              // CloudWatch's dynamic label (not a template placeholder): each line named for its account.
              // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudWatch label syntax
              label: "${PROP('Dim.account')}",
              period,
            }),
          ],
        }),
    );
  }
}
