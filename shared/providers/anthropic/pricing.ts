import {
  findModelPrices,
  half,
  loadPriceTable,
  type PriceTable,
  pricePico,
  ratesAt,
} from '../price-table.ts';
import prices from './prices.json' with { type: 'json' };
import type { MessagesUsageResult } from './schemas.ts';

export type { PriceTable as AnthropicPriceTable } from '../price-table.ts';

/**
 * Anthropic prices generated from @pydantic/genai-prices (`npm run prices`). Used only for today's
 * estimate: the cost report replaces it once it covers the day.
 */
export const defaultAnthropicPrices: PriceTable = loadPriceTable(
  prices,
  'shared/providers/anthropic/prices.json',
);

/** "200k-1M" → 200000: the lower bound of a context_window group, 0 when absent or unreadable. */
function contextFloor(window: string | null | undefined): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)-/i.exec(window ?? '');
  if (!m) return 0;
  const scale = { '': 1, k: 1_000, m: 1_000_000 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * scale;
}

/**
 * Pico-dollars for one messages usage row of the hour starting at `at`; undefined when the model
 * has no token price (reported by the caller), 0n for Priority Tier usage, which Anthropic bills
 * outside the cost report (so the estimate stays comparable with the actual cost that replaces
 * it). Total input = uncached + 5-minute cache writes + 1-hour cache writes + cache reads, each at
 * its own rate; a `context_window` of "200k-1M" picks the model's long-context tier; batch costs
 * half (the Batch API discount, which the package does not list).
 */
export function priceMessages(table: PriceTable, row: MessagesUsageResult, at: Date): bigint | undefined {
  const model = row.model ? findModelPrices(table, row.model) : undefined;
  if (!model) return undefined;
  if (row.service_tier === 'priority') return 0n;
  const picos = pricePico(
    ratesAt(model, at),
    {
      inputText: row.uncached_input_tokens,
      inputAudio: 0,
      inputImage: 0,
      cacheReadText: row.cache_read_input_tokens,
      cacheReadAudio: 0,
      cacheReadImage: 0,
      cacheWrite: row.cache_creation.ephemeral_5m_input_tokens,
      cacheWrite1h: row.cache_creation.ephemeral_1h_input_tokens,
      outputText: row.output_tokens,
      outputAudio: 0,
      outputImage: 0,
    },
    // The package picks a tier when a request's input exceeds the tier's start: a request in the
    // 200k-1M window has more than 200k input tokens.
    contextFloor(row.context_window) + 1,
  );
  if (picos === undefined) return undefined;
  return row.service_tier === 'batch' ? half(picos) : picos;
}
