import { addUsage, GB, gbSeconds, HOURS_PER_MONTH, type Usage, type Workload } from './cost-model.ts';
import type { Measurement, Phase } from './measure.ts';

/** What the stack creates that is billed by the month, counted from the synthesized templates. */
export interface Inventory {
  kmsKeys: number;
  secrets: number;
  alarms: number;
  dashboards: number;
  metricFilters: number;
  memoryMb: { dispatch: number; sync: number; upkeep: number };
  logRetentionMonths: number;
  batchSize: number;
}

/**
 * What the bench cannot see in process, stated rather than hidden. Each is printed with the table.
 */
export const ASSUMPTIONS = {
  /** Real provider latency per request (the fakes answer in about a millisecond). */
  providerLatencyMs: 500,
  /** Every scheduled invocation starts cold (AWS bills INIT since 2025-08); module init as the bundle bench measured. */
  initMs: 250,
  /** Lambda's own JSON platform lines per invocation (start, report), with JSON log format. */
  platformLogBytes: 600,
  /** SQS requests Lambda's poller makes per sync invocation (ReceiveMessage, DeleteMessageBatch). */
  sqsPollerRequestsPerInvocation: 2,
  /** Lambda's idle long polling of the queue: 5 pollers × one 20 s ReceiveMessage each, all month. */
  sqsIdlePollsPerMonth: 5 * 3 * 60 * HOURS_PER_MONTH,
  /** One weekly digest per account (an email and a chat message). */
  digestsPerAccountMonth: HOURS_PER_MONTH / (24 * 7),
} as const;

const count = (p: Phase, service: string) =>
  [...(p.aws[service]?.requests.values() ?? [])].reduce((a, b) => a + b, 0);
const meanMs = (p: Phase) => p.invocations.reduce((a, i) => a + i.ms, 0) / Math.max(1, p.invocations.length);
const logBytes = (p: Phase) => p.invocations.reduce((a, i) => a + i.logBytes, 0);
const logs = (bytes: number, months: number): Usage => ({
  logsIngestGb: bytes / GB,
  logsStorageGbMonth: (bytes / GB) * months,
});

/** One phase's AWS requests and capacity as units, divided by `per`. */
function awsUnits(p: Phase, per: number, retention: number, withLogs = true): Usage {
  const secrets = count(p, 'secretsmanager');
  return {
    dynamoReadUnit: (p.aws.dynamodb?.readUnits ?? 0) / per,
    dynamoWriteUnit: (p.aws.dynamodb?.writeUnits ?? 0) / per,
    secretsApiCall: secrets / per,
    // Secrets Manager decrypts each value with KMS; SNS asks KMS for a data key (≤ 1 per 5 minutes).
    kmsRequest: (secrets + p.publishes) / per,
    sqsRequest: count(p, 'sqs') / per,
    snsPublish: p.publishes / per,
    sesEmail: p.emails / per,
    ...(withLogs && logs(logBytes(p) / per, retention)),
  };
}

/**
 * The measured runs as a workload, extrapolated linearly per account: the sync's steady-state
 * run per account (its own wall time plus the assumed provider latency, at the sync's memory),
 * the dispatch per run, the upkeep per hour (one due hour a day, the others idle).
 */
export function workloadFrom(m: Measurement, inv: Inventory): Workload {
  const a = ASSUMPTIONS;
  const months = inv.logRetentionMonths;
  const runs = m.steady.runs;
  const accountRuns = runs * m.accounts;
  const sync = m.steady.sync;
  const dispatch = m.steady.dispatch;
  const invocation = (memoryMb: number, ms: number): Usage => ({
    lambdaRequest: 1,
    lambdaGbSecond: gbSeconds(ms, memoryMb),
    xrayTrace: 1,
    // DynamoDB's AWS-managed table key: ≤ 1 KMS request per caller and 5 minutes.
    kmsRequest: 1,
    ...logs(a.platformLogBytes, months),
  });
  const coldSecretReads = count(m.first.sync, 'secretsmanager') / m.accounts;
  const syncMsPerAccount = meanMs(sync) + (sync.providerRequests / accountRuns) * a.providerLatencyMs;
  // The upkeep's invocation runs over every account: its time and requests per account, weighted
  // by how many hours of a day look like it (names and limits are due once a day).
  const upkeepPerAccountHour = (p: Phase, weight: number): Usage => ({
    ...awsUnits(p, m.accounts / weight, months),
    lambdaGbSecond:
      gbSeconds((meanMs(p) + p.providerRequests * a.providerLatencyMs) / m.accounts, inv.memoryMb.upkeep) *
      weight,
  });
  const perAccountHour = addUsage(
    upkeepPerAccountHour(m.first.upkeep, 1 / 24),
    upkeepPerAccountHour(m.steady.upkeepIdle, 23 / 24),
  );
  return {
    batchSize: inv.batchSize,
    // The dispatch: its time, its invocation and its log lines per run; its queue and index
    // requests (one per 10 accounts, a page of the index) per account below.
    perRun: addUsage(
      { schedulerInvocation: 1, ...invocation(inv.memoryMb.dispatch, meanMs(dispatch) + a.initMs) },
      logs(logBytes(dispatch) / runs, months),
    ),
    perAccountRun: {
      ...addUsage(awsUnits(sync, accountRuns, months), awsUnits(dispatch, accountRuns, months, false)),
      lambdaGbSecond: gbSeconds(syncMsPerAccount, inv.memoryMb.sync),
      // The admin key is cached 300 s (SecretsManagerSecretSource), less than a schedule period:
      // every run reads it again, as the first run did (the steady runs, seconds apart in one
      // process, read none). Counted every run, with Secrets Manager's KMS Decrypt.
      secretsApiCall: coldSecretReads,
      kmsRequest: coldSecretReads + sync.publishes / accountRuns,
    },
    perSyncInvocation: {
      ...invocation(inv.memoryMb.sync, a.initMs),
      sqsRequest: a.sqsPollerRequestsPerInvocation,
    },
    perHour: { schedulerInvocation: 1, ...invocation(inv.memoryMb.upkeep, a.initMs) },
    perAccountHour,
    perMonth: {
      kmsKeyMonth: inv.kmsKeys,
      secretMonth: inv.secrets,
      alarmMonth: inv.alarms,
      dashboardMonth: inv.dashboards,
      customMetricMonth: new Set(sync.invocations.flatMap((i) => i.metricNames)).size + inv.metricFilters,
      sqsRequest: a.sqsIdlePollsPerMonth,
    },
    perAccountMonth: {
      secretMonth: 1,
      dynamoStorageGbMonth: m.storedBytesPerAccount / GB,
      dynamoPitrGbMonth: m.storedBytesPerAccount / GB,
      sesEmail: a.digestsPerAccountMonth,
      snsPublish: a.digestsPerAccountMonth,
    },
  };
}

/**
 * The same deployment with every admin key in one shared secret (a JSON object by account id):
 * one secret a month instead of one per account, and one read per sync invocation (the batch's
 * accounts share the cached value) instead of one per account and run.
 */
export function withSharedSecret(w: Workload): Workload {
  const reads = w.perAccountRun.secretsApiCall ?? 0;
  return {
    ...w,
    perMonth: addUsage(w.perMonth, { secretMonth: 1 }),
    perAccountMonth: { ...w.perAccountMonth, secretMonth: 0 },
    perAccountRun: {
      ...w.perAccountRun,
      secretsApiCall: 0,
      kmsRequest: (w.perAccountRun.kmsRequest ?? 0) - reads,
    },
    perSyncInvocation: addUsage(w.perSyncInvocation, { secretsApiCall: 1, kmsRequest: 1 }),
  };
}
