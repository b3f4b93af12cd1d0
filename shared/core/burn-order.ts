import type { BurnOrder, Grant } from './types.ts';

type Compare = (a: Grant, b: Grant) => number;

const byExpiry: Compare = (a, b) => a.expiresAt - b.expiresAt;
const byEffective: Compare = (a, b) => a.effectiveAt - b.effectiveAt;
const byId: Compare = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const chains: Record<BurnOrder, Compare[]> = {
  'expiring-first': [byExpiry, byEffective, byId],
  'oldest-first': [byEffective, byExpiry, byId],
};

/** The burn-order comparison of two grants (negative: `a` is drawn first). */
export function burnOrderCompare(order: BurnOrder): Compare {
  const chain = chains[order];
  return (a, b) => {
    for (const compare of chain) {
      const c = compare(a, b);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** Grants in the order credit is drawn from them (always by original effectiveAt, never the checkpoint). */
export function sortByBurnOrder(grants: readonly Grant[], order: BurnOrder): Grant[] {
  return [...grants].sort(burnOrderCompare(order));
}
