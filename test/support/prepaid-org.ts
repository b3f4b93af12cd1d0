/**
 * A prepaid organisation as the provider runs it, minute by minute: the test oracle the ledger is
 * compared with, written independently of shared/core. Spending is continuous at each day's
 * demand; the moment the balance reaches `belowUsd` auto-recharge restores it to `toUsd` with one
 * card charge, unless the month's charges would exceed `monthlyLimitUsd` (then no charge for the
 * rest of that month); at a balance of 0 the provider pauses the organisation and spending stops.
 * Grants are drawn expiring-first. Money is kept in µ$ × 1,440 so a minute's spend is an integer.
 */
const MINUTE = 60_000;
const PER_DAY = 1_440;

export interface PrepaidOrgInput {
  start: number;
  days: number;
  /** What the organisation would spend on day i (USD), if it is not paused. */
  demandUsd: (i: number) => number;
  grants: Array<{ id: string; amountUsd: number; effectiveAt: number; expiresAt: number }>;
  autoRecharge: { belowUsd: number; toUsd: number; monthlyLimitUsd: number };
  /** Instants (on a minute) at which to read each grant's remaining, as a billing page shows it. */
  readAt: number[];
}

export interface PrepaidOrg {
  /** What the cost report shows per day (USD): less than the demand once paused. */
  costsUsd: number[];
  /** The card charges made, in order (id c1, c2, …). */
  charges: Array<{ id: string; at: number; amountUsd: number }>;
  /** Charges the monthly limit refused (the first of each month only). */
  refusals: number[];
  /** When the organisation was paused, if it was. */
  pausedAt: number | undefined;
  /** The balance (USD) at 00:00 UTC of day i (i = 0 … days). */
  balanceAtDayStart: number[];
  /** Each grant's remaining (USD) at one of the `readAt` instants. */
  remainingAt(at: number): Map<string, number>;
}

const toUnits = (usd: number) => Math.round(usd * 1_000_000) * PER_DAY;
const toUsd = (units: number) => units / PER_DAY / 1_000_000;
const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export function simulatePrepaidOrg(input: PrepaidOrgInput): PrepaidOrg {
  const below = toUnits(input.autoRecharge.belowUsd);
  const restoreTo = toUnits(input.autoRecharge.toUsd);
  const limit = toUnits(input.autoRecharge.monthlyLimitUsd);
  const grants = input.grants.map((g) => ({ ...g, remaining: 0, active: false }));
  const charges: PrepaidOrg['charges'] = [];
  const refusals: number[] = [];
  const chargedByMonth = new Map<string, number>();
  const refusedMonths = new Set<string>();
  const costs: number[] = [];
  const balances: number[] = [];
  const snapshots = new Map<number, Map<string, number>>();
  let pausedAt: number | undefined;

  const balance = () => grants.reduce((s, g) => s + (g.active ? g.remaining : 0), 0);
  const byExpiry = () => grants.filter((g) => g.active).sort((a, b) => a.expiresAt - b.expiresAt);

  for (let day = 0; day < input.days; day++) {
    const perMinute = toUnits(input.demandUsd(day)) / PER_DAY; // µ$/day × 1,440 / 1,440 minutes
    let spent = 0;
    for (let m = 0; m < PER_DAY; m++) {
      const now = input.start + (day * PER_DAY + m) * MINUTE;
      for (const g of grants)
        if (!g.active && g.effectiveAt <= now) {
          g.active = true;
          g.remaining = toUnits(g.amountUsd);
        }
      if (m === 0) balances.push(toUsd(balance()));
      if (input.readAt.includes(now))
        snapshots.set(now, new Map(grants.map((g) => [g.id, toUsd(g.remaining)])));
      if (pausedAt !== undefined) continue;
      let left = perMinute;
      for (const g of byExpiry()) {
        const take = Math.min(left, g.remaining);
        g.remaining -= take;
        left -= take;
      }
      spent += perMinute - left;
      const at = now + MINUTE;
      if (balance() <= below && !refusedMonths.has(monthOf(at))) {
        const amount = restoreTo - balance();
        const used = chargedByMonth.get(monthOf(at)) ?? 0;
        if (used + amount <= limit) {
          chargedByMonth.set(monthOf(at), used + amount);
          const id = `c${charges.length + 1}`;
          charges.push({ id, at, amountUsd: toUsd(amount) });
          grants.push({
            id,
            amountUsd: toUsd(amount),
            effectiveAt: at,
            expiresAt: at + 365 * 86_400_000,
            remaining: amount,
            active: true,
          });
        } else {
          refusedMonths.add(monthOf(at));
          refusals.push(at);
        }
      }
      if (balance() <= 0 && pausedAt === undefined) pausedAt = at;
    }
    costs.push(toUsd(spent));
  }
  balances.push(toUsd(balance()));
  return {
    costsUsd: costs,
    charges,
    refusals,
    pausedAt,
    balanceAtDayStart: balances,
    remainingAt(at: number) {
      const snapshot = snapshots.get(at);
      if (!snapshot) throw new Error(`no snapshot at ${new Date(at).toISOString()}`);
      return snapshot;
    },
  };
}
