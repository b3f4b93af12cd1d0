/**
 * Money inside the core is an integer number of micro-dollars (1 USD = 1,000,000 µ$),
 * so sums never drift. Conversion happens only at the edges.
 */
import { decimalToInteger, parseDecimal } from './decimal.ts';

export type Micros = number;

export const MICROS_PER_USD = 1_000_000;

/** Dollars (a JSON number) to micro-dollars. Sub-micro fractions are rounded half away from zero. */
export function usdToMicros(usd: number): Micros {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite amount: ${usd}`);
  // Going through the decimal string avoids 0.29 * 1e6 = 289999.99999999994.
  return roundHalfAwayFromZero(Number(`${usd}e6`));
}

/** Rounds half away from zero (Math.round rounds -2.5 to -2). */
export function roundHalfAwayFromZero(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Micro-dollars (possibly fractional, e.g. a burn rate) to USD rounded to the cent, ties away from zero. */
export function microsToUsd(micros: number): number {
  const cents = roundHalfAwayFromZero(Number(`${micros}e-4`));
  return cents === 0 ? 0 : cents / 100;
}

/**
 * A decimal string of cents ("123.45" = $1.2345, "4.128e4" = $412.80) to micro-dollars exactly,
 * never through a float: the shared decimal parser, rounded once, half away from zero.
 */
export function centsStringToMicros(cents: string): Micros {
  const d = parseDecimal(cents);
  if (!d) throw new RangeError(`not a decimal amount of cents: ${JSON.stringify(cents)}`);
  return decimalToInteger(d, 4);
}

/** num / den rounded half away from zero, exactly, for integers num and den > 0. */
export function roundRatio(num: number, den: number): number {
  const sign = num < 0 ? -1 : 1;
  const abs = Math.abs(num);
  const q = Math.floor(abs / den);
  const r = abs - q * den;
  const rounded = 2 * r >= den ? q + 1 : q;
  return rounded === 0 ? 0 : sign * rounded;
}

/** (num / den) micro-dollars as USD rounded to the cent, ties away from zero, exactly. */
export function ratioToUsd(num: number, den: number): number {
  return roundRatio(num, den * 10_000) / 100;
}
