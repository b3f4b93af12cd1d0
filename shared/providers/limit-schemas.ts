import * as z from 'zod';
import { decimalToInteger, formatDecimal } from '../core/decimal.ts';
import { decimalAmount } from './money-schema.ts';

/**
 * A spend-limit amount in whole cents, read through the exact decimal parser: OpenAI's integer
 * `threshold_amount` (a numeric string passes too, as costs amounts were seen live) and Anthropic's
 * "non-negative integer decimal string" `amount` ("50000", "50000.000000" or "5e4"). A fraction of a
 * cent or a negative amount is an issue at the field's JSON path.
 */
export const wholeCents = decimalAmount.transform((d, ctx): number => {
  const text = formatDecimal(d);
  const cents = d.units < 0n ? undefined : decimalToInteger(d, 0);
  if (cents === undefined || !/^\d+(\.0*)?$/.test(text)) {
    ctx.addIssue({ code: 'custom', message: `expected a whole, non-negative number of cents, got ${text}` });
    return z.NEVER;
  }
  return cents;
});

/**
 * The integer cents a caller asks to set: the providers take whole cents >= 1 (OpenAI's
 * `threshold_amount` minimum), so rounding is the caller's (the guard rounds up); anything else is
 * refused before a request is sent.
 */
export function checkLimitCents(provider: string, cents: number): number {
  if (!Number.isSafeInteger(cents) || cents < 1) {
    throw new RangeError(
      `${provider} spend limit: ${String(cents)} is not a whole number of cents >= 1 (round it before setting, e.g. up)`,
    );
  }
  return cents;
}
