import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import type { GuardTrail } from '../../shared/use-cases/guard-trail.ts';

const BY = 'cli';

/**
 * `burnrate guard freeze|release|list`: the guard by hand. Freeze and release are the use case the
 * approval page calls (idempotent, audited, the prior state stored first); exit 1 when the provider
 * refused, so a script notices.
 */
export function registerGuardCommands(program: Command): void {
  const guard = program
    .command('guard')
    .description("Freeze a runaway project through the provider's hard limit, undo it, see the audit trail");
  guard
    .command('freeze')
    .description(
      'Freeze a project now: its hard monthly limit to month to date + headroom (Anthropic without the beta: its keys that spent off)',
    )
    .requiredOption('--account <id>', 'the account')
    .requiredOption('--project <id>', 'the project (OpenAI proj_…) or workspace (Anthropic wrkspc_…)')
    .option('--dry-run', 'read the provider and say what would be done; write nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: { account: string; project: string; dryRun?: boolean; json?: boolean }) => {
      const { guardUseCaseDeps } = await import('../../shared/compose.ts');
      const { freezeProject } = await import('../../shared/use-cases/guard-freeze.ts');
      const r = await freezeProject(guardUseCaseDeps(parseEnvironment()), {
        accountId: o.account,
        projectId: o.project,
        by: BY,
        dryRun: o.dryRun === true,
      });
      print(o.json, { ...r.outcome, writes: r.writes, record: r.record });
      if (r.outcome.state === 'failed') process.exitCode = 1;
    });
  guard
    .command('release')
    .description('Undo a freeze: restore the exact prior limit (or none), or switch the keys back on')
    .requiredOption('--account <id>', 'the account')
    .requiredOption('--project <id>', 'the project or workspace')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: { account: string; project: string; json?: boolean }) => {
      const { guardUseCaseDeps } = await import('../../shared/compose.ts');
      const { releaseProject } = await import('../../shared/use-cases/guard-release.ts');
      const r = await releaseProject(guardUseCaseDeps(parseEnvironment()), {
        accountId: o.account,
        projectId: o.project,
        by: BY,
      });
      print(o.json, { ...r.outcome, writes: r.writes, record: r.record });
    });
  guard
    .command('list')
    .description(
      "The guard's audit trail (and hard-limit changes), oldest first, and each project's freeze now",
    )
    .requiredOption('--account <id>', 'the account')
    .option('--json', 'print { steps, freezes } as JSON')
    .action(async (o: { account: string; json?: boolean }) => {
      const { guardUseCaseDeps } = await import('../../shared/compose.ts');
      const { guardTrail } = await import('../../shared/use-cases/guard-trail.ts');
      const trail = await guardTrail(guardUseCaseDeps(parseEnvironment()), o.account);
      process.stdout.write(o.json ? `${JSON.stringify(trail, null, 2)}\n` : formatTrail(trail));
    });
}

function print(
  json: boolean | undefined,
  outcome: { state: string; message: string; [k: string]: unknown },
): void {
  process.stdout.write(
    json ? `${JSON.stringify(outcome, null, 2)}\n` : `${outcome.state}: ${outcome.message}\n`,
  );
}

/** One line per step, then where each project's freeze stands. */
export function formatTrail(t: GuardTrail): string {
  const rows = [
    ['at', 'scope', 'step', 'by', 'what'],
    ...t.steps.map((s) => [s.at, s.scope, s.step, s.by, s.detail]),
  ];
  // The last column (what) is free text: it is not padded.
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => (i === 4 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const now = t.freezes.map((z) => `${z.name} (${z.projectId}): ${z.state}`);
  return `${[
    ...(t.steps.length ? lines : [`account ${t.accountId}: no guard step or hard-limit change recorded yet`]),
    '',
    ...(now.length ? now : ['no project has been frozen or proposed for a freeze']),
  ].join('\n')}\n`;
}
