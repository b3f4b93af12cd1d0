/**
 * Exact decimal amounts from provider reports. The live APIs send money as JSON numbers, numeric
 * strings ("12.50", "0.0000001234") or exponent forms ("4.128e4"); a float detour would lose the
 * sub-micro digits, so amounts are parsed to a scaled BigInt (`units × 10^exp`), summed exactly,
 * and rounded once (half away from zero) when converted to integer micro-dollars.
 */
export interface Decimal {
  readonly units: bigint;
  readonly exp: number;
}

export const ZERO: Decimal = { units: 0n, exp: 0 };

// Optional sign, digits with an optional fraction (or a bare fraction), optional exponent.
const DECIMAL = /^([+-]?)(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this are not money (and 10n ** 1e9 would hang). */
const MAX_EXP = 30;

/** A decimal string to an exact Decimal, or undefined if it is not one (empty, "12,5", "NaN", "0x10", "1e400"). */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', exponent = '0'] = m;
  if (whole === '' && frac === '') return undefined;
  const digits = `${whole}${frac}`;
  const exp = Number(exponent) - frac.length;
  const significant = digits.replace(/^0+/, '').length;
  if (significant > 0 && exp + significant > MAX_EXP) return undefined;
  // Below 10^-MAX_EXP is no money at all: zero, without a huge power of ten.
  if (significant === 0 || exp + significant < -MAX_EXP) return ZERO;
  if (digits.length > 60) return undefined;
  const units = BigInt(digits || '0');
  return { units: sign === '-' ? -units : units, exp };
}

/**
 * A JSON amount, number or string, to an exact Decimal. A number goes through its shortest
 * round-trip decimal form (what the JSON text said), never through arithmetic.
 */
export function decimalFromJson(value: unknown): Decimal | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? parseDecimal(String(value)) : undefined;
  if (typeof value === 'string') return parseDecimal(value);
  return undefined;
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const exp = Math.min(a.exp, b.exp);
  return { units: a.units * 10n ** BigInt(a.exp - exp) + b.units * 10n ** BigInt(b.exp - exp), exp };
}

/**
 * `d × 10^shift` rounded to an integer, half away from zero: micro-dollars from dollars is
 * shift 6, from cents shift 4. Throws past Number.MAX_SAFE_INTEGER.
 */
export function decimalToInteger(d: Decimal, shift: number): number {
  const exp = d.exp + shift;
  let n: bigint;
  if (exp >= 0) n = d.units * 10n ** BigInt(exp);
  else {
    const div = 10n ** BigInt(-exp);
    const abs = d.units < 0n ? -d.units : d.units;
    let q = abs / div;
    if ((abs % div) * 2n >= div) q += 1n;
    n = d.units < 0n ? -q : q;
  }
  const value = Number(n);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount too large: ${formatDecimal(d)}`);
  return value === 0 ? 0 : value;
}

/** Plain decimal text of d (no exponent), for messages. */
export function formatDecimal(d: Decimal): string {
  const neg = d.units < 0n;
  let digits = (neg ? -d.units : d.units).toString();
  if (d.exp >= 0) digits += '0'.repeat(d.exp);
  else {
    digits = digits.padStart(-d.exp + 1, '0');
    digits = `${digits.slice(0, d.exp)}.${digits.slice(d.exp)}`;
  }
  return `${neg ? '-' : ''}${digits}`;
}
