import * as z from 'zod';
import { decimalAmount, usdCurrency } from '../money-schema.ts';

/**
 * The wire format of OpenAI's Admin API, from the OpenAPI spec (openai/openai-openapi @ f85dbe2):
 * UsageResponse, UsageTimeBucket, CostsResult, UsageCompletionsResult, ErrorResponse.
 * Only what the spec marks required is required; unknown fields pass (the API grows).
 * Where the live API differs (shared/providers/LIVE.md), the live shape wins: `amount.value` may be
 * a numeric string, ungrouped keys are `null`, undocumented keys (project_name, quantity, …) pass.
 */
const nullableString = z.string().nullable().optional();

export const costsResultSchema = z.object({
  object: z.literal('organization.costs.result'),
  amount: z.object({ value: decimalAmount, currency: usdCurrency }).nullish(),
  line_item: nullableString,
  project_id: nullableString,
  api_key_id: nullableString,
});

/** Optional token counts: absent in older responses, `null` when not applicable. */
const count = z
  .number()
  .int()
  .nonnegative()
  .nullish()
  .transform((n) => n ?? 0);

export const completionsResultSchema = z.object({
  object: z.literal('organization.usage.completions.result'),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  num_model_requests: z.number().int().nonnegative(),
  input_cached_tokens: count,
  model: nullableString,
  batch: z.boolean().nullable().optional(),
  project_id: nullableString,
});

const page = <T extends z.ZodType>(result: T) =>
  z.object({
    object: z.literal('page'),
    data: z.array(
      z.object({
        object: z.literal('bucket'),
        start_time: z.number().int(),
        end_time: z.number().int(),
        results: z.array(result),
      }),
    ),
    has_more: z.boolean(),
    next_page: z.string().nullable(),
  });

export const costsPageSchema = page(costsResultSchema);
export const completionsPageSchema = page(completionsResultSchema);

export const errorResponseSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

export type CostsPage = z.infer<typeof costsPageSchema>;
export type CompletionsResult = z.infer<typeof completionsResultSchema>;
