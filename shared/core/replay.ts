import { addOneYear, addUtcMonths, dayKey, startOfUtcMonth } from './time.ts';
import type { Grant } from './types.ts';

/**
 * The replay engine: draws and activations in time order, with the auto-recharge rule. Amounts
 * are integers in a unit chosen by the caller (micro-dollars for history; micro-dollars × n for
 * the burn-rate projection, so that a fractional burn rate stays exact): `scale` says which.
 */
export interface GrantState {
  readonly grant: Grant;
  /** Position in `Ledger.all`. */
  readonly index: number;
  /** What it brings when it activates (amount, or the checkpoint's remaining), in the ledger's unit. */
  readonly amount: number;
  active: boolean;
  brought: number;
  remaining: number;
  /** Taken by draws and by paying off overdraft. */
  drawn: number;
}

export interface Ledger {
  /** Every grant: the input grants in the caller's order, then recharge grants as they are made. */
  readonly all: GrantState[];
  /** Grants that may be drawn (active, remaining > 0, not yet seen expired), in burn order. */
  live: GrantState[];
  overdraft: number;
  /** Overdraft wiped by checkpoints (the provider's figure already included it). */
  overdraftCleared: number;
  /**
   * What counts against each UTC month's recharge limit (keyed by the month's first instant): the
   * recharges modelled for buckets starting in it, and the entered recharges effective in it.
   */
  readonly rechargedByMonth: Map<number, number>;
}

/** The auto-recharge setting in the ledger's unit: `restoreTo` or `amount`, never both. */
export interface RechargeRule {
  below: number;
  restoreTo?: number | undefined;
  amount?: number | undefined;
  limit?: number | undefined;
}

/** What one draw did, for the figures that look inside the replay. */
export interface DrawRecord {
  start: number;
  at: number;
  /** What the draw took (the pro-rata share for a checkpoint's bucket). */
  amount: number;
  /** The balance just before the draw: remaining of the eligible grants − overdraft. */
  balanceBefore: number;
  recharged: number;
  charges: number;
  /** The monthly limit refused a recharge in this bucket. */
  refused: boolean;
}

export interface ReplayOptions {
  scale: number;
  compare: (a: Grant, b: Grant) => number;
  /** The checkpoint instant T, if any. */
  checkpointAt?: number | undefined;
  recharge?: RechargeRule | undefined;
  /** Compute `balanceBefore` for every draw even without a recharge rule (else it is NaN then). */
  needBalance?: boolean;
  /** Called after each draw; the record is reused, so copy what you keep. */
  onDraw?: (record: DrawRecord) => void;
}

export type LedgerEvent =
  | { kind: 'draw'; at: number; start: number; amount: number }
  | { kind: 'activate'; at: number; grant: GrantState };

export function activationTime(grant: Grant): number {
  return grant.checkpoint ? grant.checkpoint.asOf : grant.effectiveAt;
}

export function newLedger(grants: readonly Grant[]): Ledger {
  // Entered recharges count toward the limit of their own month, before or after T.
  const rechargedByMonth = new Map<number, number>();
  for (const g of grants) {
    if (!g.recharge) continue;
    const month = startOfUtcMonth(g.effectiveAt);
    rechargedByMonth.set(month, (rechargedByMonth.get(month) ?? 0) + g.amountMicros);
  }
  return {
    all: grants.map((grant, index) => ({
      grant,
      index,
      amount: grant.checkpoint ? grant.checkpoint.remainingMicros : grant.amountMicros,
      active: false,
      brought: 0,
      remaining: 0,
      drawn: 0,
    })),
    live: [],
    overdraft: 0,
    overdraftCleared: 0,
    rechargedByMonth,
  };
}

/** A copy of a ledger with every amount multiplied by `factor` (for the projection). */
export function scaleLedger(ledger: Ledger, factor: number): Ledger {
  const all = ledger.all.map((g) => ({
    ...g,
    amount: g.amount * factor,
    brought: g.brought * factor,
    remaining: g.remaining * factor,
    drawn: g.drawn * factor,
  }));
  const rechargedByMonth = new Map<number, number>();
  for (const [month, used] of ledger.rechargedByMonth) rechargedByMonth.set(month, used * factor);
  return {
    all,
    live: ledger.live.map((g) => all[g.index] as GrantState),
    overdraft: ledger.overdraft * factor,
    overdraftCleared: ledger.overdraftCleared * factor,
    rechargedByMonth,
  };
}

/** Events in replay order: time, then draws before activations, draws by start, activations in burn order. */
export function sortEvents(events: LedgerEvent[], compare: (a: Grant, b: Grant) => number): void {
  events.sort((a, b) => {
    if (a.at !== b.at) return a.at - b.at;
    if (a.kind !== b.kind) return a.kind === 'draw' ? -1 : 1;
    if (a.kind === 'draw' && b.kind === 'draw') return a.start - b.start;
    return compare((a as { grant: GrantState }).grant.grant, (b as { grant: GrantState }).grant.grant);
  });
}

/**
 * Applies sorted events. At each instant the draws go first; a draw may make a recharge grant,
 * which activates at that instant too, in burn order among the grants activating then.
 */
export function applyEvents(ledger: Ledger, events: readonly LedgerEvent[], options: ReplayOptions): void {
  const month = { start: Number.NaN, next: Number.NaN };
  // One record object reused for every draw (onDraw reads it before the next draw).
  const record: DrawRecord = {
    start: 0,
    at: 0,
    amount: 0,
    balanceBefore: 0,
    recharged: 0,
    charges: 0,
    refused: false,
  };
  let i = 0;
  while (i < events.length) {
    const at = (events[i] as LedgerEvent).at;
    const activating: GrantState[] = [];
    for (let e = events[i]; e !== undefined && e.at === at; e = events[++i]) {
      if (e.kind === 'activate') activating.push(e.grant);
      else {
        const made = draw(ledger, e, options, month, record);
        if (made) activating.push(made);
      }
    }
    if (activating.length > 1) activating.sort((a, b) => options.compare(a.grant, b.grant));
    for (const g of activating) activate(ledger, g, options.compare);
  }
}

function activate(ledger: Ledger, g: GrantState, compare: ReplayOptions['compare']): void {
  if (g.active) return;
  g.active = true;
  g.brought = g.amount;
  if (g.grant.checkpoint) {
    g.remaining = g.brought;
    ledger.overdraftCleared += ledger.overdraft;
    ledger.overdraft = 0;
  } else {
    const payoff = Math.min(ledger.overdraft, g.brought);
    ledger.overdraft -= payoff;
    g.drawn = payoff;
    g.remaining = g.brought - payoff;
  }
  if (g.remaining <= 0) return;
  const live = ledger.live;
  let pos = live.length;
  while (pos > 0 && compare((live[pos - 1] as GrantState).grant, g.grant) > 0) pos--;
  live.splice(pos, 0, g);
}

/** floor(a × b / c) exactly, for integers a, b >= 0 and c > 0 (the product may exceed 2^53). */
function mulDivFloor(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** floor(x / y) for integers, y > 0, exact where x / y is not. */
export function floorDiv(x: number, y: number): number {
  let q = Math.floor(x / y);
  while (q * y > x) q--;
  while ((q + 1) * y <= x) q++;
  return q;
}

/** How many of `wanted` recharges of `size` fit in `room` (no limit: all). */
function fits(wanted: number, room: number, size: number): number {
  return room === Number.POSITIVE_INFINITY ? wanted : Math.min(wanted, floorDiv(room, size));
}

function ceilDiv(x: number, y: number): number {
  return -floorDiv(-x, y);
}

function draw(
  ledger: Ledger,
  event: { at: number; start: number; amount: number },
  options: ReplayOptions,
  month: { start: number; next: number },
  record: DrawRecord,
): GrantState | undefined {
  const { at, start } = event;
  const t = options.checkpointAt;
  const amount =
    t !== undefined && start < t && t < at ? mulDivFloor(event.amount, at - t, at - start) : event.amount;

  // Eligible: active, remaining > 0, expiresAt > start. Buckets come in time order, so a grant
  // that is not eligible now never will be again: drop it from the live list. The balance b needs
  // a pass over every eligible grant; without auto-recharge or a caller asking, the draw below
  // stops as soon as it has taken the amount.
  const live = ledger.live;
  let balanceBefore = Number.NaN;
  if (options.recharge || options.needBalance) {
    let kept = 0;
    let eligible = 0;
    for (const g of live) {
      if (g.remaining > 0 && g.grant.expiresAt > start) {
        live[kept++] = g;
        eligible += g.remaining;
      }
    }
    live.length = kept;
    balanceBefore = eligible - ledger.overdraft;
  }

  let recharged = 0;
  let charges = 0;
  let refused = false;
  const rule = options.recharge;
  if (rule && amount > 0 && (t === undefined || at > t)) {
    if (!(start >= month.start && start < month.next)) {
      month.start = startOfUtcMonth(start);
      month.next = addUtcMonths(start, 1);
    }
    const used = ledger.rechargedByMonth.get(month.start) ?? 0;
    // Entered recharges alone may exceed the limit (it was higher earlier in the month): no room then.
    let room = rule.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, rule.limit - used);
    const size = rule.amount ?? (rule.restoreTo as number) - rule.below;
    let b = balanceBefore;
    // Step 1, already below the threshold.
    if (b < rule.below) {
      if (rule.restoreTo !== undefined) {
        const r = rule.restoreTo - b;
        if (r <= room) {
          recharged += r;
          charges += 1;
          room -= r;
          b += r;
        } else refused = true;
      } else {
        const wanted = ceilDiv(rule.below - b, size);
        const made = fits(wanted, room, size);
        recharged += made * size;
        charges += made;
        room -= made * size;
        b += made * size;
        refused = made < wanted;
      }
    }
    // Step 2, crossing below the threshold while spending.
    if (!refused && amount > b - rule.below) {
      const wanted = ceilDiv(amount - (b - rule.below), size);
      const made = fits(wanted, room, size);
      recharged += made * size;
      charges += made;
      refused = made < wanted;
    }
    if (recharged > 0) ledger.rechargedByMonth.set(month.start, used + recharged);
  }

  let left = amount;
  let read = 0;
  let kept = 0;
  for (; read < live.length && left > 0; read++) {
    const g = live[read] as GrantState;
    if (g.remaining <= 0 || g.grant.expiresAt <= start) continue; // not eligible: dropped
    const take = Math.min(left, g.remaining);
    g.remaining -= take;
    g.drawn += take;
    left -= take;
    live[kept++] = g;
  }
  if (kept < read) {
    live.copyWithin(kept, read);
    live.length -= read - kept;
  }
  if (left > 0) ledger.overdraft += left;

  if (options.onDraw) {
    record.start = start;
    record.at = at;
    record.amount = amount;
    record.balanceBefore = balanceBefore;
    record.recharged = recharged;
    record.charges = charges;
    record.refused = refused;
    options.onDraw(record);
  }
  if (recharged === 0) return undefined;
  const grant: Grant = {
    id: `auto-${dayKey(start)}`,
    amountMicros: recharged / options.scale,
    effectiveAt: at,
    expiresAt: addOneYear(at),
    auto: true,
    charges,
  };
  const made: GrantState = {
    grant,
    index: ledger.all.length,
    amount: recharged,
    active: false,
    brought: 0,
    remaining: 0,
    drawn: 0,
  };
  ledger.all.push(made);
  return made;
}
