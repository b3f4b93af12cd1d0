import { microsToUsd } from '../core/money.ts';

/** `$1,234.56`, `-$3.10`: money as people read it. Takes USD already rounded to the cent. */
export function usd(amount: number): string {
  const abs = Math.abs(amount).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return `${amount < 0 ? '-' : ''}$${abs}`;
}

export const usdMicros = (micros: number) => usd(microsToUsd(micros));

/** `$212` for round figures in a subject line, `$18.40` otherwise. */
export function usdShort(amount: number): string {
  return Number.isInteger(amount) ? usd(amount).replace(/\.00$/, '') : usd(amount);
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function days(n: number): string {
  const rounded = Math.round(n * 10) / 10;
  return `${rounded} day${rounded === 1 ? '' : 's'}`;
}
