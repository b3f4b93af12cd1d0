import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { formatOutcomes } from './format-status.ts';

/** `npm start`: burnrate on this machine, on local emulators, with no AWS account. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'Run burnrate locally: DynamoDB Local, the SES emulator and (without OPENAI_ADMIN_KEY) a demo',
    )
    .option('--once', 'run one pass and exit')
    .option('--fresh', 'forget the local state kept in .burnrate/ from earlier runs')
    .option('--interval <minutes>', 'minutes between passes', '15')
    .action(async (o: { once?: boolean; fresh?: boolean; interval: string }) => {
      const interval = Number(o.interval);
      if (!(interval > 0))
        throw new InvalidInputError([`--interval: expected minutes > 0, got "${o.interval}"`]);
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const { startLocalServices, demoAccounts, saveNewEmails } = await import(
        '../../shared/local/local-run.ts'
      );
      const services = await startLocalServices(
        {
          once: o.once === true,
          fresh: o.fresh === true,
          intervalMinutes: interval,
          stateDir: join(process.cwd(), '.burnrate'),
        },
        log,
      );
      let stopping = false;
      const shutdown = async (code: number) => {
        if (stopping) return;
        stopping = true;
        await services.stop();
        process.exit(code);
      };
      process.once('SIGINT', () => void shutdown(0));
      process.once('SIGTERM', () => void shutdown(0));
      try {
        const { parseEnvironment } = await import('../../shared/config/environment.ts');
        const { adminPort, processDeps, upkeepDeps } = await import('../../shared/compose.ts');
        const { ensureTable } = await import('../../shared/store/table.ts');
        const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
        const { upkeepThenProcess } = await import('../../shared/use-cases/run-with-upkeep.ts');
        const { runAll } = await import('../../shared/use-cases/run-all.ts');
        const { checkEnvKeyScope, envKeyProviders } = await import('../../shared/use-cases/env-key-scope.ts');
        const env = parseEnvironment();
        const ddb = new DynamoDBClient({ region: env.AWS_REGION });
        await ensureTable(ddb, env.BURNRATE_TABLE);
        ddb.destroy();
        const admin = adminPort(env);
        if (services.demo) {
          for (const { config, grants } of demoAccounts(Date.now())) {
            if (await admin.getConfig(config.id)) continue;
            await admin.putConfig(config);
            for (const g of grants) await admin.putGrant(config.id, g);
            log(`DEMO: seeded account ${config.id} (${config.provider}) with ${grants.length} grant(s)`);
          }
        } else if ((await admin.listAccounts()).length === 0) {
          log(
            'No accounts yet. Add one: npx burnrate account put my-account.json, then npx burnrate grant add --account ID --amount 500 --effective 2026-01-15',
          );
        }
        // The doctor checks run beside the first pass (not before it) and print after it.
        const doctor = quietDoctor(env);
        const deps = processDeps(env, { demo: services.demo });
        const upkeep = upkeepDeps(env);
        const seen = new Set<string>();
        const { guardLinkMaker } = await import('../../shared/guard/compose-guard.ts');
        const links = guardLinkMaker(env);
        const pass = async () => {
          // Every pass: accounts can be added while this runs. The first refusal stops `start` (exit 2).
          await checkEnvKeyScope(admin, envKeyProviders(env), {
            remedy: (variable) =>
              `Keep one account per provider in this table while ${variable} is set (burnrate run --account <id> syncs one of several), or unset it so that each account reads its own key from Secrets Manager.`,
          });
          const started = new Date();
          const outcomes = await runAll(
            deps.store,
            (id) => upkeepThenProcess({ process: deps, upkeep }, id),
            {
              concurrency: env.BURNRATE_CONCURRENCY,
            },
          );
          log(`\n${services.demo ? '[DEMO DATA] ' : ''}pass at ${started.toISOString()}`);
          process.stdout.write(formatOutcomes(outcomes));
          // A freeze this pass made: its Undo on the local guard page (the email has the same link).
          for (const o of outcomes)
            for (const z of ('guard' in o && o.guard?.frozen) || []) {
              const l = await links({ accountId: o.accountId, ...z }, new Date());
              if (l) log(`  guard: undo ${z.projectId} on the page: ${l.undo}`);
            }
          const saved = await saveNewEmails(
            services.sesWebPage,
            join(process.cwd(), '.burnrate', 'emails'),
            seen,
          );
          for (const [subject, file] of saved) log(`  email: ${subject}\n         ${file}`);
          log(`Emails: ${services.sesWebPage} (the SES emulator's page, while this runs; JSON at /store)`);
        };
        await pass();
        const failedChecks = await doctor;
        if (failedChecks) log(failedChecks);
        if (o.once) return void (await shutdown(0));
        log(`\nNext pass every ${interval} min; Ctrl-C stops burnrate and everything it started.`);
        setInterval(
          () => void pass().catch((e: Error) => log(`pass failed: ${e.message}`)),
          interval * 60_000,
        );
      } catch (error) {
        await services.stop();
        throw error;
      }
    });
}

/** The `burnrate doctor` checks, quietly: only what fails is printed (with its fix). */
async function quietDoctor(
  env: import('../../shared/config/environment.ts').Environment,
): Promise<string | undefined> {
  const { doctorDeps } = await import('../../shared/compose-doctor.ts');
  const { runDoctor, formatDoctorReport } = await import('../../shared/use-cases/doctor.ts');
  const deps = doctorDeps(env);
  try {
    const failed = formatDoctorReport(await runDoctor(deps), { only: ['fail'] });
    return failed ? `doctor (npx burnrate doctor for every check):\n${failed.trimEnd()}` : undefined;
  } catch (error) {
    return `doctor: ${(error as Error).message}`;
  } finally {
    deps.stop();
  }
}
