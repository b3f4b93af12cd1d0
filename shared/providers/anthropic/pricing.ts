import * as z from 'zod';
import { findModel } from '../daily-cost.ts';
import prices from './prices.json' with { type: 'json' };
import type { MessagesUsageResult } from './schemas.ts';

const rate = z.number().nonnegative();
const modelSchema = z.object({
  input: rate,
  output: rate,
  cache_write_5m: rate,
  cache_write_1h: rate,
  cache_read: rate,
});

export type AnthropicPrice = z.infer<typeof modelSchema>;
export type AnthropicPriceTable = ReadonlyMap<string, AnthropicPrice>;

export const defaultAnthropicPrices: AnthropicPriceTable = new Map(
  Object.entries(z.object({ models: z.record(z.string(), modelSchema) }).parse(prices).models),
);

export const findAnthropicPrice = (table: AnthropicPriceTable, model: string) => findModel(table, model);

/**
 * Micro-dollars for one usage row. Total input = uncached + cache creation (1 h + 5 min) + cache
 * reads, each at its own rate.
 */
export function priceMessages(p: AnthropicPrice, u: MessagesUsageResult): number {
  return (
    (u.uncached_input_tokens * p.input +
      u.cache_creation.ephemeral_5m_input_tokens * p.cache_write_5m +
      u.cache_creation.ephemeral_1h_input_tokens * p.cache_write_1h +
      u.cache_read_input_tokens * p.cache_read +
      u.output_tokens * p.output) *
    1_000_000
  );
}
