import * as z from 'zod';
import { type Decimal, decimalFromJson } from '../core/decimal.ts';

/**
 * A money amount as the live APIs send it: a JSON number or a numeric string ("12.50",
 * "0.0000001234", "4.128e4"), read exactly. Anything else (empty, "12,5", NaN, a boolean) is an
 * issue at this field's JSON path.
 */
export const decimalAmount = z.unknown().transform((value, ctx): Decimal => {
  const d = decimalFromJson(value);
  if (d) return d;
  ctx.addIssue({
    code: 'custom',
    message: `expected a decimal amount (a number or a numeric string), got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
  });
  return z.NEVER;
});

/** Currency must be USD, any case ("usd" from OpenAI, "USD" from Anthropic). */
export const usdCurrency = z.string().refine((c) => c.toUpperCase() === 'USD', {
  error: (issue) =>
    `currency ${JSON.stringify(issue.input)} is not USD: burnrate tracks USD credit only (is this organization billed in another currency?)`,
});
