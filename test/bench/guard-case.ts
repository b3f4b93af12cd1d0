import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { processDeps } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { guardDeps } from '../../shared/guard/compose-guard.ts';
import { handleGuardRequest } from '../../shared/guard/handler.ts';
import type { SesLocal } from '../../shared/local/ses-local.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { dispatchAccounts } from '../../shared/use-cases/dispatch.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';
import { type GuardSetup, startGuardFake } from '../support/guard-setup.ts';
import { seedAccount } from '../support/seed.ts';
import type { CapacityCounter } from './dynamo-capacity.ts';
import { type LoopFigures, loopFigures } from './guard-figures.ts';
import { DAY_START, daySpend, HOUR, history, LOOP_START, MINUTE, usageAt } from './guard-script.ts';

/** An approval comes this long after the email (issue 18 "Measure"). */
export const APPROVE_AFTER_MS = 10 * MINUTE;
const PROPAGATION_MS = 5 * MINUTE;
const KEY = 'guard-bench-signing-key-0123456789abcdef';

export interface GuardCase {
  setup: GuardSetup;
  periodMinutes: 5 | 15;
  mode: 'auto' | 'approve';
  /** When the loop starts (default 15:20 UTC). */
  loopStart?: number;
  /** The runs' window (default the whole day, from 00:00). */
  from?: number;
  to?: number;
}

/** Per scheduled run: what the dispatch and the sync took and used. */
export interface RunSample {
  syncMs: number;
  dispatchMs: number;
  readUnits: number;
  writeUnits: number;
}

export interface CaseResult {
  figures: LoopFigures;
  emails: number;
  providerWrites: number;
  runs: RunSample[];
  problems: string[];
}

/**
 * One case, the day run through the code the Lambdas run: every `periodMinutes` the dispatch
 * (`dispatchAccounts`) and the sync (`processAccount` with `processDeps`, the sync Lambda's
 * wiring), on an injected clock; in `approve` mode the "Freeze Search now" link from the email is
 * POSTed to the approval page's handler (`handleGuardRequest` with `guardDeps`, the guard Lambda's
 * wiring) 10 minutes after the email. DynamoDB Local, the SES emulator, the fake provider with a
 * 5-minute propagation delay.
 */
export async function runCase(
  c: GuardCase,
  ctx: { doc: DynamoDBDocumentClient; table: string; ses: SesLocal; capacity: CapacityCounter },
): Promise<CaseResult> {
  const loopStart = c.loopStart ?? LOOP_START;
  let now = c.from ?? DAY_START;
  const clock = () => new Date(now);
  const s = c.setup;
  const fake = await startGuardFake(s, 'live', () => now, PROPAGATION_MS);
  try {
    fake.setCosts(history(s));
    await ctx.ses.clear();
    await seedAccount(
      ctx.doc,
      ctx.table,
      {
        id: 'acme',
        provider: s.provider,
        name: 'Acme production',
        recipients: ['ops@acme.example'],
        projects: { [s.project]: { name: 'Search', guard: { mode: c.mode } } },
      },
      [{ id: 'g1', amountUsd: 2000, effectiveAt: '2026-10-01T00:00:00Z' }],
    );
    const env = parseEnvironment({
      BURNRATE_TABLE: ctx.table,
      AWS_REGION: 'us-east-1',
      BURNRATE_SENDER: 'burnrate@acme.example',
      BURNRATE_OPERATOR_EMAIL: 'operator@acme.example',
      BURNRATE_GUARD_URL: 'https://guard.bench.invalid/',
      BURNRATE_GUARD_KEY: KEY,
      ...(s.provider === 'openai'
        ? { OPENAI_BASE_URL: fake.baseUrl, OPENAI_ADMIN_KEY: fake.adminKey }
        : { ANTHROPIC_BASE_URL: fake.baseUrl, ANTHROPIC_ADMIN_KEY: fake.adminKey }),
    });
    const deps = processDeps(env, { now: clock });
    const page = guardDeps(env, { now: clock });
    const dispatch = {
      store: new DynamoAccountStore(ctx.doc, ctx.table),
      queue: { enqueue: async () => {} },
    };

    const result: CaseResult = {
      figures: { toLastDollarMin: 0, loopUsd: 0 },
      emails: 0,
      providerWrites: 0,
      runs: [],
      problems: [],
    };
    let emailAt: number | undefined;
    let frozenAt: number | undefined;
    let approveAt: number | undefined;
    let link: string | undefined;
    const end = c.to ?? DAY_START + 24 * HOUR;
    for (let run = c.from ?? DAY_START; run < end; run += c.periodMinutes * MINUTE) {
      if (approveAt !== undefined && approveAt <= run && frozenAt === undefined) {
        now = approveAt;
        frozenAt = (await approve(link, page, result.problems)) ? approveAt : undefined;
        approveAt = undefined;
      }
      now = run;
      fake.setUsage(usageAt(s, now, loopStart));
      ctx.capacity.reset();
      let t0 = performance.now();
      await dispatchAccounts(dispatch, `bench-${run}`);
      const dispatchMs = performance.now() - t0;
      t0 = performance.now();
      const out = await processAccount(deps, 'acme');
      const syncMs = performance.now() - t0;
      result.runs.push({ syncMs, dispatchMs, ...ctx.capacity.units() });
      if (out.status !== 'ok') {
        result.problems.push(`run at ${new Date(run).toISOString()}: ${out.status}`);
        continue;
      }
      if (emailAt === undefined && out.sent.some((k) => k.startsWith('spike:') || k.startsWith('guard:'))) {
        emailAt = run;
        if (c.mode === 'approve') {
          const text = (await ctx.ses.emails()).map((e) => e.body.text ?? '').join('\n');
          link = /Freeze Search now: (\S+)/.exec(text)?.[1];
          approveAt = run + APPROVE_AFTER_MS;
        }
      }
      if (frozenAt === undefined && out.guard?.acted.includes(`${s.project}: frozen`)) frozenAt = run;
    }
    result.emails = (await ctx.ses.emails()).length;
    result.providerWrites = fake.requests.filter((r) => r.method !== 'GET').length;
    const spend = daySpend(s, loopStart);
    const served = fake.enforcement.served(spend, (day, scope) =>
      day < '2026-11-24' && scope !== s.project ? 48_000_000 : undefined,
    );
    result.figures = loopFigures({
      loopStart,
      emailAt,
      frozenAt,
      served: spend.filter((r, i) => r.loop && served[i]),
      sliceMs: MINUTE,
    });
    return result;
  } finally {
    await fake.stop();
  }
}

/** The approver presses the email's button: a POST of the link's token to the page's handler. */
async function approve(
  link: string | undefined,
  page: ReturnType<typeof guardDeps>,
  problems: string[],
): Promise<boolean> {
  const token = link && new URL(link).searchParams.get('t');
  if (!token) {
    problems.push('approve: no "Freeze Search now" link in the email');
    return false;
  }
  const { response } = await handleGuardRequest(
    {
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      body: new URLSearchParams({ t: token, action: 'freeze' }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    },
    page,
  );
  if (response.status !== 200 || !response.body.includes('is frozen')) {
    problems.push(`approve: the page answered ${response.status}`);
    return false;
  }
  return true;
}
