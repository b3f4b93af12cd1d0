import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { toOutputFigures } from '../../shared/core/derived.ts';
import { parseInstant } from '../../shared/core/time.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { runAll } from '../../shared/use-cases/run-all.ts';
import type { PassOutcome } from '../../shared/use-cases/run-with-upkeep.ts';
import { formatOutcomes } from './format-status.ts';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('One pass over all enabled accounts: pull costs, update the ledger, record due alerts')
    .option('--account <id>', 'only this account')
    .option('--now <instant>', 'pretend the time is this ISO 8601 instant (for replays and tests)')
    .option('--concurrency <n>', 'accounts synced at once (default BURNRATE_CONCURRENCY or 8)')
    .option('--json', 'print the outcomes as JSON')
    .action(async (opts: { account?: string; now?: string; concurrency?: string; json?: boolean }) => {
      const env = parseEnvironment();
      const fixed = opts.now === undefined ? undefined : parseInstant(opts.now);
      if (opts.now !== undefined && fixed === undefined) {
        throw new InvalidInputError([
          `--now: expected an ISO 8601 instant such as 2026-07-01T00:00:00Z, got "${opts.now}"`,
        ]);
      }
      const concurrency =
        opts.concurrency === undefined ? env.BURNRATE_CONCURRENCY : Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new InvalidInputError([
          `--concurrency: expected a positive integer, got "${opts.concurrency}"`,
        ]);
      }
      // Loaded on use: `simulate` and `--help` should not pay for the AWS SDK.
      const { adminPort, processDeps, upkeepDeps } = await import('../../shared/compose.ts');
      const { upkeepThenProcess } = await import('../../shared/use-cases/run-with-upkeep.ts');
      const { checkEnvKeyScope, envKeyProviders } = await import('../../shared/use-cases/env-key-scope.ts');
      await checkEnvKeyScope(adminPort(env), envKeyProviders(env), {
        accountId: opts.account,
        remedy: (variable) =>
          `Sync them one at a time with --account <id>, or unset ${variable} so that each account reads its own key from Secrets Manager (adminKeySecret, default burnrate/<id>).`,
      });
      const now = fixed === undefined ? () => new Date() : () => new Date(fixed);
      const deps = processDeps(env, { now });
      const upkeep = upkeepDeps(env, { now });
      if (!deps.delivery)
        process.stderr.write('BURNRATE_SENDER is not set: due alerts are recorded, not emailed\n');
      let done = 0;
      const outcomes = await runAll(deps.store, (id) => upkeepThenProcess({ process: deps, upkeep }, id), {
        accountId: opts.account,
        concurrency,
        onOutcome: () => {
          done++;
          if (process.stderr.isTTY) process.stderr.write(`\rsynced ${done} account(s)`);
        },
      });
      if (process.stderr.isTTY && done > 0) process.stderr.write('\n');
      process.stdout.write(
        opts.json ? `${JSON.stringify(outcomes.map(toJson), null, 2)}\n` : formatOutcomes(outcomes),
      );
      // Undelivered alerts stay due (the next run retries them) but are a failure of this run:
      // say which account, how many keys and what SES (or SNS) answered.
      const undelivered = outcomes.filter((o) => o.deliveryError || o.publishError);
      for (const o of undelivered) {
        for (const error of o.deliveryErrors ?? (o.deliveryError ? [o.deliveryError] : []))
          process.stderr.write(`burnrate: ${deliveryLine(o.accountId, error)}\n`);
        if (o.publishError)
          process.stderr.write(
            `burnrate: account ${o.accountId}: chat message(s) not published (the email went out): ${o.publishError.message}\n`,
          );
      }
      // Reported, not a failure of the run: the other keys were delivered.
      for (const o of outcomes.filter((x) => x.unreadable))
        process.stderr.write(
          `burnrate: account ${o.accountId}: stored alert key(s) this version cannot read, left as they are: ${o.unreadable?.keys.join(', ')}\n`,
        );
      if (outcomes.some((o) => o.status === 'failed') || undelivered.length > 0) process.exitCode = 1;
      else if (outcomes.some((o) => o.status === 'invalid')) process.exitCode = 2;
    });
}

function toJson(o: PassOutcome) {
  const base = {
    accountId: o.accountId,
    status: o.status,
    sent: o.sent,
    ...(o.operator && { operatorAlert: o.operator }),
    ...(o.upkeep && { upkeep: upkeepJson(o.upkeep) }),
  };
  if (o.status === 'ok') {
    const r = o.result;
    return {
      ...base,
      figures: toOutputFigures(r.figures, new Date(r.figures.at).toISOString()),
      due: r.due.map((a) => a.key),
      writtenDays: r.writtenDays,
      writeRequests: r.writeRequests,
      unpricedModels: r.unknownModels,
      ...(o.deliveryError && {
        deliveryError: o.deliveryError.message,
        ...((o.deliveryErrors?.length ?? 0) > 1 && {
          deliveryErrors: o.deliveryErrors?.map((e) => e.message),
        }),
        undelivered: o.undelivered ?? [],
      }),
      ...(o.unreadable && { unreadable: o.unreadable.keys }),
      published: o.published ?? [],
      ...(o.publishError && { publishError: o.publishError.message }),
      messages: o.messages ?? [],
    };
  }
  if (o.status === 'invalid') return { ...base, problems: o.problems };
  return { ...base, error: o.error.message };
}

function deliveryLine(accountId: string, error: Error): string {
  return error.message.startsWith(`account ${accountId}:`)
    ? error.message
    : `account ${accountId}: due alerts not delivered: ${error.message}`;
}

function upkeepJson(u: NonNullable<PassOutcome['upkeep']>) {
  if (u.status !== 'done') return { status: u.status };
  return {
    status: u.status,
    ...(u.listed !== undefined && { listed: u.listed }),
    ...(u.limits && {
      raised: u.limits.raised,
      unavailable: u.limits.unavailable,
      unknown: u.limits.unknown,
      notices: u.limits.notices,
    }),
    errors: u.errors,
  };
}
