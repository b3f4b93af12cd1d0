import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  type Decimal,
  decimalFromJson,
  decimalToInteger,
  formatDecimal,
  parseDecimal,
  ZERO,
} from '../../shared/core/decimal.ts';

const micros = (d: Decimal | undefined) => {
  if (!d) throw new Error('not a decimal');
  return decimalToInteger(d, 6);
};
const sum = (values: unknown[]) =>
  values.reduce<Decimal>((acc, v) => {
    const d = decimalFromJson(v);
    if (!d) throw new Error(`bad ${String(v)}`);
    return addDecimal(acc, d);
  }, ZERO);

describe('decimal amounts: what the live cost reports send, exactly', () => {
  it.each([
    ['12.50', 12_500_000],
    ['0.0000001234', 0],
    ['0.0000005', 1], // half a micro-dollar rounds away from zero
    ['-0.0000005', -1],
    ['0.29', 290_000], // 0.29 * 1e6 is 289999.99999999994 in floats
    ['1.2345678e2', 123_456_780],
    ['90071992.547409', 90_071_992_547_409],
  ])('the string %j is %d micro-dollars', (text, expected) => {
    expect(micros(decimalFromJson(text))).toBe(expected);
  });

  it('a JSON number is read from its decimal form, rounded once', () => {
    expect(micros(decimalFromJson(0.0025945))).toBe(2595);
    expect(micros(decimalFromJson(1.234e-7))).toBe(0);
    expect(formatDecimal(decimalFromJson(1.234e-7) as Decimal)).toBe('0.0000001234');
  });

  it('sums many sub-micro amounts exactly before rounding once', () => {
    // 10,000 rows of $0.0000001234: rounding each row to micros would give 0.
    const rows = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? '0.0000001234' : 1.234e-7));
    expect(formatDecimal(sum(rows))).toBe('0.0012340000');
    expect(micros(sum(rows))).toBe(1234);
  });

  it.each([
    null,
    undefined,
    true,
    {},
    '',
    ' 1',
    '1,5',
    'NaN',
    'Infinity',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '1e400',
  ])('rejects %j', (value) => {
    expect(decimalFromJson(value)).toBeUndefined();
  });

  it('is exact for any amount with up to 10 decimals, string or number', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { maxLength: 50 }), (tenBillionths) => {
        const text = tenBillionths.map(
          (n) => `${n / 10n ** 10n}.${String(n % 10n ** 10n).padStart(10, '0')}`,
        );
        const total = tenBillionths.reduce((a, n) => a + n, 0n);
        const expected = Number((total + 5_000n) / 10_000n); // micros, half up (all non-negative)
        expect(micros(sum(text))).toBe(expected);
      }),
    );
  });

  it('parses what it formats', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.integer({ min: -12, max: 3 }),
        (units, exp) => {
          const text = formatDecimal({ units, exp });
          expect(formatDecimal(parseDecimal(text) as Decimal)).toBe(text);
        },
      ),
    );
  });
});
