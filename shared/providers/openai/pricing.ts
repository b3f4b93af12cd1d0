import * as z from 'zod';
import { findModel } from '../daily-cost.ts';
import prices from './prices.json' with { type: 'json' };

/**
 * USD per token for the models we can price. Source: LiteLLM's model_prices_and_context_window.json
 * (commit in prices.json's `_comment`). Used only for today's estimate: actual costs replace it.
 */
const modelSchema = z.object({
  input_cost_per_token: z.number().nonnegative(),
  output_cost_per_token: z.number().nonnegative(),
  cache_read_input_token_cost: z.number().nonnegative().optional(),
  input_cost_per_token_batches: z.number().nonnegative().optional(),
  output_cost_per_token_batches: z.number().nonnegative().optional(),
});

export type ModelPrice = z.infer<typeof modelSchema>;
export type PriceTable = ReadonlyMap<string, ModelPrice>;

export const defaultPriceTable: PriceTable = new Map(
  Object.entries(z.object({ models: z.record(z.string(), modelSchema.loose()) }).parse(prices).models),
);

export function findPrice(table: PriceTable, model: string): ModelPrice | undefined {
  return findModel(table, model);
}

/** Micro-dollars for one usage row; fractions of a micro-dollar are kept until the day's sum. */
export function priceUsage(
  p: ModelPrice,
  u: {
    input_tokens: number;
    input_cached_tokens: number;
    output_tokens: number;
    batch?: boolean | null | undefined;
  },
): number {
  const batch = u.batch === true;
  const input = (batch ? p.input_cost_per_token_batches : undefined) ?? p.input_cost_per_token;
  const output = (batch ? p.output_cost_per_token_batches : undefined) ?? p.output_cost_per_token;
  const cached = p.cache_read_input_token_cost ?? input;
  const uncached = Math.max(0, u.input_tokens - u.input_cached_tokens);
  return (uncached * input + u.input_cached_tokens * cached + u.output_tokens * output) * 1_000_000;
}
