import type { Figures, Ratio } from './figures.ts';
import { microsToUsd, ratioToUsd, roundRatio } from './money.ts';
import { dayKey } from './time.ts';

/**
 * Derived figures as exact ratios (numerator / denominator in micro-dollars), compared unrounded
 * by the alert rules and rounded only by `toOutputFigures`.
 */
export type { Ratio };

/** Burn rate per day, or null when there is no spend history (n = 0). */
export function burnRate(f: Figures): Ratio | null {
  return f.burnDays > 0 ? { num: f.burnSumMicros, den: f.burnDays } : null;
}

/**
 * Runway in days as a ratio: 0 when balance <= 0; null when the burn rate is 0 and balance > 0.
 * With auto-recharge, the projection's runway (null while recharging keeps the account going).
 */
export function runway(f: Figures): Ratio | null {
  if (f.balanceMicros <= 0) return { num: 0, den: 1 };
  if (f.burnDays === 0 || f.burnSumMicros === 0) return null;
  if (f.rechargeRunway !== undefined) return f.rechargeRunway;
  return { num: f.balanceMicros * f.burnDays, den: f.burnSumMicros };
}

/** monthToDate − today + max(today, burnRate) + burnRate × (days after D in the month). */
export function forecastMonthEnd(
  f: Pick<Figures, 'burnDays' | 'burnSumMicros' | 'monthToDateMicros' | 'todayMicros' | 'daysAfterToday'>,
): Ratio {
  const n = f.burnDays;
  if (n === 0) return { num: f.monthToDateMicros, den: 1 };
  const s = f.burnSumMicros;
  const num =
    (f.monthToDateMicros - f.todayMicros) * n + Math.max(f.todayMicros * n, s) + s * f.daysAfterToday;
  return { num, den: n };
}

export interface OutputGrant {
  id: string;
  remainingUsd: number;
  expiredUsd: number;
  atRiskUsd: number | null;
  /** Modelled recharge grants only. */
  auto?: true;
  amountUsd?: number;
  charges?: number;
}

export interface OutputFigures {
  at: string;
  balanceUsd: number;
  overdraftUsd: number;
  monthToDateUsd: number;
  burnRateUsdPerDay: number;
  runwayDays: number | null;
  forecastMonthEndUsd: number;
  rechargedThisMonthUsd: number;
  rechargesThisMonth: number;
  forecastRechargesMonthEndUsd: number;
  /** YYYY-MM-DD, or null. */
  rechargeLimitReachedOn: string | null;
  grants: OutputGrant[];
}

/** The spec's output shape: money to the cent and runway to 2 decimals, ties away from zero. */
export function toOutputFigures(f: Figures, atText: string): OutputFigures {
  const rate = burnRate(f);
  const days = runway(f);
  const forecast = forecastMonthEnd(f);
  return {
    at: atText,
    balanceUsd: microsToUsd(f.balanceMicros),
    overdraftUsd: microsToUsd(f.overdraftMicros),
    monthToDateUsd: microsToUsd(f.monthToDateMicros),
    burnRateUsdPerDay: rate ? ratioToUsd(rate.num, rate.den) : 0,
    runwayDays: days ? roundRatio(days.num * 100, days.den) / 100 : null,
    forecastMonthEndUsd: ratioToUsd(forecast.num, forecast.den),
    rechargedThisMonthUsd: microsToUsd(f.rechargedThisMonthMicros),
    rechargesThisMonth: f.rechargesThisMonth,
    forecastRechargesMonthEndUsd: ratioToUsd(f.forecastRecharges.num, f.forecastRecharges.den),
    rechargeLimitReachedOn: f.rechargeLimitReachedOn === null ? null : dayKey(f.rechargeLimitReachedOn),
    grants: f.grants.map((g) => {
      const out: OutputGrant = {
        id: g.grant.id,
        remainingUsd: microsToUsd(g.remainingMicros),
        expiredUsd: microsToUsd(g.expiredMicros),
        atRiskUsd: g.atRiskScaled === null ? null : ratioToUsd(g.atRiskScaled, f.burnDays),
      };
      if (g.grant.auto) {
        out.auto = true;
        out.amountUsd = microsToUsd(g.grant.amountMicros);
        out.charges = g.grant.charges ?? 0;
      }
      return out;
    }),
  };
}
