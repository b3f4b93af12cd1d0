import * as z from 'zod';

/**
 * The wire format of Anthropic's Admin API usage and cost reports (from the API reference and
 * the 2025 OpenAPI blocks quoted in the project brief). Unknown fields pass (the API grows).
 */
const nullableString = z.string().nullable().optional();
const tokens = z.number().int().nonnegative();

export const costResultSchema = z.object({
  currency: z.string(),
  /** Lowest currency unit (cents) as a decimal string: "123.45" is $1.2345. */
  amount: z.string(),
  workspace_id: nullableString,
  description: nullableString,
  cost_type: nullableString,
  model: nullableString,
  service_tier: nullableString,
});

export const messagesUsageResultSchema = z.object({
  uncached_input_tokens: tokens,
  cache_creation: z
    .object({ ephemeral_1h_input_tokens: tokens.default(0), ephemeral_5m_input_tokens: tokens.default(0) })
    .default({ ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 }),
  cache_read_input_tokens: tokens.default(0),
  output_tokens: tokens,
  model: nullableString,
  workspace_id: nullableString,
  service_tier: nullableString,
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
