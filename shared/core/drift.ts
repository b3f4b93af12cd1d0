import { sortByBurnOrder } from './burn-order.ts';
import { computeFigures } from './figures.ts';
import type { Micros } from './money.ts';
import { dayKey } from './time.ts';
import type { AutoRecharge, BurnOrder, CostBucket, Grant } from './types.ts';

/**
 * Drift between burnrate's ledger and the provider's billing page at one instant T: how far the
 * remaining each grant had in the ledger (old checkpoints, modelled recharges, stored cost days)
 * is from the figure the operator copied off the page, under each burn order. Pure: no I/O.
 */

export const BURN_ORDERS: readonly BurnOrder[] = ['expiring-first', 'oldest-first'];

/** Row id of the group that compares modelled recharges with the grants being added. */
export const RECHARGE_GROUP = 'recharges';

export interface DriftInput {
  /** The account's grants as stored: old checkpoints, no modelled recharges (the replay adds those). */
  grants: readonly Grant[];
  /** Complete cost buckets; only those that end at or before `at` count. */
  buckets: readonly CostBucket[];
  /** Spend in the part of T's day before T (drawn at T). */
  beforeAtMicros: Micros;
  at: number;
  autoRecharge?: AutoRecharge | undefined;
  /** The page's figure per grant id, under a burn order (the same for both, except a `--balance` split). */
  entered(order: BurnOrder): ReadonlyMap<string, Micros>;
  /** Ids of grants the page lists and the ledger does not have yet (being added). */
  added: readonly string[];
}

export interface DriftRow {
  /** A grant id, or RECHARGE_GROUP. */
  id: string;
  /** RECHARGE_GROUP only: the modelled recharge grants (effective by T) and the added grants it compares. */
  modelled?: string[];
  added?: string[];
  ledgerMicros: Micros;
  enteredMicros: Micros;
}

export interface DriftComparison {
  order: BurnOrder;
  /** Sorted by id, the recharge group last. */
  rows: DriftRow[];
  /** Sum of |ledger − entered| over the rows. */
  totalMicros: Micros;
  /** Modelled recharge grants effective by T, with what each held at T, its amount and card charges. */
  modelled: ModelledRecharge[];
}

export interface ModelledRecharge {
  id: string;
  remainingMicros: Micros;
  amountMicros: Micros;
  charges: number;
}

/** One comparison per burn order; the best fit is the smallest total (the configured order on a tie). */
export function compareWithPage(
  input: DriftInput,
  configured: BurnOrder,
): { byOrder: Record<BurnOrder, DriftComparison>; best: BurnOrder } {
  const byOrder = Object.fromEntries(BURN_ORDERS.map((o) => [o, compareUnder(input, o)])) as Record<
    BurnOrder,
    DriftComparison
  >;
  let best = configured;
  for (const o of BURN_ORDERS) if (byOrder[o].totalMicros < byOrder[best].totalMicros) best = o;
  return { byOrder, best };
}

function compareUnder(input: DriftInput, order: BurnOrder): DriftComparison {
  const figures = computeFigures({
    grants: input.grants,
    buckets: input.buckets,
    burnOrder: order,
    at: input.at,
    todayMicros: input.beforeAtMicros,
    ...(input.autoRecharge && { autoRecharge: input.autoRecharge }),
  });
  const entered = input.entered(order);
  const added = new Set(input.added);
  const rows: DriftRow[] = [];
  const modelled: ModelledRecharge[] = [];
  for (const g of figures.grants) {
    if (g.grant.auto) {
      if (g.grant.effectiveAt <= input.at)
        modelled.push({
          id: g.grant.id,
          remainingMicros: g.remainingMicros,
          amountMicros: g.grant.amountMicros,
          charges: g.grant.charges ?? 0,
        });
      continue;
    }
    const page = entered.get(g.grant.id);
    if (page === undefined) continue;
    rows.push({ id: g.grant.id, ledgerMicros: g.remainingMicros, enteredMicros: page });
  }
  if (modelled.length > 0 || added.size > 0) {
    rows.push({
      id: RECHARGE_GROUP,
      modelled: modelled.map((m) => m.id),
      added: [...added].sort(),
      ledgerMicros: modelled.reduce((s, m) => s + m.remainingMicros, 0),
      enteredMicros: [...added].reduce((s, id) => s + (entered.get(id) ?? 0), 0),
    });
  }
  const totalMicros = rows.reduce((s, r) => s + Math.abs(r.ledgerMicros - r.enteredMicros), 0);
  return { order, rows, totalMicros, modelled };
}

/** One UTC day of the recharge comparison: what burnrate modelled against the charges entered. */
export interface RechargeDay {
  /** YYYY-MM-DD: the day of the bucket a modelled recharge was for, the day an entered one was made. */
  day: string;
  modelledMicros: Micros;
  modelledCharges: number;
  enteredMicros: Micros;
  /** Ids of the entered recharges of the day (one card charge each). */
  entered: string[];
}

/**
 * The card charges the billing page lists (entered recharges) against those burnrate modelled on
 * the same days: from the day of the first entered recharge `from` through the day of T. Only the
 * days with a charge on either side are listed.
 */
export function compareRecharges(
  modelled: readonly ModelledRecharge[],
  entered: readonly Grant[],
  from: number,
  at: number,
): RechargeDay[] {
  const first = dayKey(from);
  const last = dayKey(at);
  const days = new Map<string, RechargeDay>();
  const dayOf = (day: string) => {
    let d = days.get(day);
    if (!d) {
      d = { day, modelledMicros: 0, modelledCharges: 0, enteredMicros: 0, entered: [] };
      days.set(day, d);
    }
    return d;
  };
  for (const m of modelled) {
    const day = m.id.slice('auto-'.length);
    if (day < first || day > last) continue;
    const d = dayOf(day);
    d.modelledMicros += m.amountMicros;
    d.modelledCharges += m.charges;
  }
  for (const g of entered) {
    const day = dayKey(g.effectiveAt);
    if (!g.recharge || day < first || day > last) continue;
    const d = dayOf(day);
    d.enteredMicros += g.amountMicros;
    d.entered.push(g.id);
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

/**
 * Splits a page's total (Anthropic shows no per-grant figures) the way the burn order would have
 * drawn the grants: those drawn first are emptied first, so the total fills the grants drawn last
 * first, each up to its amount. `unassigned` > 0 means the total is more than the grants can hold.
 */
export function splitBalance(
  grants: readonly Grant[],
  order: BurnOrder,
  balanceMicros: Micros,
): { split: Map<string, Micros>; unassigned: Micros } {
  const split = new Map<string, Micros>();
  let left = balanceMicros;
  for (const g of sortByBurnOrder(grants, order).reverse()) {
    const take = Math.min(left, g.amountMicros);
    split.set(g.id, take);
    left -= take;
  }
  return { split, unassigned: left };
}
