import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { parseInstant } from '../../shared/core/time.ts';
import { reconciledText, usd, usdMicros } from '../../shared/email/format.ts';
import type { ReconciledRecord } from '../../shared/ports.ts';
import { type AccountConfig, projectOfScope } from '../../shared/schemas/account-config.ts';
import { deliveredEverywhere } from '../../shared/use-cases/delivery-groups.ts';
import { enteredThisMonth, rechargeCell } from './format-status.ts';

/** Entered recharges (grant items with `"recharge": true`), by id, with their effective instant. */
function enteredRecharges(grants: ReadonlyArray<Record<string, unknown>>) {
  return grants
    .filter((g) => g.recharge === true && typeof g.id === 'string')
    .map((g) => ({
      id: String(g.id),
      recharge: true,
      effectiveAt: parseInstant(String(g.effectiveAt)) ?? Number.NaN,
    }));
}

/** The snapshot's grants with `"recharge": true` on the entered recharges (the snapshot leaves it out). */
function markEntered(snapshot: Record<string, unknown>, ids: ReadonlySet<string>) {
  const grants = snapshot.grants;
  if (!Array.isArray(grants) || ids.size === 0) return snapshot;
  return {
    ...snapshot,
    grants: grants.map((g: Record<string, unknown>) =>
      ids.has(String(g.id)) ? { ...g, recharge: true } : g,
    ),
  };
}

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
      const { projectNames } = await import('../../shared/use-cases/project-names.ts');
      const rows: Array<Record<string, unknown>> = [];
      const byProject: string[] = [];
      const { frozenLines } = await import('../../shared/email/guard-text.ts');
      const now = Date.now();
      const enteredByAccount = new Map<string, ReturnType<typeof enteredRecharges>>();
      for (const a of accounts) {
        const items = await port.loadAccount(a.id);
        const names = projectNames(items);
        const entered = enteredRecharges(items.grants);
        // A freeze in force, until it is released: "Search frozen since 03:10 UTC at $57.20 (hard limit)".
        const frozen = frozenLines(
          items.freezes ?? [],
          (items.config ?? { id: a.id }) as unknown as AccountConfig,
          now,
          names,
        );
        const latest = [...items.costs]
          .sort((x, y) => (x.day < y.day ? 1 : -1))
          .find((c) => c.kind === 'actual');
        rows.push({
          accountId: a.id,
          enabled: a.enabled,
          lastSyncAt: items.state?.lastSyncAt ?? null,
          ...markEntered(items.state?.snapshot ?? {}, new Set(entered.map((g) => g.id))),
          // Not yet delivered to every recipient group it was meant for (account, project leads).
          pendingAlerts: items.alerts.filter((x) => !deliveredEverywhere(x)).map((x) => x.key),
          latestDayByScope: latest ? { day: latest.day, byScope: latest.byScope } : null,
          projectNames: Object.fromEntries(names),
          reconciled: items.reconciled ?? null,
          frozen,
        });
        for (const line of frozen) byProject.push(`${a.id}: ${line}`);
        enteredByAccount.set(a.id, entered);
        if (latest && Object.keys(latest.byScope).length > 0)
          byProject.push(
            `${a.id} by project on ${latest.day}: ${scopeLine(latest.byScope, names, items.config)}`,
          );
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
            ? rechargeCell(
                s as Parameters<typeof rechargeCell>[0],
                enteredThisMonth(enteredByAccount.get(String(r.accountId)) ?? [], Date.parse(String(r.at))),
              )
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
          .join('\n')}\n${byProject.map((line) => `${line}\n`).join('')}`,
      );
    });
}

/** `Chatbot (proj_chatbot) $8.40, Batch jobs (proj_batch) $3.60`: the latest day's split, by name. */
function scopeLine(
  byScope: Record<string, number>,
  names: ReadonlyMap<string, string>,
  config: Record<string, unknown> | undefined,
): string {
  const provider = config?.provider === 'anthropic' ? 'anthropic' : 'openai';
  const own = (config?.projects ?? {}) as Record<string, { name?: unknown }>;
  return Object.entries(byScope)
    .sort(([, a], [, b]) => b - a)
    .map(([scope, micros]) => {
      const id = projectOfScope(provider, scope);
      const name = typeof own[id]?.name === 'string' ? (own[id]?.name as string) : names.get(id);
      const label = id === '(none)' ? '(no project)' : name && name !== id ? `${name} (${id})` : id;
      return `${label} ${usdMicros(micros)}`;
    })
    .join(', ');
}
