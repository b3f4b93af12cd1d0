import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { reconciledText, usd } from '../../shared/email/format.ts';
import type { ReconciledRecord } from '../../shared/ports.ts';
import { rechargeCell } from './format-status.ts';

/** `status`: the figures of each account's last sync, as stored (no provider call). */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show each account’s figures from its last sync (balance, burn, runway, expiries, alerts)')
    .option('--json', 'print the stored snapshots as JSON')
    .action(async (o: { json?: boolean }) => {
      const env = parseEnvironment();
      const { adminPort } = await import('../../shared/compose.ts');
      const port = adminPort(env);
      const accounts = await port.listAccounts();
      const rows: Array<Record<string, unknown>> = [];
      for (const a of accounts) {
        const items = await port.loadAccount(a.id);
        const latest = [...items.costs]
          .sort((x, y) => (x.day < y.day ? 1 : -1))
          .find((c) => c.kind === 'actual');
        rows.push({
          accountId: a.id,
          enabled: a.enabled,
          lastSyncAt: items.state?.lastSyncAt ?? null,
          ...(items.state?.snapshot ?? {}),
          pendingAlerts: items.alerts.filter((x) => x.status !== 'sent').map((x) => x.key),
          latestDayByScope: latest ? { day: latest.day, byScope: latest.byScope } : null,
          reconciled: items.reconciled ?? null,
        });
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const table = [
        [
          'account',
          'balance',
          'burn/day',
          'runway',
          'at risk',
          'auto-recharge',
          'last sync',
          'last reconciled',
        ],
      ];
      for (const r of rows) {
        const s = r as {
          balanceUsd?: number;
          burnRateUsdPerDay?: number;
          runwayDays?: number | null;
          grants?: Array<{ atRiskUsd: number | null }>;
          lastSyncAt: string | null;
          reconciled: ReconciledRecord | null;
          autoRecharge?: unknown;
        } & Partial<Parameters<typeof rechargeCell>[0]>;
        const atRisk = s.grants?.reduce((sum, g) => sum + (g.atRiskUsd ?? 0), 0);
        table.push([
          String(r.accountId),
          s.balanceUsd === undefined ? '-' : usd(s.balanceUsd),
          s.burnRateUsdPerDay === undefined ? '-' : usd(s.burnRateUsdPerDay),
          s.runwayDays == null ? '-' : `${s.runwayDays} d`,
          atRisk === undefined ? '-' : usd(atRisk),
          s.autoRecharge && s.rechargesThisMonth !== undefined
            ? rechargeCell(s as Parameters<typeof rechargeCell>[0])
            : '-',
          s.lastSyncAt ?? 'never',
          s.reconciled ? reconciledText(s.reconciled) : 'never',
        ]);
      }
      const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
      process.stdout.write(
        `${table
          .map((row) =>
            row
              .map((c, i) => c.padEnd(widths[i] ?? 0))
              .join('  ')
              .trimEnd(),
          )
          .join('\n')}\n`,
      );
    });
}
