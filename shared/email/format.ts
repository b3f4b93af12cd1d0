import { microsToUsd, roundRatio } from '../core/money.ts';

/**
 * `$1,234.56`, `-$3.10`: money as people read it. Takes USD already rounded to the cent. Grouping is
 * done by hand rather than with toLocaleString so the output never depends on the runtime's ICU data.
 */
export function usd(amount: number): string {
  const cents = Math.round(Math.abs(amount) * 100);
  const whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = String(cents % 100).padStart(2, '0');
  return `${amount < 0 && cents > 0 ? '-' : ''}$${whole}.${frac}`;
}

/** Micro-dollars rounded to the cent (ties away from zero, as the core rounds) and formatted. */
export const usdMicros = (micros: number): string => usd(microsToUsd(micros));

/** `$212` for round figures in a subject line, `$18.40` otherwise. */
export function usdShort(amount: number): string {
  return Number.isInteger(amount) ? usd(amount).replace(/\.00$/, '') : usd(amount);
}

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** `YYYY-MM-DD HH:MM UTC`: when the figures were computed. */
export const isoMinute = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** `4.2 days`, `1 day`: one decimal is as precise as a warning needs. */
export function days(n: number): string {
  const rounded = Math.round(n * 10) / 10;
  return `${rounded} day${rounded === 1 ? '' : 's'}`;
}

/** Whole percent of integer `part` in integer `whole` (micro-dollars), exact: 57.5% is 58%, not 57%. */
export const percent = (part: number, whole: number): string =>
  whole > 0 ? `${roundRatio(part * 100, whole)}%` : 'n/a';

/** `30, 7, 1`: a config list as an operator would type it back. */
export const list = (values: readonly number[]): string => values.join(', ');

/** `2026-11-25, drift $0.03`: the last `burnrate checkpoint` against the billing page. */
export const reconciledText = (r: { at: string; driftUsd: number }): string =>
  `${r.at.slice(0, 10)}, drift ${usd(r.driftUsd)}`;
