import type { Command } from 'commander';

/** `burnrate doctor`: read-only checks of the whole setup, with the fix for each failure. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check the setup read-only: table, config items, admin keys, provider answers, SES sender and recipients',
    )
    .option('--account <id>', 'check only this account (the table and SES checks still run)')
    .option('--json', 'print { ok, checks: [{ id, account?, status, ok, summary, fix?, details? }] }')
    .action(async (o: { account?: string; json?: boolean }) => {
      const { parseEnvironment } = await import('../../shared/config/environment.ts');
      const { doctorDeps } = await import('../../shared/compose-doctor.ts');
      const { runDoctor, formatDoctorReport } = await import('../../shared/use-cases/doctor.ts');
      const deps = doctorDeps(parseEnvironment());
      try {
        const report = await runDoctor(deps, o.account === undefined ? {} : { accountId: o.account });
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
        if (!report.ok) process.exitCode = 1;
      } finally {
        deps.stop();
      }
    });
}
