import { readFileSync } from 'node:fs';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { defaultAnthropicPrices } from '../../shared/providers/anthropic/pricing.ts';
import { defaultPriceTable } from '../../shared/providers/openai/pricing.ts';
import {
  findModelPrices,
  type MatchLogic,
  type PriceTable,
  pricePico,
  ratesAt,
} from '../../shared/providers/price-table.ts';
import { generatePriceTable, PROVIDERS, serialize, tablePath } from '../support/generate-prices.ts';

const shipped: Record<(typeof PROVIDERS)[number], PriceTable> = {
  openai: defaultPriceTable,
  anthropic: defaultAnthropicPrices,
};

describe.each(PROVIDERS)('%s prices.json', (provider) => {
  it('is what `npm run prices` generates from the installed @pydantic/genai-prices', () => {
    const fresh = serialize(generatePriceTable(provider));
    const file = readFileSync(tablePath(provider), 'utf8');
    expect(file, `${tablePath(provider)} drifted from the package: run npm run prices`).toBe(fresh);
  });

  it.each([1, 10])('prices every model and price period as the package does (usage × %i)', (scale) => {
    // One row with every part: the package's usage keys are totals that include their parts. × 10
    // passes every long-context tier start (200k, 272k input tokens).
    const parts = {
      inputText: 70_001,
      inputAudio: 3_001,
      inputImage: 2_003,
      cacheReadText: 11_003,
      cacheReadAudio: 1_009,
      cacheReadImage: 1_013,
      cacheWrite: 5_009,
      cacheWrite1h: 4_001,
      outputText: 9_007,
      outputAudio: 1_019,
      outputImage: 1_021,
    };
    for (const k of Object.keys(parts) as Array<keyof typeof parts>) parts[k] *= scale;
    const usage = {
      input_tokens:
        parts.inputText +
        parts.inputAudio +
        parts.inputImage +
        parts.cacheReadText +
        parts.cacheReadAudio +
        parts.cacheReadImage +
        parts.cacheWrite +
        parts.cacheWrite1h,
      cache_read_tokens: parts.cacheReadText + parts.cacheReadAudio + parts.cacheReadImage,
      cache_write_tokens: parts.cacheWrite + parts.cacheWrite1h,
      cache_write_1h_tokens: parts.cacheWrite1h,
      input_audio_tokens: parts.inputAudio + parts.cacheReadAudio,
      cache_audio_read_tokens: parts.cacheReadAudio,
      input_image_tokens: parts.inputImage + parts.cacheReadImage,
      cache_image_read_tokens: parts.cacheReadImage,
      output_tokens: parts.outputText + parts.outputAudio + parts.outputImage,
      output_audio_tokens: parts.outputAudio,
      output_image_tokens: parts.outputImage,
    };
    let compared = 0;
    for (const model of shipped[provider].models) {
      for (const period of model.prices) {
        const at = new Date(period.from ? `${period.from}T00:00:00Z` : '2020-01-01T00:00:00Z');
        const ours = pricePico(ratesAt(model, at), parts, usage.input_tokens);
        // The package's own model entry, priced on its own (matching is compared below).
        const info = findProvider({ providerId: provider })?.models.find((m) => m.id === model.id);
        expect(info, model.id).toBeDefined();
        if (!info) continue;
        const alone = {
          id: 'one',
          name: 'one',
          api_pattern: '',
          models: [{ ...info, match: { equals: 'x' } }],
        };
        const theirs = calcPrice(usage, 'x', { provider: alone, timestamp: at });
        if (ours === undefined) continue; // no token rates (per-hour audio): we report it unknown
        expect(Number(ours) / 1e12, `${model.id} from ${period.from}`).toBeCloseTo(
          theirs?.total_price ?? -1,
          9,
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(provider === 'openai' ? 80 : 20);
  });

  it('resolves every name the package lists to the model the package picks', () => {
    const names = (m: MatchLogic): string[] =>
      'or' in m || 'and' in m
        ? ('or' in m ? m.or : m.and).flatMap(names)
        : 'equals' in m
          ? [m.equals]
          : 'starts_with' in m
            ? [m.starts_with, `${m.starts_with}-20250929`]
            : [];
    let compared = 0;
    for (const model of shipped[provider].models) {
      for (const name of names(model.match)) {
        const theirs = calcPrice({ input_tokens: 1 }, name, { providerId: provider })?.model.id;
        if (theirs === undefined) continue;
        expect(findModelPrices(shipped[provider], name)?.id, name).toBe(theirs);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(provider === 'openai' ? 150 : 60);
  });
});
