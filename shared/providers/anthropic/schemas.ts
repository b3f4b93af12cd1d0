import * as z from 'zod';
import { decimalAmount, usdCurrency } from '../money-schema.ts';

/**
 * The wire format of Anthropic's Admin API usage and cost reports (from the API reference and
 * the 2025 OpenAPI blocks quoted in the project brief). Unknown fields pass (the API grows);
 * live shapes (shared/providers/LIVE.md) win: uppercase "USD", cents as exponent strings, `null`
 * inner fields of `cache_creation`.
 */
const nullableString = z.string().nullable().optional();
const tokens = z.number().int().nonnegative();
/** Optional counts: absent, or present with a `null` value (seen live inside cache_creation). */
const optionalTokens = tokens.nullish().transform((n) => n ?? 0);

export const costResultSchema = z.object({
  currency: usdCurrency,
  /** Lowest currency unit (cents) as a decimal string: "123.45" is $1.2345, "4.128e4" is $412.80. */
  amount: decimalAmount,
  workspace_id: nullableString,
  description: nullableString,
  cost_type: nullableString,
  model: nullableString,
  service_tier: nullableString,
});

export const messagesUsageResultSchema = z.object({
  uncached_input_tokens: tokens,
  cache_creation: z
    .object({ ephemeral_1h_input_tokens: optionalTokens, ephemeral_5m_input_tokens: optionalTokens })
    .nullish()
    .transform((c) => c ?? { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 }),
  cache_read_input_tokens: optionalTokens,
  output_tokens: tokens,
  model: nullableString,
  workspace_id: nullableString,
  /** standard | batch | priority | priority_on_demand | flex | flex_discount, when grouped on. */
  service_tier: nullableString,
  /** "0-200k" | "200k-1M", when grouped on: picks a long-context tier of the model's rates. */
  context_window: nullableString,
});

const page = <T extends z.ZodType>(result: T) =>
  z.object({
    data: z.array(z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(result) })),
    has_more: z.boolean(),
    next_page: z.string().nullable(),
  });

export const costReportSchema = page(costResultSchema);
export const messagesUsageSchema = page(messagesUsageResultSchema);
export type MessagesUsageResult = z.infer<typeof messagesUsageResultSchema>;
