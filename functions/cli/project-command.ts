import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { usd } from '../../shared/email/format.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import type { LimitView, ProjectList } from '../../shared/use-cases/list-projects.ts';

/** `burnrate project list`: the account's projects/workspaces with their figures and hard limits. */
export function registerProjectCommands(program: Command): void {
  const project = program.command('project').description('Projects (OpenAI) and workspaces (Anthropic)');
  project
    .command('list')
    .description(
      'Each project: id, name, status, month to date, budget, forecast, and the provider’s hard limit (as last read)',
    )
    .requiredOption('--account <id>', 'the account')
    .option('--live', 'read the hard limits from the provider now (GET only) instead of the stored reading')
    .option('--json', 'print as JSON')
    .action(async (o: { account: string; live?: boolean; json?: boolean }) => {
      const env = parseEnvironment();
      const { adminPort } = await import('../../shared/compose.ts');
      const { validateAccountItems } = await import('../../shared/use-cases/load-account.ts');
      const { listProjects } = await import('../../shared/use-cases/list-projects.ts');
      const items = await adminPort(env).loadAccount(o.account);
      if (!items.config) throw new InvalidInputError([`--account ${o.account}: no such account`]);
      const { config } = validateAccountItems(items);
      let list = listProjects(items, config);
      if (o.live) {
        const { readLimitsLive } = await import('../../shared/use-cases/read-limits-live.ts');
        const { secretSource, spendLimitsFor } = await import('../../shared/compose.ts');
        const key = await secretSource(env).adminKey(config);
        list = await readLimitsLive(list, spendLimitsFor(env)(config, key), new Date());
      }
      process.stdout.write(o.json ? `${JSON.stringify(list, null, 2)}\n` : formatProjectList(list));
    });
}

const limitCell = (l: LimitView): string => {
  if (l.unavailable) return 'not readable';
  if (l.providerUsd === undefined) return l.error ? 'error' : 'not read';
  return l.providerUsd === null ? 'none' : usd(l.providerUsd);
};

/** One line per project, then the organization's limit and when things were read. */
export function formatProjectList(list: ProjectList): string {
  const rows = [
    ['id', 'name', 'status', 'month to date', 'budget', 'forecast', 'hard limit', 'enforcement', 'kept at'],
    ...list.rows.map((r) => [
      r.id,
      r.name,
      r.status,
      usd(r.monthToDateUsd),
      r.budgetUsd === undefined ? '-' : usd(r.budgetUsd),
      usd(r.forecastUsd),
      limitCell(r.hardLimit),
      r.hardLimit.enforcement ?? '-',
      r.hardLimit.keptUsd === undefined ? '-' : usd(r.hardLimit.keptUsd),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const org = list.organization;
  const orgLine = `organization hard limit: ${limitCell(org)}${org.enforcement ? ` (${org.enforcement})` : ''}${org.keptUsd === undefined ? ', not kept by burnrate (no hardLimitUsd)' : `, kept at ${usd(org.keptUsd)} by burnrate`}`;
  const notes = [
    ...list.rows.flatMap((r) =>
      [r.hardLimit.error, r.hardLimit.unavailable].filter(Boolean).map((n) => `! ${r.id}: ${n}`),
    ),
    ...[org.error, org.unavailable].filter(Boolean).map((n) => `! organization: ${n}`),
  ];
  const read = org.readAt ?? list.rows.find((r) => r.hardLimit.readAt)?.hardLimit.readAt;
  return `${[
    ...lines,
    '',
    orgLine,
    `figures as of the last sync ${list.at ?? '(never synced)'}; names listed ${list.namesListedAt ?? 'never'}; limits read ${read ?? 'never'}`,
    ...notes,
  ].join('\n')}\n`;
}
