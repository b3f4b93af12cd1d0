import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { parseInstant } from '../../shared/core/time.ts';
import { usd } from '../../shared/email/format.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import type { DriftReport } from '../../shared/use-cases/checkpoint.ts';

/** `checkpoint`: re-anchor an account to the provider's billing page, with a drift report. */
export function registerCheckpoint(program: Command): void {
  program
    .command('checkpoint')
    .description(
      'Re-anchor an account to the billing page: each grant’s remaining at one instant (or the page’s total), with a drift report',
    )
    .requiredOption('--account <id>', 'account id')
    .argument('[figures...]', 'GRANT=REMAINING for each grant on the billing page, e.g. g1=61.37')
    .option('--at <instant>', 'when the page was read (ISO 8601; default now)')
    .option(
      '--add <grant>',
      'a grant the page lists and burnrate does not have: ID,AMOUNT,EFFECTIVE[,EXPIRES] (repeatable; also give ID=REMAINING)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--recharge <grant>',
      'a card charge auto-recharge made before --at, off the billing page: ID,AMOUNT,EFFECTIVE[,EXPIRES] (repeatable; also give ID=REMAINING); it counts toward its month’s limit',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--balance <usd>', 'the page’s total instead of per-grant figures (Anthropic)')
    .option('--dry-run', 'print the drift report, write nothing')
    .option('--now <instant>', 'pretend the time is this ISO 8601 instant (for replays and tests)')
    .option('--json', 'print the drift report as JSON')
    .action(
      async (
        figures: string[],
        o: {
          account: string;
          at?: string;
          add: string[];
          recharge: string[];
          balance?: string;
          dryRun?: boolean;
          json?: boolean;
          now?: string;
        },
      ) => {
        const env = parseEnvironment();
        const fixed = o.now === undefined ? undefined : parseInstant(o.now);
        if (o.now !== undefined && fixed === undefined) {
          throw new InvalidInputError([
            `--now: expected an ISO 8601 instant such as 2026-07-01T00:00:00Z, got "${o.now}"`,
          ]);
        }
        const { checkpointPort } = await import('../../shared/compose.ts');
        const { checkpointAccount } = await import('../../shared/use-cases/checkpoint.ts');
        let attempts = 0;
        const { report, written } = await checkpointAccount(
          { store: checkpointPort(env), now: () => (fixed === undefined ? new Date() : new Date(fixed)) },
          {
            accountId: o.account,
            at: o.at,
            figures,
            adds: o.add,
            recharges: o.recharge,
            balance: o.balance,
            dryRun: o.dryRun === true,
          },
          (r) => {
            // Printed before each write attempt; a second one means the account changed meanwhile.
            if (attempts++ > 0) process.stderr.write('account changed while checkpointing: recomputed\n');
            if (!o.json) process.stdout.write(formatDriftReport(r));
          },
        );
        if (o.json) process.stdout.write(`${JSON.stringify({ ...report, written }, null, 2)}\n`);
        else
          process.stdout.write(
            written
              ? `written: every checkpoint of ${report.accountId} now at ${report.at}; the next sync replays from there\n`
              : 'dry run: nothing written\n',
          );
      },
    );
}

const signed = (amount: number) => (amount > 0 ? `+${usd(amount)}` : usd(amount));

/** Left column padded, the others right-aligned. */
function alignColumns(table: string[][]): string[] {
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  return table.map((row) =>
    row
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Card charges entered against the ones modelled on the same days. */
function rechargeLines(c: NonNullable<DriftReport['recharges']>): string[] {
  const table = [['recharge day', 'burnrate', 'billing page', 'entered']];
  for (const d of c.days) {
    const modelled = d.burnrateCharges > 0 ? `${usd(d.burnrateUsd)} (${d.burnrateCharges})` : '-';
    const page = d.entered.length > 0 ? `${usd(d.billingPageUsd)} (${d.entered.length})` : '-';
    table.push([d.day, modelled, page, d.entered.join(' ') || '-']);
  }
  return [
    `recharges ${c.from} to ${c.through}: burnrate modelled ${usd(c.burnrateUsd)} in ${c.burnrateCharges} ` +
      `card charge(s), the billing page lists ${usd(c.billingPageUsd)} in ${c.billingPageCharges}`,
    ...alignColumns(table),
  ];
}

/** The drift report as people read it: per grant, burnrate's figure next to the page's. */
export function formatDriftReport(r: DriftReport): string {
  const table = [['grant', 'burnrate', 'billing page', 'difference']];
  for (const row of r.rows) {
    const name =
      row.modelled === undefined
        ? row.grant
        : `recharges (modelled: ${row.modelled.join(' ') || 'none'}; added: ${row.added?.join(' ') || 'none'})`;
    table.push([name, usd(row.burnrateUsd), usd(row.billingPageUsd), signed(row.differenceUsd)]);
  }
  const lines = alignColumns(table);
  return `${[
    `drift report: account ${r.accountId} at ${r.at} (burnOrder ${r.burnOrder})`,
    ...(r.balanceSplit
      ? [
          `--balance split by burn order: ${Object.entries(r.balanceSplit)
            .map(([id, v]) => `${id} ${usd(v)}`)
            .join(', ')}`,
        ]
      : []),
    ...lines,
    `total drift (absolute): ${usd(r.totalDriftUsd)}`,
    ...(r.recharges ? rechargeLines(r.recharges) : []),
    `by burn order: ${Object.entries(r.byOrder)
      .map(([order, v]) => `${order} ${usd(v)}`)
      .join(', ')}`,
    r.verdict,
    ...r.hints.map((h) => `hint: ${h}`),
  ].join('\n')}\n`;
}
