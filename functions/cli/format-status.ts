import { toOutputFigures } from '../../shared/core/derived.ts';
import { monthKey } from '../../shared/core/time.ts';
import { usd } from '../../shared/email/format.ts';
import type { PassOutcome } from '../../shared/use-cases/run-with-upkeep.ts';

/**
 * This month's recharges: "$80.00 in 1, ~$1,200.00 by month end" (and the limit day); with entered
 * recharges among them, "$230.00 in 3 (2 entered), …".
 */
export function rechargeCell(
  out: {
    rechargedThisMonthUsd: number;
    rechargesThisMonth: number;
    forecastRechargesMonthEndUsd: number;
    rechargeLimitReachedOn: string | null;
  },
  entered = 0,
): string {
  const limit = out.rechargeLimitReachedOn ? `, limit ${out.rechargeLimitReachedOn}` : '';
  const mark = entered > 0 ? ` (${entered} entered)` : '';
  return `${usd(out.rechargedThisMonthUsd)} in ${out.rechargesThisMonth}${mark}, ~${usd(out.forecastRechargesMonthEndUsd)} by month end${limit}`;
}

/** How many entered recharges (`recharge: true`) are effective in the month of `at`, by `at`. */
export function enteredThisMonth(
  grants: ReadonlyArray<{ recharge?: boolean; effectiveAt: number }>,
  at: number,
) {
  return grants.filter((g) => g.recharge && g.effectiveAt <= at && monthKey(g.effectiveAt) === monthKey(at))
    .length;
}

/** The status table printed after a run: one line per account. */
export function formatOutcomes(outcomes: readonly PassOutcome[]): string {
  const rows = [
    ['account', 'balance', 'burn/day', 'runway', 'next expiry', 'at risk', 'auto-recharge', 'alerts sent'],
  ];
  const notes: string[] = [];
  const guard: string[] = [];
  for (const o of outcomes) {
    if (o.upkeep?.status === 'done')
      notes.push(...o.upkeep.errors.map((e) => `account ${o.accountId}: upkeep: ${e}`));
    if (o.status !== 'ok') {
      rows.push([o.accountId, o.status.toUpperCase(), '', '', '', '', '', '']);
      notes.push(
        ...(o.status === 'invalid'
          ? o.problems
          : [
              o.error.message.startsWith('account ')
                ? o.error.message
                : `account ${o.accountId}: ${o.error.message}`,
            ]),
      );
      continue;
    }
    const f = o.result.figures;
    const out = toOutputFigures(f, '');
    const live = f.grants.filter((g) => g.active && !g.expired && g.remainingMicros > 0);
    const next = live.sort((a, b) => a.grant.expiresAt - b.grant.expiresAt)[0];
    const atRisk = out.grants.reduce((sum, g) => sum + (g.atRiskUsd ?? 0), 0);
    rows.push([
      o.accountId,
      f.hasGrants ? usd(out.balanceUsd) : 'post-paid',
      usd(out.burnRateUsdPerDay),
      out.runwayDays === null ? '-' : `${out.runwayDays.toFixed(1)} d`,
      next ? new Date(next.grant.expiresAt).toISOString().slice(0, 10) : '-',
      f.hasGrants ? usd(atRisk) : '-',
      f.autoRecharge
        ? rechargeCell(
            out,
            enteredThisMonth(
              f.grants.map((g) => g.grant),
              f.at,
            ),
          )
        : '-',
      o.sent.join(' ') ||
        (o.result.due.length > 0 ? `due: ${o.result.due.map((a) => a.key).join(' ')}` : '-'),
    ]);
    // The guard's step: what it froze (and how to undo it), what failed.
    const g = 'guard' in o ? o.guard : undefined;
    for (const z of g?.frozen ?? [])
      guard.push(
        `guard: froze ${z.projectId} of ${o.accountId}; undo: npx burnrate guard release --account ${o.accountId} --project ${z.projectId}`,
      );
    for (const f of g?.failed ?? []) notes.push(`account ${o.accountId}: guard: freezing ${f}`);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${[...lines, ...guard, ...notes.map((n) => `! ${n}`)].join('\n')}\n`;
}
