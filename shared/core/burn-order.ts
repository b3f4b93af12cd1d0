import type { BurnOrder, Grant } from './types.ts';

type Compare = (a: Grant, b: Grant) => number;

const byExpiry: Compare = (a, b) => a.expiresAt - b.expiresAt;
const byEffective: Compare = (a, b) => a.effectiveAt - b.effectiveAt;
const byId: Compare = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const chains: Record<BurnOrder, Compare[]> = {
  'expiring-first': [byExpiry, byEffective, byId],
  'oldest-first': [byEffective, byExpiry, byId],
};

/** Grants in the order credit is drawn from them (always by original effectiveAt, never the checkpoint). */
export function sortByBurnOrder(grants: readonly Grant[], order: BurnOrder): Grant[] {
  const chain = chains[order];
  return [...grants].sort((a, b) => {
    for (const compare of chain) {
      const c = compare(a, b);
      if (c !== 0) return c;
    }
    return 0;
  });
}
