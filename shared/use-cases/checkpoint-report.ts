import {
  BURN_ORDERS,
  compareRecharges,
  type compareWithPage,
  type DriftComparison,
  type DriftRow,
  RECHARGE_GROUP,
} from '../core/drift.ts';
import { type Micros, microsToUsd } from '../core/money.ts';
import type { BurnOrder, Grant } from '../core/types.ts';
import { usd, usdMicros as usdMicrosText } from '../email/format.ts';

/** The drift report of `burnrate checkpoint`: per grant, burnrate's figure at T against the page's. */
export interface DriftReportRow {
  grant: string;
  /** The recharge group only. */
  modelled?: string[];
  added?: string[];
  burnrateUsd: number;
  billingPageUsd: number;
  differenceUsd: number;
}

/**
 * The card charges entered (`--recharge`, and any entered before) against the recharges burnrate
 * modelled on the same days: from the day of the first recharge entered now through T's day.
 */
export interface RechargeComparison {
  from: string;
  through: string;
  burnrateUsd: number;
  burnrateCharges: number;
  billingPageUsd: number;
  billingPageCharges: number;
  /** Only the days with a charge on either side. */
  days: Array<{
    day: string;
    burnrateUsd: number;
    burnrateCharges: number;
    billingPageUsd: number;
    entered: string[];
  }>;
}

export interface DriftReport {
  accountId: string;
  at: string;
  burnOrder: BurnOrder;
  /** Per grant under the configured burn order (page − burnrate). */
  rows: DriftReportRow[];
  totalDriftUsd: number;
  bestBurnOrder: BurnOrder;
  /** Total absolute difference under each burn order. */
  byOrder: Record<BurnOrder, number>;
  /** Per grant under each burn order. */
  rowsByOrder: Record<BurnOrder, DriftReportRow[]>;
  /** Present when recharges were entered (`--recharge`): card charges, not remaining figures. */
  recharges?: RechargeComparison;
  verdict: string;
  hints: string[];
  /** `--balance`: the total as split across the grants (configured burn order). */
  balanceSplit?: Record<string, number>;
  dryRun: boolean;
}

export function buildReport(input: {
  accountId: string;
  atIso: string;
  at: number;
  order: BurnOrder;
  comparison: ReturnType<typeof compareWithPage>;
  /** Grants being added (`--add` and `--recharge`). */
  added: readonly Grant[];
  /** Every entered recharge the account will have: stored ones and those being added. */
  enteredRecharges: readonly Grant[];
  autoRecharge: boolean;
  split: ReadonlyMap<string, Micros> | undefined;
  dryRun: boolean;
}): DriftReport {
  const { order, comparison } = input;
  const { best, byOrder } = comparison;
  const addedIds = input.added.map((g) => g.id);
  const total = (o: BurnOrder) => microsToUsd(byOrder[o].totalMicros);
  const others = BURN_ORDERS.filter((o) => o !== best)
    .map((o) => `${o} is off by ${usd(total(o))}`)
    .join('; ');
  const sums = (rows: DriftRow[]) => rows.reduce((s, r) => s + r.ledgerMicros, 0);
  const verdict =
    input.split && new Set(BURN_ORDERS.map(total)).size === 1
      ? `with only the page's total, the burn orders cannot be told apart: burnrate had ${usdMicrosText(
          sums(byOrder[order].rows),
        )}, the page shows ${usdMicrosText([...input.split.values()].reduce((s, m) => s + m, 0))}`
      : best === order
        ? `the billing page matches the configured burnOrder (${order}) within ${usd(total(order))}; ${others}`
        : `the billing page matches ${best} within ${usd(total(best))}; ${others}: set burnOrder to ${best} ` +
          `(npx burnrate account set ${input.accountId} burnOrder=${best})`;
  const hints: string[] = [];
  const mine = byOrder[order];
  if (addedIds.length > 0 && !input.autoRecharge) {
    hints.push(
      `the billing page lists grants burnrate did not have (${addedIds.join(', ')}): if they are ` +
        'auto-recharges, set autoRecharge in the config so burnrate models the next ones after this checkpoint',
    );
  }
  const plainAdds = input.added.filter((g) => !g.recharge).map((g) => g.id);
  if (plainAdds.length > 0 && input.autoRecharge) {
    hints.push(
      `if any of ${plainAdds.join(', ')} is a card charge auto-recharge made, enter it with --recharge instead ` +
        'of --add: only entered recharges count toward the monthly limit',
    );
  }
  if (mine.modelled.length > 0 && addedIds.length === 0) {
    hints.push(
      `burnrate modelled recharges the billing page does not list (${mine.modelled
        .map((m) => m.id)
        .join(
          ', ',
        )}): check that auto-recharge is on at the provider and that autoRecharge in the config matches it`,
    );
  }
  const recharges = rechargeComparison(input, mine);
  if (
    recharges &&
    // Real charges of the restore form differ by cents (the provider checks the balance now and
    // then): only a different count or a dollar or more is worth a hint.
    (recharges.burnrateCharges !== recharges.billingPageCharges ||
      Math.abs(recharges.burnrateUsd - recharges.billingPageUsd) >= 1)
  ) {
    hints.push(
      `from ${recharges.from} to ${recharges.through} burnrate modelled ${recharges.burnrateCharges} card ` +
        `charge(s) (${usd(recharges.burnrateUsd)}), the billing page lists ${recharges.billingPageCharges} ` +
        `(${usd(recharges.billingPageUsd)}): check that autoRecharge (belowUsd, toUsd or amountUsd, ` +
        'monthlyLimitUsd) matches the billing page',
    );
  }
  const rowsOf = (c: DriftComparison): DriftReportRow[] =>
    c.rows.map((r) => ({
      grant: r.id,
      ...(r.id === RECHARGE_GROUP && { modelled: r.modelled ?? [], added: r.added ?? [] }),
      burnrateUsd: microsToUsd(r.ledgerMicros),
      billingPageUsd: microsToUsd(r.enteredMicros),
      differenceUsd: microsToUsd(r.enteredMicros - r.ledgerMicros),
    }));
  return {
    accountId: input.accountId,
    at: input.atIso,
    burnOrder: order,
    rows: rowsOf(mine),
    totalDriftUsd: total(order),
    bestBurnOrder: best,
    byOrder: Object.fromEntries(BURN_ORDERS.map((o) => [o, total(o)])) as Record<BurnOrder, number>,
    rowsByOrder: Object.fromEntries(BURN_ORDERS.map((o) => [o, rowsOf(byOrder[o])])) as Record<
      BurnOrder,
      DriftReportRow[]
    >,
    ...(recharges && { recharges }),
    verdict,
    hints,
    ...(input.split && {
      balanceSplit: Object.fromEntries([...input.split].map(([id, m]) => [id, microsToUsd(m)])),
    }),
    dryRun: input.dryRun,
  };
}

/** Entered against modelled card charges, day by day; undefined when no recharge is entered now. */
function rechargeComparison(
  input: { at: number; added: readonly Grant[]; enteredRecharges: readonly Grant[] },
  mine: DriftComparison,
): RechargeComparison | undefined {
  const fresh = input.added.filter((g) => g.recharge);
  if (fresh.length === 0) return undefined;
  const from = Math.min(...fresh.map((g) => g.effectiveAt));
  const days = compareRecharges(mine.modelled, input.enteredRecharges, from, input.at);
  const sum = (f: (d: (typeof days)[number]) => number) => days.reduce((s, d) => s + f(d), 0);
  return {
    from: new Date(from).toISOString().slice(0, 10),
    through: new Date(input.at).toISOString().slice(0, 10),
    burnrateUsd: microsToUsd(sum((d) => d.modelledMicros)),
    burnrateCharges: sum((d) => d.modelledCharges),
    billingPageUsd: microsToUsd(sum((d) => d.enteredMicros)),
    billingPageCharges: sum((d) => d.entered.length),
    days: days.map((d) => ({
      day: d.day,
      burnrateUsd: microsToUsd(d.modelledMicros),
      burnrateCharges: d.modelledCharges,
      billingPageUsd: microsToUsd(d.enteredMicros),
      entered: d.entered,
    })),
  };
}
