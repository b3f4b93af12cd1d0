import {
  findModelPrices,
  half,
  loadPriceTable,
  type PriceTable,
  pricePico,
  ratesAt,
} from '../price-table.ts';
import prices from './prices.json' with { type: 'json' };
import type { CompletionsResult } from './schemas.ts';

export type { PriceTable } from '../price-table.ts';

/**
 * OpenAI prices generated from @pydantic/genai-prices (`npm run prices`). Used only for today's
 * estimate: the cost report replaces it once it covers the day.
 */
export const defaultPriceTable: PriceTable = loadPriceTable(prices, 'shared/providers/openai/prices.json');

/**
 * Pico-dollars for one completions usage row of the hour starting at `at`, or undefined when the
 * model has no token price (the caller reports it). Input is split into its disjoint parts: text,
 * audio and image, each uncached or read from the cache, plus cache writes; each part at the
 * model's own rate for it, else the more general one (cache reads at the input rate for a model
 * without a cached rate). Batch rows cost half (the Batch API discount, which the package does not
 * list). Other `service_tier`s (flex, priority, scale) are priced at the standard rates: the package
 * has no rates for them. Long-context tiers need per-request sizes the hourly rows lack: base rate.
 */
export function priceUsage(table: PriceTable, row: CompletionsResult, at: Date): bigint | undefined {
  const model = row.model ? findModelPrices(table, row.model) : undefined;
  if (!model) return undefined;
  const cached = row.input_cached_tokens;
  const uncached = row.input_tokens - cached - row.input_cache_write_tokens;
  const picos = pricePico(ratesAt(model, at), {
    inputText: uncached - row.input_audio_tokens - row.input_image_tokens,
    inputAudio: row.input_audio_tokens,
    inputImage: row.input_image_tokens,
    cacheReadText: cached - row.input_cached_audio_tokens - row.input_cached_image_tokens,
    cacheReadAudio: row.input_cached_audio_tokens,
    cacheReadImage: row.input_cached_image_tokens,
    cacheWrite: row.input_cache_write_tokens,
    cacheWrite1h: 0,
    outputText: row.output_tokens - row.output_audio_tokens - row.output_image_tokens,
    outputAudio: row.output_audio_tokens,
    outputImage: row.output_image_tokens,
  });
  if (picos === undefined) return undefined;
  return row.batch === true ? half(picos) : picos;
}
