import { documentClient } from '../../shared/clients.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import { startSesLocal } from '../../shared/local/ses-local.ts';
import { ensureTable } from '../../shared/store/table.ts';
import { GUARD_SETUPS } from '../support/guard-setup.ts';
import { AWS_PRICES, AWS_PRICES_TAKEN, priceLines } from './aws-prices.ts';
import { countCapacity } from './dynamo-capacity.ts';
import { type CaseResult, type GuardCase, type RunSample, runCase } from './guard-case.ts';
import { type LoopFigures, meetsTarget, monthlyCost } from './guard-figures.ts';
import { DAY_START, HOUR, LOOP_START, MINUTE } from './guard-script.ts';

/** The sync function's and the dispatch's memory in the stack (infra/stateless-stack.ts, burnrate-function.ts). */
const SYNC_MEMORY_MB = 512;
const DISPATCH_MEMORY_MB = 256;

/**
 * `npm run bench -- guard` (issue 18 "Measure"): a $2/minute loop from 15:20 UTC on an ordinary day,
 * per fake provider (OpenAI; Anthropic with and without the spend-limits beta), runs every 15 and
 * every 5 minutes, `auto` and `approve`: when the email went out, when the freeze was written, when
 * the last dollar was spent and what the loop cost. Then what a 5-minute schedule costs in AWS next
 * to the 15-minute default, from the same runs' measured durations and DynamoDB units.
 *
 * DynamoDB Local (not an in-memory store): the runs go through the real adapters, conditional writes
 * and transactions included, and DynamoDB Local reports the consumed capacity the cost table needs.
 */
export async function guardBench(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  const ses = await startSesLocal();
  // processDeps builds its AWS clients from the SDK's standard variables, as in the Lambda.
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const admin = localDynamoClient(ddb.endpoint);
  try {
    const doc = documentClient('us-east-1');
    const capacity = countCapacity(doc);
    console.log(
      '## Guard: a $2/minute loop from 15:20 UTC on an ordinary day; fakes enforce a limit 5 minutes after it is written; usage visible 5 minutes after use',
    );
    const cases: GuardCase[] = GUARD_SETUPS.flatMap((setup) =>
      ([15, 5] as const).flatMap((periodMinutes) =>
        (['auto', 'approve'] as const).map((mode) => ({ setup, periodMinutes, mode })),
      ),
    );
    const rows: Array<{ c: GuardCase; r: CaseResult }> = [];
    let n = 0;
    for (const c of cases) {
      const table = `guard-bench-${++n}`;
      await ensureTable(admin, table);
      const r = await runCase(c, { doc, table, ses, capacity });
      rows.push({ c, r });
    }
    printLoopTable(rows);
    await startSweep({ doc, ses, capacity, admin });
    printCostTable(rows.map((x) => ({ period: x.c.periodMinutes, runs: x.r.runs })));
    if (capacity.unreported() > 0)
      console.log(`(${capacity.unreported()} DynamoDB requests came back without ConsumedCapacity)`);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    admin.destroy();
    documentClient('us-east-1').destroy();
    await ses.stop();
    await ddb.stop();
  }
}

/**
 * 15:20 happens to put the loop's 10th minute (when a 5-minute-old usage report first shows $10 in
 * the hour) on the 15-minute grid, so both schedules catch it at the same run. The same `auto` case
 * (OpenAI) for each start minute 15:20..15:34, i.e. every phase of the loop against the 15-minute
 * grid, runs 14:00-17:00: best, mean and worst over the 15 starts.
 */
async function startSweep(ctx: {
  doc: ReturnType<typeof documentClient>;
  ses: Awaited<ReturnType<typeof startSesLocal>>;
  capacity: ReturnType<typeof countCapacity>;
  admin: ReturnType<typeof localDynamoClient>;
}) {
  const setup = GUARD_SETUPS[0];
  if (!setup) return;
  console.log(
    `\n### Every start minute 15:20-15:34 (${setup.name}, auto; runs 14:00-17:00): best / mean / worst over the 15 starts`,
  );
  console.log('\n| Runs every | Email (min) | Last dollar (min) | Loop cost | Starts meeting the target |');
  console.log('|---|---|---|---|---|');
  let n = 0;
  for (const periodMinutes of [15, 5] as const) {
    const figures: LoopFigures[] = [];
    for (let k = 0; k < 15; k++) {
      const table = `guard-sweep-${++n}`;
      await ensureTable(ctx.admin, table);
      const r = await runCase(
        {
          setup,
          periodMinutes,
          mode: 'auto',
          loopStart: LOOP_START + k * MINUTE,
          from: DAY_START + 14 * HOUR,
          to: DAY_START + 17 * HOUR,
        },
        { doc: ctx.doc, table, ses: ctx.ses, capacity: ctx.capacity },
      );
      if (r.problems.length > 0) console.log(`start +${k} min: ${r.problems.join('; ')}`);
      figures.push(r.figures);
    }
    const span = (xs: number[], f: (x: number) => string) =>
      `${f(Math.min(...xs))} / ${f(mean(xs))} / ${f(Math.max(...xs))}`;
    const one = (x: number) => `${Math.round(x * 10) / 10}`;
    console.log(
      `| ${periodMinutes} min | ${span(
        figures.map((f) => f.toEmailMin ?? Number.NaN),
        one,
      )} | ${span(
        figures.map((f) => f.toLastDollarMin),
        one,
      )} | ${span(
        figures.map((f) => f.loopUsd),
        usd,
      )} | ${figures.filter((f) => meetsTarget(f)).length} of 15 |`,
    );
  }
}

const min = (m: number | undefined) => (m === undefined ? 'never' : `${Math.round(m * 10) / 10}`);
const usd = (x: number) => `$${x.toFixed(2)}`;

function printLoopTable(rows: Array<{ c: GuardCase; r: CaseResult }>) {
  console.log(
    '\n| Provider | Runs every | Mode | Email (min) | Freeze (min) | Last dollar (min) | Loop cost | Target (auto, 5 min: ≤ 20 min, < $40) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { c, r } of rows) {
    const f: LoopFigures = r.figures;
    const target = c.mode === 'auto' && c.periodMinutes === 5 ? (meetsTarget(f) ? 'met' : '**missed**') : '-';
    console.log(
      `| ${c.setup.name} | ${c.periodMinutes} min | ${c.mode} | ${min(f.toEmailMin)} | ${min(f.toFreezeMin)} | ${min(f.toLastDollarMin)} | ${usd(f.loopUsd)} | ${target} |`,
    );
  }
  for (const { c, r } of rows) {
    if (r.problems.length > 0)
      console.log(`${c.setup.name}, ${c.periodMinutes} min, ${c.mode}: ${r.problems.join('; ')}`);
  }
  const writes = rows.map(({ r }) => r.providerWrites);
  console.log(
    `\nProvider writes per case: ${writes.join(', ')} (one freeze each: 1 limit write, or 2 key switches); emails in SES per case: ${rows.map(({ r }) => r.emails).join(', ')}`,
  );
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, x) => a + x, 0) / xs.length;
}

function printCostTable(cases: Array<{ period: number; runs: RunSample[] }>) {
  const costs = ([15, 5] as const).map((period) => {
    // Every run of the day but each case's first (its 90-day backfill happens once, not every run).
    const runs = cases.filter((x) => x.period === period).flatMap((x) => x.runs.slice(1));
    const input = {
      periodMinutes: period,
      syncMs: mean(runs.map((r) => r.syncMs)),
      syncMemoryMb: SYNC_MEMORY_MB,
      dispatchMs: mean(runs.map((r) => r.dispatchMs)),
      dispatchMemoryMb: DISPATCH_MEMORY_MB,
      readUnits: mean(runs.map((r) => r.readUnits)),
      writeUnits: mean(runs.map((r) => r.writeUnits)),
      sqsRequests: 3,
      secretsCalls: 1,
      traces: 2,
    };
    return { period, input, cost: monthlyCost(input, AWS_PRICES) };
  });
  console.log(
    '\n## Guard: AWS cost of the schedule, one account, 30-day month (us-east-1 list prices, no free tier)',
  );
  for (const { period, input, cost } of costs)
    console.log(
      `every ${period} min: ${cost.runs} runs; measured per run: sync ${input.syncMs.toFixed(0)} ms, dispatch ${input.dispatchMs.toFixed(0)} ms, ${input.readUnits.toFixed(1)} RRU, ${input.writeUnits.toFixed(1)} WRU`,
    );
  console.log(`\n| Item | every 15 min (default) | every 5 min |`);
  console.log('|---|---|---|');
  const [a, b] = costs;
  if (!a || !b) return;
  a.cost.lines.forEach((line, i) => {
    const other = b.cost.lines[i];
    const q = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
    console.log(
      `| ${line.item} | ${q(line.quantity)} ${line.unit} = $${line.usd.toFixed(4)} | ${q(other?.quantity ?? 0)} ${line.unit} = $${(other?.usd ?? 0).toFixed(4)} |`,
    );
  });
  console.log(`| **Total** | **$${a.cost.totalUsd.toFixed(3)}** | **$${b.cost.totalUsd.toFixed(3)}** |`);
  const slow = costs.map(({ input }) => monthlyCost({ ...input, syncMs: 1500 }, AWS_PRICES).totalUsd);
  console.log(
    `\nIf each sync took 1.5 s (provider round trips over the internet; not measured here): $${slow[0]?.toFixed(3)} and $${slow[1]?.toFixed(3)} a month.`,
  );
  console.log(`\nPrices (us-east-1, taken ${AWS_PRICES_TAKEN}): ${priceLines().join('; ')}.`);
  console.log(
    'Counted, not measured: 2 invocations per run (dispatch, sync), 3 SQS requests (send, receive, delete), 1 Secrets Manager read (the key is cached 300 s, no longer than a 5-minute gap), 2 traces (ACTIVE tracing, 1/s reservoir). Durations are this machine against local emulators and fakes: real provider round trips make the sync longer.',
  );
}
