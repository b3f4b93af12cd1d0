import { describe, expect, it } from 'vitest';
import {
  breakdown,
  costRow,
  GB,
  gbSeconds,
  monthlyUsage,
  priced,
  runsPerMonth,
  total,
  usd,
  type Workload,
} from '../bench/cost/cost-model.ts';
import type { Measurement, Phase } from '../bench/cost/measure.ts';
import { PRICES } from '../bench/cost/prices.ts';
import { ASSUMPTIONS, type Inventory, withSharedSecret, workloadFrom } from '../bench/cost/workload.ts';

// The cost bench's arithmetic on examples worked out by hand (npm run bench -- cost prints the table).
const workload: Workload = {
  perRun: { schedulerInvocation: 1, lambdaRequest: 1 },
  perAccountRun: { dynamoWriteUnit: 6 },
  perSyncInvocation: { lambdaRequest: 1 },
  batchSize: 10,
  perHour: { lambdaRequest: 1 },
  perAccountHour: { dynamoReadUnit: 2 },
  perMonth: { kmsKeyMonth: 1, alarmMonth: 10 },
  perAccountMonth: { secretMonth: 1 },
};

describe('cost model', () => {
  it('a month is 730 hours: 2,920 runs every 15 minutes, 8,760 every 5', () => {
    expect(runsPerMonth(15)).toBe(2920);
    expect(runsPerMonth(5)).toBe(8760);
  });

  it('Lambda GB-seconds are the configured memory times the time', () => {
    expect(gbSeconds(1000, 512)).toBe(0.5);
    expect(gbSeconds(250, 1024)).toBe(0.25);
  });

  it('11 accounts every 15 minutes: units by hand, sync invocations by batches of 10 (2 per run)', () => {
    expect(monthlyUsage(workload, 11, 15)).toEqual({
      kmsKeyMonth: 1,
      alarmMonth: 10,
      secretMonth: 11,
      schedulerInvocation: 2920,
      // 2,920 dispatches + 2,920 × ceil(11 / 10) syncs + 730 upkeeps
      lambdaRequest: 2920 + 5840 + 730,
      dynamoWriteUnit: 2920 * 11 * 6,
      dynamoReadUnit: 730 * 11 * 2,
    });
  });

  it('prices them: $6.5272755 in all, $2.00365 fixed, the rest per account', () => {
    const costs = priced(monthlyUsage(workload, 11, 15), PRICES);
    // 9,490 × $0.20/M + 192,720 × $0.625/M + 16,060 × $0.125/M + 2,920 × $1/M + $1 + 10 × $0.10 + 11 × $0.40
    expect(costs.lambdaRequest).toBeCloseTo(0.001898, 9);
    expect(costs.dynamoWriteUnit).toBeCloseTo(0.12045, 9);
    expect(costs.dynamoReadUnit).toBeCloseTo(0.0020075, 9);
    expect(costs.secretMonth).toBeCloseTo(4.4, 9);
    expect(total(costs)).toBeCloseTo(6.5272755, 9);
    const row = costRow(workload, PRICES, 11, 15);
    // With no account: 3,650 Lambda requests, 2,920 schedules, the key and 10 alarms.
    expect(row.fixed).toBeCloseTo(0.00073 + 0.00292 + 2, 9);
    expect(row.perAccount).toBeCloseTo((6.5272755 - 2.00365) / 11, 9);
    expect(row.total).toBeCloseTo(6.5272755, 9);
  });

  it('the 5-minute schedule triples what grows with runs, not the monthly items', () => {
    const at15 = monthlyUsage(workload, 11, 15);
    const at5 = monthlyUsage(workload, 11, 5);
    expect(at5.dynamoWriteUnit).toBe(3 * (at15.dynamoWriteUnit as number));
    expect(at5.secretMonth).toBe(at15.secretMonth);
    expect(at5.dynamoReadUnit).toBe(at15.dynamoReadUnit);
  });

  it('the breakdown is largest first with shares summing to one', () => {
    const items = breakdown(workload, PRICES, 11, 15);
    expect(items.map((i) => i.item).slice(0, 3)).toEqual(['secretMonth', 'kmsKeyMonth', 'alarmMonth']);
    expect(items[0]?.share).toBeCloseTo(4.4 / 6.5272755, 9);
    expect(items.reduce((a, i) => a + i.share, 0)).toBeCloseTo(1, 12);
  });

  it('prints dollars to the cent above $1 and to two significant digits below', () => {
    expect(usd(448.4249)).toBe('448.42');
    expect(usd(0.4412)).toBe('0.44');
    expect(usd(0.0042)).toBe('0.0042');
    expect(usd(0)).toBe('0.00');
  });
});

describe('the measured runs as a workload', () => {
  const phase = (p: Partial<Phase> & { ms?: number[] }): Phase => ({
    invocations: (p.ms ?? []).map((ms) => ({
      ms,
      logBytes: 1000,
      rssGrowthMb: 0,
      heapMb: 0,
      metricNames: ['A'],
    })),
    aws: p.aws ?? {},
    providerRequests: p.providerRequests ?? 0,
    emails: p.emails ?? 0,
    publishes: p.publishes ?? 0,
  });
  const counts = (ops: Record<string, number>, read = 0, write = 0) => ({
    requests: new Map(Object.entries(ops)),
    readUnits: read,
    writeUnits: write,
  });
  const inventory: Inventory = {
    kmsKeys: 1,
    secrets: 1,
    alarms: 10,
    dashboards: 1,
    metricFilters: 1,
    memoryMb: { dispatch: 256, sync: 512, upkeep: 512 },
    logRetentionMonths: 3,
    batchSize: 10,
  };
  // 2 accounts, 2 steady runs: 4 sync invocations of 100, 300, 100, 300 ms, 8 provider requests.
  const measurement: Measurement = {
    accounts: 2,
    first: {
      dispatch: phase({ ms: [50] }),
      sync: phase({ ms: [900, 900], aws: { secretsmanager: counts({ GetSecretValue: 2 }) } }),
      upkeep: phase({ ms: [480], providerRequests: 2 }),
    },
    steady: {
      runs: 2,
      dispatch: phase({ ms: [40, 40], aws: { sqs: counts({ SendMessageBatch: 2 }) } }),
      sync: phase({
        ms: [100, 300, 100, 300],
        providerRequests: 8,
        aws: { dynamodb: counts({ Query: 4, TransactWriteItems: 4 }, 16, 24) },
      }),
      upkeepIdle: phase({ ms: [240] }),
    },
    storedBytesPerAccount: 28 * 1024,
  };
  const w = workloadFrom(measurement, inventory);

  it('per account and run: its sync time plus the provider latency at 512 MB, its capacity, a cold secret read', () => {
    // mean 200 ms + 2 provider requests × 500 ms = 1.2 s at 0.5 GB
    expect(w.perAccountRun.lambdaGbSecond).toBeCloseTo(0.6, 12);
    expect(ASSUMPTIONS.providerLatencyMs).toBe(500);
    expect(w.perAccountRun.dynamoReadUnit).toBe(4);
    expect(w.perAccountRun.dynamoWriteUnit).toBe(6);
    // the dispatch's SendMessageBatch: 2 over 2 runs × 2 accounts
    expect(w.perAccountRun.sqsRequest).toBe(0.5);
    expect(w.perAccountRun.secretsApiCall).toBe(1);
    expect(w.perAccountRun.kmsRequest).toBe(1);
    // 4,000 bytes logged over 4 account-runs: 1,000 bytes ingested and kept 3 months
    expect(w.perAccountRun.logsIngestGb).toBeCloseTo(1000 / GB, 15);
    expect(w.perAccountRun.logsStorageGbMonth).toBeCloseTo(3000 / GB, 15);
    // the dispatch's own lines (2,000 bytes over 2 runs) and Lambda's platform lines, per run
    expect(w.perRun.logsIngestGb).toBeCloseTo((1000 + ASSUMPTIONS.platformLogBytes) / GB, 15);
  });

  it('per hour and account: the due hour weighs 1/24, the idle ones 23/24', () => {
    // due: (480 ms + 2 × 500 ms) / 2 accounts = 740 ms; idle: 240 / 2 = 120 ms; at 0.5 GB
    const expected = (0.74 * 0.5) / 24 + (0.12 * 0.5 * 23) / 24;
    expect(w.perAccountHour.lambdaGbSecond).toBeCloseTo(expected, 12);
  });

  it('per month: what the stack creates, the metrics written, each account its secret and storage', () => {
    expect(w.perMonth).toMatchObject({
      kmsKeyMonth: 1,
      secretMonth: 1,
      alarmMonth: 10,
      dashboardMonth: 1,
      customMetricMonth: 2, // 'A' from the EMF lines + 1 metric filter
    });
    expect(w.perAccountMonth.secretMonth).toBe(1);
    expect(w.perAccountMonth.dynamoStorageGbMonth).toBeCloseTo((28 * 1024) / GB, 15);
    expect(w.perSyncInvocation).toMatchObject({ lambdaRequest: 1, xrayTrace: 1, sqsRequest: 2 });
    expect(w.perSyncInvocation.lambdaGbSecond).toBeCloseTo(0.125, 12); // 250 ms init at 0.5 GB
  });

  it('one shared secret: $0.40 a month in all, one read per sync invocation instead of per account and run', () => {
    const one = withSharedSecret(w);
    expect(one.perMonth.secretMonth).toBe(2); // the guard's signing key and the shared one
    expect(one.perAccountMonth.secretMonth).toBe(0);
    expect(one.perAccountRun.secretsApiCall).toBe(0);
    expect(one.perAccountRun.kmsRequest).toBe(0);
    expect(one.perSyncInvocation).toMatchObject({ secretsApiCall: 1, kmsRequest: 2 });
    // 100 accounts every 15 minutes: 100 secrets less ($40), and 2,920 × (100 − 10) reads less
    const saved = costRow(w, PRICES, 100, 15).total - costRow(one, PRICES, 100, 15).total;
    expect(saved).toBeCloseTo(40 - 0.4 + 2920 * 90 * (PRICES.secretsApiCall + PRICES.kmsRequest), 9);
  });
});
