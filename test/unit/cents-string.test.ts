import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsStringToMicros } from '../../shared/core/money.ts';

describe('centsStringToMicros: Anthropic amounts are decimal strings of cents', () => {
  it.each([
    ['0', 0],
    ['0.001', 10],
    ['123.45', 1_234_500],
    ['123.78912', 1_237_891],
    ['123456789.99', 1_234_567_899_900],
    ['0.00005', 1], // half a micro-dollar rounds away from zero
    ['0.00004', 0],
    ['4.128e4', 412_800_000], // exponent forms, as a Python Decimal may print them
    ['4.128E+4', 412_800_000],
    ['41280.000000', 412_800_000],
    ['1e3', 10_000_000],
    ['5.', 50_000],
    ['.5', 5_000],
    ['1.5e-5', 0],
    ['5e-5', 1],
  ])('%s cents is %d micro-dollars', (text, micros) => {
    expect(centsStringToMicros(text)).toBe(micros);
  });

  it.each(['', '12,5', '-', '.', 'e5', ' 5', '5 ', 'NaN', 'Infinity', '0x10', '1e999999999', '1.2.3'])(
    'rejects %j',
    (text) => {
      expect(() => centsStringToMicros(text)).toThrow(/not a decimal amount of cents/);
    },
  );

  it('is exact where a float is not: any cents with up to 4 decimals', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), (tenThousandths) => {
        const text = `${tenThousandths / 10_000n}.${String(tenThousandths % 10_000n).padStart(4, '0')}`;
        expect(centsStringToMicros(text)).toBe(Number(tenThousandths));
      }),
    );
  });
});
