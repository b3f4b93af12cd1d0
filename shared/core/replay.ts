import type { Grant } from './types.ts';

/**
 * The replay engine: activations and draws in time order. Amounts are integers in a unit chosen
 * by the caller (micro-dollars for history; micro-dollars × n for the burn-rate projection, so
 * that a fractional burn rate stays exact).
 */
export interface GrantState {
  readonly grant: Grant;
  active: boolean;
  /** What it brought when it activated (amount, or the checkpoint's remaining). */
  brought: number;
  remaining: number;
  /** Taken by draws and by paying off overdraft. */
  drawn: number;
}

export interface LedgerState {
  /** In burn order. */
  readonly grants: GrantState[];
  overdraft: number;
  /** Overdraft wiped by checkpoints (the provider's figure already included it). */
  overdraftCleared: number;
}

export type LedgerEvent =
  | { kind: 'draw'; at: number; start: number; amount: number }
  | { kind: 'activate'; at: number; index: number };

export function activationTime(grant: Grant): number {
  return grant.checkpoint ? grant.checkpoint.asOf : grant.effectiveAt;
}

export function newLedgerState(grantsInBurnOrder: readonly Grant[]): LedgerState {
  return {
    grants: grantsInBurnOrder.map((grant) => ({ grant, active: false, brought: 0, remaining: 0, drawn: 0 })),
    overdraft: 0,
    overdraftCleared: 0,
  };
}

/** Draws come before activations at equal instants; activations at one instant go in burn order. */
export function compareEvents(a: LedgerEvent, b: LedgerEvent): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.kind !== b.kind) return a.kind === 'draw' ? -1 : 1;
  if (a.kind === 'draw' && b.kind === 'draw') return a.start - b.start;
  return (a as { index: number }).index - (b as { index: number }).index;
}

export function applyEvents(state: LedgerState, events: readonly LedgerEvent[], scale: number): void {
  for (const event of events) {
    if (event.kind === 'activate') activate(state, event.index, scale);
    else draw(state, event.start, event.amount);
  }
}

function activate(state: LedgerState, index: number, scale: number): void {
  const g = state.grants[index];
  if (!g || g.active) return;
  g.active = true;
  if (g.grant.checkpoint) {
    g.brought = g.grant.checkpoint.remainingMicros * scale;
    g.remaining = g.brought;
    state.overdraftCleared += state.overdraft;
    state.overdraft = 0;
    return;
  }
  g.brought = g.grant.amountMicros * scale;
  const payoff = Math.min(state.overdraft, g.brought);
  state.overdraft -= payoff;
  g.drawn = payoff;
  g.remaining = g.brought - payoff;
}

function draw(state: LedgerState, start: number, amount: number): void {
  let left = amount;
  for (const g of state.grants) {
    if (left <= 0) break;
    if (!g.active || g.remaining <= 0 || g.grant.expiresAt <= start) continue;
    const take = Math.min(left, g.remaining);
    g.remaining -= take;
    g.drawn += take;
    left -= take;
  }
  if (left > 0) state.overdraft += left;
}
