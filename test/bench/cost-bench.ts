import { SYNC_SIZING } from '../../infra/sync-sizing.ts';
import { ACCOUNT_METRIC_NAMES } from '../../shared/ports.ts';
import { breakdown, costRow, runsPerMonth, usd } from './cost/cost-model.ts';
import { measure } from './cost/measure.ts';
import { PRICES, PRICES_DATE } from './cost/prices.ts';
import { ASSUMPTIONS, type Inventory, withSharedSecret, workloadFrom } from './cost/workload.ts';

const SAMPLE_ACCOUNTS = Number(process.env.BENCH_COST_ACCOUNTS ?? 4);
const STEADY_RUNS = 3;
const ACCOUNTS = [1, 10, 100, 1000];
const PERIODS = [15, 5];

/**
 * What the deployed stacks create, from `cdk synth` (bundling skipped: only the templates count).
 * The CDK loads only when this section runs.
 */
async function inventory(): Promise<Inventory> {
  const { App } = await import('aws-cdk-lib');
  const { Template } = await import('aws-cdk-lib/assertions');
  const { buildApp } = await import('../../infra/app.ts');
  const app = new App({
    context: {
      senderEmail: 'alerts@example.com',
      operatorEmail: 'ops@example.com',
      'aws:cdk:bundling-stacks': [],
    },
  });
  const { stateful, stateless } = buildApp(app);
  const templates = [Template.fromStack(stateful), Template.fromStack(stateless)];
  const n = (type: string) => templates.reduce((a, t) => a + Object.keys(t.findResources(type)).length, 0);
  const fns = Object.values(templates[1]?.findResources('AWS::Lambda::Function') ?? {}) as Array<{
    Properties: { Description?: string; MemorySize?: number };
  }>;
  const memory = (prefix: string) =>
    fns.find((f) => f.Properties.Description?.startsWith(prefix))?.Properties.MemorySize ?? 128;
  const retention = Object.values(templates[1]?.findResources('AWS::Logs::LogGroup') ?? {}).map(
    (g) => (g as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays ?? 0,
  );
  return {
    kmsKeys: n('AWS::KMS::Key'),
    secrets: n('AWS::SecretsManager::Secret'),
    alarms: n('AWS::CloudWatch::Alarm'),
    dashboards: n('AWS::CloudWatch::Dashboard'),
    metricFilters: n('AWS::Logs::MetricFilter'),
    memoryMb: {
      dispatch: memory('burnrate: one SQS message'),
      sync: memory('burnrate: sync one account'),
      upkeep: memory('burnrate: project names'),
    },
    logRetentionMonths: Math.round(Math.max(...retention) / 30),
    batchSize: SYNC_SIZING.batchSize,
  };
}

/**
 * `npm run bench -- cost`: what burnrate costs a month in us-east-1, measured with a few real
 * accounts through the real handlers and extrapolated linearly per account.
 */
export async function costBench(): Promise<void> {
  const inv = await inventory();
  console.log(`## Cost: a month in us-east-1 (prices of ${PRICES_DATE}, no free tier)`);
  console.log(
    `stack: ${inv.kmsKeys} KMS key, ${inv.secrets} secret (guard signing key) + 1 per account, ${inv.alarms} alarms, ` +
      `${inv.dashboards} dashboard, ${inv.metricFilters} metric filter; memory dispatch ${inv.memoryMb.dispatch} MB, ` +
      `sync ${inv.memoryMb.sync} MB, upkeep ${inv.memoryMb.upkeep} MB; logs kept ${inv.logRetentionMonths} months; ` +
      `sync batch ${inv.batchSize}`,
  );
  const m = await measure(SAMPLE_ACCOUNTS, STEADY_RUNS);
  const s = m.steady;
  const perRun = (x: number, runs = s.runs) => (x / (runs * m.accounts)).toFixed(2);
  const reqs = (p: (typeof s)['sync'], service: string, runs = s.runs) =>
    [...(p.aws[service]?.requests ?? [])].map(([op, k]) => `${op} ${perRun(k, runs)}`).join(', ') || '0';
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `\nmeasured: ${m.accounts} accounts (half OpenAI, half Anthropic, live-mode fakes), the real handlers in process ` +
      `against DynamoDB Local, the SES emulator and SQS/SNS/Secrets Manager fakes behind counting proxies; ` +
      `a first run, then ${s.runs} steady runs. Per account and steady run:`,
  );
  const syncInv = s.sync.invocations;
  console.log(
    `  sync invocation (one record): ${mean(syncInv.map((i) => i.ms)).toFixed(0)} ms wall (in process: a proxy for ` +
      `Lambda's billed duration), log ${mean(syncInv.map((i) => i.logBytes)).toFixed(0)} B, RSS growth ` +
      `${Math.max(...syncInv.map((i) => i.rssGrowthMb)).toFixed(1)} MB, heap used after ` +
      `${Math.max(...syncInv.map((i) => i.heapMb)).toFixed(0)} MB (the bench process, fakes and all; Lambda bills ` +
      'the configured memory, not the memory used)',
  );
  console.log(
    `  DynamoDB (ReturnConsumedCapacity TOTAL): ${perRun(s.sync.aws.dynamodb?.readUnits ?? 0)} RRU, ` +
      `${perRun(s.sync.aws.dynamodb?.writeUnits ?? 0)} WRU; requests: ${reqs(s.sync, 'dynamodb')}`,
  );
  console.log(
    `  Secrets Manager: ${reqs(s.sync, 'secretsmanager')} warm, ${reqs(m.first.sync, 'secretsmanager', 1)} cold ` +
      `(the first run; counted every run below); SES: ${perRun(s.sync.emails)} emails; SNS: ` +
      `${perRun(s.sync.publishes)} publishes; provider requests: ${perRun(s.sync.providerRequests)}`,
  );
  console.log(
    `  dispatch per run: ${mean(s.dispatch.invocations.map((i) => i.ms)).toFixed(0)} ms, SQS ${reqs(s.dispatch, 'sqs')} ` +
      `per account, DynamoDB ${reqs(s.dispatch, 'dynamodb')} per account`,
  );
  console.log(
    `  upkeep (hourly): due hour ${m.first.upkeep.invocations[0]?.ms.toFixed(0)} ms, ${m.first.upkeep.providerRequests} ` +
      `provider requests; idle hour ${s.upkeepIdle.invocations[0]?.ms.toFixed(0)} ms, ${s.upkeepIdle.providerRequests}; ` +
      `first run (backfill) sync ${mean(m.first.sync.invocations.map((i) => i.ms)).toFixed(0)} ms/account, ` +
      `${(m.first.sync.aws.dynamodb?.writeUnits ?? 0) / m.accounts} WRU/account`,
  );
  console.log(`  stored per account: ${(m.storedBytesPerAccount / 1024).toFixed(0)} KB (items as JSON)`);
  console.log(
    `assumed (not measurable in process): provider latency ${ASSUMPTIONS.providerLatencyMs} ms per request; every ` +
      `scheduled invocation cold, init ${ASSUMPTIONS.initMs} ms; ${ASSUMPTIONS.platformLogBytes} B of Lambda platform ` +
      `log lines per invocation; ${ASSUMPTIONS.sqsPollerRequestsPerInvocation} SQS poller requests per sync invocation ` +
      `and ${ASSUMPTIONS.sqsIdlePollsPerMonth} idle long polls a month; one weekly digest per account; one X-Ray trace ` +
      `per invocation; 1 KMS request per invocation (DynamoDB's AWS-managed key).`,
  );

  const w = workloadFrom(m, inv);
  console.log('\nextrapolated linearly per account (only the sync invocations grow by batches of 10):\n');
  const shared = withSharedSecret(w);
  console.log(
    '| accounts | schedule | runs/month | fixed $/month | per account $/month | total $/month | total, one shared secret |',
  );
  console.log(
    '| -------: | -------: | ---------: | ------------: | ------------------: | ------------: | -----------------------: |',
  );
  for (const period of PERIODS)
    for (const accounts of ACCOUNTS) {
      const r = costRow(w, PRICES, accounts, period);
      const one = costRow(shared, PRICES, accounts, period);
      console.log(
        `| ${accounts.toLocaleString('en-US')} | ${period} min | ${runsPerMonth(period)} | ${usd(r.fixed)} | ` +
          `${usd(r.perAccount)} | ${usd(r.total)} | ${usd(one.total)} |`,
      );
    }
  const extra = ACCOUNT_METRIC_NAMES.length * PRICES.customMetricMonth;
  console.log(
    `\n-c accountMetrics=true adds ${ACCOUNT_METRIC_NAMES.length} custom metrics per account: +$${usd(extra)} per account a month.`,
  );
  for (const [accounts, period] of [
    [10, 15],
    [1000, 5],
  ] as const) {
    console.log(`\nlargest items, ${accounts} accounts every ${period} minutes:`);
    for (const b of breakdown(w, PRICES, accounts, period).slice(0, 6))
      console.log(`  ${b.item.padEnd(22)} $${usd(b.usd).padStart(8)}  ${(b.share * 100).toFixed(0)}%`);
  }
}
