import type { Context, SQSEvent } from 'aws-lambda';
import { toDocumentClient } from '../../../shared/clients.ts';
import { localDynamoClient } from '../../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../../shared/local/dynamodb-local.ts';
import { startSesLocal } from '../../../shared/local/ses-local.ts';
import { ensureTable } from '../../../shared/store/table.ts';
import { startSecretsManagerFake } from '../../fakes/secrets-manager-fake.ts';
import { startSnsFake } from '../../fakes/sns-fake.ts';
import { startSqsFake } from '../../fakes/sqs-fake.ts';
import { type Fake, PROVIDERS } from '../../support/providers.ts';
import { seedAccount } from '../../support/seed.ts';
import { type ProxyCounts, startCountingProxy } from './counting-proxy.ts';

/** One handler invocation as the bench saw it (in process: proxies for what Lambda measures). */
export interface Invocation {
  ms: number;
  /** Bytes the handler wrote to stdout/stderr: what CloudWatch Logs would ingest from it. */
  logBytes: number;
  /** RSS growth during it, and the V8 heap used after it (the bench process: fakes included). */
  rssGrowthMb: number;
  heapMb: number;
  /** EMF metric names it wrote (each distinct name × dimensions is a custom metric). */
  metricNames: string[];
}

/** Everything the code asked of the outside during one phase. */
export interface Phase {
  invocations: Invocation[];
  /** Requests per service and operation (retries included), and DynamoDB capacity units. */
  aws: Record<string, ProxyCounts>;
  providerRequests: number;
  emails: number;
  publishes: number;
}

export interface Measurement {
  accounts: number;
  first: { dispatch: Phase; sync: Phase; upkeep: Phase };
  steady: { runs: number; dispatch: Phase; sync: Phase; upkeepIdle: Phase };
  /** Approximate bytes stored per account (items as JSON, after the runs). */
  storedBytesPerAccount: number;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const DAY = 86_400_000;
const SERVICES = ['dynamodb', 'sqs', 'sns', 'secretsmanager', 'ses'] as const;

function context(name: string, id: string): Context {
  return {
    awsRequestId: id,
    functionName: `burnrate-bench-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:burnrate-bench-${name}`,
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 90_000,
  } as unknown as Context;
}

/** Runs one handler invocation with stdout/stderr counted (and kept out of the bench's output). */
async function invoke(handler: Handler, event: unknown, ctx: Context): Promise<Invocation> {
  let written = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  try {
    await handler(event, ctx);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const ms = performance.now() - t0;
  const memory = process.memoryUsage();
  const metricNames = written
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .flatMap((l) => {
      const doc = JSON.parse(l) as {
        _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> };
      };
      return doc._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));
    });
  return {
    ms,
    logBytes: Buffer.byteLength(written),
    rssGrowthMb: (memory.rss - rssBefore) / 2 ** 20,
    heapMb: memory.heapUsed / 2 ** 20,
    metricNames,
  };
}

/** 90 days of spend on two projects, relative to today (the handlers run on the real clock). */
function history(today: number, scale: number) {
  const h: Record<string, Array<{ projectId: string; usd: number }>> = {};
  for (let i = 1; i <= 90; i++)
    h[new Date(today - i * DAY).toISOString().slice(0, 10)] = [
      { projectId: 'proj_a', usd: scale * (5 + (i % 7)) },
      { projectId: 'proj_b', usd: scale * 2 },
    ];
  return h;
}

/**
 * Runs `accounts` real accounts (half OpenAI, half Anthropic, live-mode fakes) through the real
 * Lambda handlers (dispatch → sync-account, one record per invocation → upkeep) against DynamoDB
 * Local, the SES emulator and the SQS, SNS and Secrets Manager fakes, each behind a counting
 * proxy: a first run (backfill), then `runs` steady-state runs and an hourly upkeep with nothing due.
 */
export async function measure(accounts: number, runs: number): Promise<Measurement> {
  const db = await startDynamoDbLocal();
  const ses = await startSesLocal();
  const sqs = await startSqsFake();
  const sns = await startSnsFake();
  const fakes: Record<string, Fake> = {};
  for (const p of PROVIDERS) fakes[p.name] = await p.start({ mode: 'live' });
  const ids = Array.from({ length: accounts }, (_, i) => `acct-${i}-${PROVIDERS[i % 2]?.name}`);
  const secrets = await startSecretsManagerFake({
    'burnrate/guard-signing-key': 'g'.repeat(64),
    ...Object.fromEntries(
      ids.map((id) => [`burnrate/${id}`, (fakes[id.split('-')[2] as string] as Fake).adminKey]),
    ),
  });
  const upstream = {
    dynamodb: db.endpoint,
    sqs: sqs.endpoint,
    sns: sns.endpoint,
    secretsmanager: secrets.endpoint,
    ses: ses.endpoint,
  };
  const proxies = Object.fromEntries(
    await Promise.all(
      SERVICES.map(
        async (s) => [s, await startCountingProxy(upstream[s], { dynamo: s === 'dynamodb' })] as const,
      ),
    ),
  ) as Record<(typeof SERVICES)[number], Awaited<ReturnType<typeof startCountingProxy>>>;
  const saved = { ...process.env };
  try {
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    for (const fake of Object.values(fakes)) {
      fake.setCosts(history(today, 1));
      if ('setProjects' in fake)
        fake.setProjects([
          { id: 'proj_a', name: 'Search' },
          { id: 'proj_b', name: 'Batch' },
        ]);
    }
    const client = localDynamoClient(db.endpoint);
    const doc = toDocumentClient(client);
    const table = 'burnrate-bench-cost';
    await ensureTable(client, table);
    for (const id of ids)
      await seedAccount(
        doc,
        table,
        {
          id,
          provider: id.split('-')[2],
          name: id,
          recipients: ['ops@acme.example'],
          monthlyBudgetUsd: 600,
          lowBalanceUsd: [100],
        },
        [{ id: 'g1', amountUsd: 5000, effectiveAt: new Date(today - 100 * DAY).toISOString().slice(0, 10) }],
      );
    Object.assign(process.env, {
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ENDPOINT_URL_DYNAMODB: proxies.dynamodb.endpoint,
      AWS_ENDPOINT_URL_SES: proxies.ses.endpoint,
      AWS_ENDPOINT_URL_SQS: proxies.sqs.endpoint,
      AWS_ENDPOINT_URL_SNS: proxies.sns.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: proxies.secretsmanager.endpoint,
      BURNRATE_QUEUE_URL: `${proxies.sqs.endpoint}/123456789012/sync`,
      BURNRATE_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      BURNRATE_OPERATOR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:operator',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      BURNRATE_TABLE: table,
      BURNRATE_SENDER: 'burnrate@acme.example',
      BURNRATE_OPERATOR_EMAIL: 'operator@acme.example',
      BURNRATE_STAGE: 'bench',
      BURNRATE_GUARD_URL: 'https://guard.example/',
      OPENAI_BASE_URL: fakes.openai?.baseUrl,
      ANTHROPIC_BASE_URL: fakes.anthropic?.baseUrl,
    });
    for (const k of ['AWS_EXECUTION_ENV', '_X_AMZN_TRACE_ID', 'OPENAI_ADMIN_KEY', 'ANTHROPIC_ADMIN_KEY'])
      delete process.env[k];
    const dispatch = (await import('../../../functions/lambda/dispatch.ts')).handler as Handler;
    const sync = (await import('../../../functions/lambda/sync-account.ts')).handler as Handler;
    const upkeep = (await import('../../../functions/lambda/upkeep.ts')).handler as Handler;

    let n = 0;
    const phase = async (run: () => Promise<Invocation[]>): Promise<Phase> => {
      for (const p of Object.values(proxies)) p.reset();
      const providerBefore = Object.values(fakes).reduce((a, f) => a + f.requests.length, 0);
      const emailsBefore = (await ses.emails()).length;
      const publishesBefore = sns.published.length;
      const invocations = await run();
      const aws = Object.fromEntries(
        Object.entries(proxies).map(([s, p]) => [
          s,
          {
            requests: new Map(p.counts.requests),
            readUnits: p.counts.readUnits,
            writeUnits: p.counts.writeUnits,
          },
        ]),
      );
      return {
        invocations,
        aws,
        providerRequests: Object.values(fakes).reduce((a, f) => a + f.requests.length, 0) - providerBefore,
        emails: (await ses.emails()).length - emailsBefore,
        publishes: sns.published.length - publishesBefore,
      };
    };
    const dispatchRun = async () => {
      const before = sqs.received.length;
      const inv = await invoke(dispatch, {}, context('dispatch', `run-${++n}`));
      return { inv, bodies: sqs.received.slice(before).map((m) => m.body) };
    };
    const syncEach = async (bodies: string[]) => {
      const out: Invocation[] = [];
      for (const body of bodies) out.push(await invoke(sync, sqsEvent(body), context('sync', `sync-${++n}`)));
      return out;
    };

    let bodies: string[] = [];
    const firstDispatch = await phase(async () => {
      const d = await dispatchRun();
      bodies = d.bodies;
      return [d.inv];
    });
    const firstSync = await phase(() => syncEach(bodies));
    const firstUpkeep = await phase(async () => [await invoke(upkeep, {}, context('upkeep', `up-${++n}`))]);

    const all = { dispatch: [] as Phase[], sync: [] as Phase[] };
    for (let r = 0; r < runs; r++) {
      all.dispatch.push(
        await phase(async () => {
          const d = await dispatchRun();
          bodies = d.bodies;
          return [d.inv];
        }),
      );
      all.sync.push(await phase(() => syncEach(bodies)));
    }
    const upkeepIdle = await phase(async () => [await invoke(upkeep, {}, context('upkeep', `up-${++n}`))]);

    const { Items = [] } = await client.send(
      new (await import('@aws-sdk/client-dynamodb')).ScanCommand({ TableName: table }),
    );
    const storedBytes = Items.reduce((a, item) => a + Buffer.byteLength(JSON.stringify(item)), 0);
    return {
      accounts,
      first: { dispatch: firstDispatch, sync: firstSync, upkeep: firstUpkeep },
      steady: { runs, dispatch: merge(all.dispatch), sync: merge(all.sync), upkeepIdle },
      storedBytesPerAccount: storedBytes / accounts,
    };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    for (const p of Object.values(proxies)) await p.stop();
    for (const f of Object.values(fakes)) await f.stop();
    await secrets.stop();
    await sqs.stop();
    await sns.stop();
    await ses.stop();
    await db.stop();
  }
}

function sqsEvent(body: string): SQSEvent {
  return {
    Records: [
      {
        messageId: 'm',
        body,
        attributes: {},
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:sync',
        awsRegion: 'us-east-1',
        receiptHandle: 'h',
      },
    ],
  } as unknown as SQSEvent;
}

/** Several phases as one (their sums; divide by the number of runs for one run). */
function merge(phases: Phase[]): Phase {
  const aws: Record<string, ProxyCounts> = {};
  for (const p of phases)
    for (const [s, c] of Object.entries(p.aws)) {
      const into = aws[s] ?? { requests: new Map(), readUnits: 0, writeUnits: 0 };
      aws[s] = into;
      for (const [op, k] of c.requests) into.requests.set(op, (into.requests.get(op) ?? 0) + k);
      into.readUnits += c.readUnits;
      into.writeUnits += c.writeUnits;
    }
  return {
    invocations: phases.flatMap((p) => p.invocations),
    aws,
    providerRequests: phases.reduce((a, p) => a + p.providerRequests, 0),
    emails: phases.reduce((a, p) => a + p.emails, 0),
    publishes: phases.reduce((a, p) => a + p.publishes, 0),
  };
}
