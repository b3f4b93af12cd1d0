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

/**
 * One completions usage row. `input_tokens` includes cached and cache-write tokens; the audio and
 * image counts are parts (uncached, cached, output) of their totals (LIVE.md, the OpenAPI spec).
 * Parts that add up to more than their total are refused, naming the field: pricing them would
 * count tokens twice.
 */
export const completionsResultSchema = z
  .object({
    object: z.literal('organization.usage.completions.result'),
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    num_model_requests: z.number().int().nonnegative(),
    input_cached_tokens: count,
    input_cache_write_tokens: count,
    input_uncached_tokens: count,
    input_audio_tokens: count,
    input_cached_audio_tokens: count,
    input_image_tokens: count,
    input_cached_image_tokens: count,
    output_audio_tokens: count,
    output_image_tokens: count,
    model: nullableString,
    batch: z.boolean().nullable().optional(),
    service_tier: nullableString,
    project_id: nullableString,
  })
  .superRefine((r, ctx) => {
    const over = (path: string, parts: number, what: string, total: number) => {
      if (parts > total)
        ctx.addIssue({ code: 'custom', path: [path], message: `${what} (${parts}) exceed ${total}` });
    };
    const cached = r.input_cached_tokens;
    over(
      'input_cached_tokens',
      cached + r.input_cache_write_tokens,
      'cached + cache-write tokens',
      r.input_tokens,
    );
    const uncached = r.input_tokens - cached - r.input_cache_write_tokens;
    over(
      'input_audio_tokens',
      r.input_audio_tokens + r.input_image_tokens,
      'uncached audio + image tokens',
      uncached,
    );
    over(
      'input_cached_audio_tokens',
      r.input_cached_audio_tokens + r.input_cached_image_tokens,
      'cached audio + image tokens',
      cached,
    );
    over(
      'output_audio_tokens',
      r.output_audio_tokens + r.output_image_tokens,
      'audio + image output tokens',
      r.output_tokens,
    );
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
