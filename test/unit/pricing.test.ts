import { describe, expect, it } from 'vitest';
import {
  defaultAnthropicPrices as anthropic,
  priceMessages,
} from '../../shared/providers/anthropic/pricing.ts';
import { messagesUsageResultSchema } from '../../shared/providers/anthropic/schemas.ts';
import { EstimateTally } from '../../shared/providers/estimate.ts';
import { defaultPriceTable as openai, priceUsage } from '../../shared/providers/openai/pricing.ts';
import { completionsResultSchema } from '../../shared/providers/openai/schemas.ts';
import { findModelPrices } from '../../shared/providers/price-table.ts';

// Expected figures are computed by hand from @pydantic/genai-prices 0.1.8's $/MTok rates (quoted
// beside each case). Prices are pico-dollars (10^-12 $): $1 = 10^12.
const USD = 1_000_000_000_000;
const AT = new Date('2026-11-24T10:00:00Z');

/** A completions row as the live API sends it: spec fields, the newer optional ones, nulls. */
const oa = (fields: Record<string, unknown>) =>
  completionsResultSchema.parse({
    object: 'organization.usage.completions.result',
    input_tokens: 0,
    output_tokens: 0,
    num_model_requests: 1,
    project_id: null,
    user_id: null,
    api_key_id: null,
    batch: null,
    service_tier: null,
    ...fields,
  });

const an = (fields: Record<string, unknown>) =>
  messagesUsageResultSchema.parse({
    uncached_input_tokens: 0,
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    cache_read_input_tokens: 0,
    output_tokens: 0,
    server_tool_use: { web_search_requests: 0 },
    workspace_id: null,
    service_tier: 'standard',
    context_window: '0-200k',
    ...fields,
  });

const usd = (picos: bigint | undefined) => (picos === undefined ? undefined : Number(picos) / USD);

describe('OpenAI usage rows', () => {
  // gpt-4o: input $2.50, cached input $1.25, output $10 per MTok.
  const row = {
    model: 'gpt-4o-2024-08-06',
    input_tokens: 1_000_000,
    input_cached_tokens: 400_000,
    output_tokens: 500_000,
  };

  it('prices uncached input, cached input and output each at its rate (spec-shaped row)', () => {
    // 600k × 2.50 + 400k × 1.25 + 500k × 10 = 1.50 + 0.50 + 5.00
    expect(priceUsage(openai, oa(row), AT)).toBe(7_000_000_000_000n);
  });

  it('prices cached input below plain input, and a batch row at half', () => {
    const plain = priceUsage(openai, oa({ ...row, input_cached_tokens: 0 }), AT);
    expect(usd(plain)).toBe(2.5 + 5);
    expect(usd(priceUsage(openai, oa({ ...row, batch: true }), AT))).toBe(3.5);
    expect(usd(priceUsage(openai, oa({ ...row, batch: false }), AT))).toBe(7);
  });

  it('prices cache writes at the cache-write rate, with the price in force at the hour (history)', () => {
    // gpt-5.6-luna from 2026-07-30: input 0.20, cache write 0.25, cache read 0.02, output 1.20.
    const luna = oa({
      model: 'gpt-5.6-luna',
      input_tokens: 1_000_000,
      input_cached_tokens: 300_000,
      input_cache_write_tokens: 200_000,
      input_uncached_tokens: 500_000,
      output_tokens: 100_000,
    });
    // 500k × 0.20 + 200k × 0.25 + 300k × 0.02 + 100k × 1.20 = 0.10 + 0.05 + 0.006 + 0.12
    expect(priceUsage(openai, luna, AT)).toBe(276_000_000_000n);
    // Before 2026-07-30: input 1, cache write 1.25, cache read 0.10, output 6.
    expect(usd(priceUsage(openai, luna, new Date('2026-07-29T23:00:00Z')))).toBe(0.5 + 0.25 + 0.03 + 0.6);
  });

  it('prices audio parts at the audio rates (live row with the extra fields)', () => {
    // gpt-4o-realtime-preview: text in 5, cached 2.50, out 20; audio in 40, cached audio 2.50, out 80.
    const r = oa({
      model: 'gpt-4o-realtime-preview-2024-12-17',
      input_tokens: 10_000,
      input_cached_tokens: 3_000,
      input_cached_audio_tokens: 1_000,
      input_cached_text_tokens: 2_000,
      input_audio_tokens: 2_000,
      input_text_tokens: 5_000,
      input_image_tokens: null,
      output_tokens: 4_000,
      output_audio_tokens: 1_000,
      output_text_tokens: 3_000,
    });
    // 5k×5 + 2k×40 + 2k×2.5 + 1k×2.5 + 3k×20 + 1k×80 (per MTok)
    expect(usd(priceUsage(openai, r, AT))).toBeCloseTo(0.025 + 0.08 + 0.005 + 0.0025 + 0.06 + 0.08, 12);
    expect(priceUsage(openai, r, AT)).toBe(252_500_000_000n);
  });

  it('prices cached tokens at the input rate for a snapshot without a cached rate', () => {
    // gpt-4o-2024-05-13: input $5, output $15, no cached-input price.
    expect(usd(priceUsage(openai, oa({ ...row, model: 'gpt-4o-2024-05-13', output_tokens: 0 }), AT))).toBe(5);
  });

  it('is exact on integers past 2^53 pico-dollars', () => {
    // o1-pro output $600/MTok: 10,000,000,007 tokens = $6,000,000.0042
    const big = priceUsage(openai, oa({ model: 'o1-pro', output_tokens: 10_000_000_007 }), AT);
    expect(big).toBe(10_000_000_007n * 600_000_000n);
  });

  it('refuses a row whose parts exceed their total, naming the field', () => {
    const bad = completionsResultSchema.safeParse({
      object: 'organization.usage.completions.result',
      input_tokens: 100,
      input_cached_tokens: 80,
      input_cache_write_tokens: 30,
      output_tokens: 0,
      num_model_requests: 1,
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['input_cached_tokens']);
    expect(bad.error?.issues[0]?.message).toBe('cached + cache-write tokens (110) exceed 100');
  });

  it('leaves an unknown model and a model without token rates unpriced, not zero', () => {
    expect(priceUsage(openai, oa({ model: 'gpt-9-turbo', input_tokens: 10 }), AT)).toBeUndefined();
    // whisper-1 is priced per audio hour only.
    expect(priceUsage(openai, oa({ model: 'whisper-1', input_tokens: 10 }), AT)).toBeUndefined();
    const tally = new EstimateTally();
    tally.add('gpt-4o', priceUsage(openai, oa(row), AT), 1_500_000);
    tally.add('gpt-9-turbo', priceUsage(openai, oa({ model: 'gpt-9-turbo', input_tokens: 10 }), AT), 10);
    tally.add('whisper-1', priceUsage(openai, oa({ model: 'whisper-1', input_tokens: 10 }), AT), 10);
    expect(tally.result({ start: AT, end: AT })).toMatchObject({
      amountMicros: 7_000_000,
      unknownModels: ['gpt-9-turbo', 'whisper-1'],
    });
  });
});

describe('Anthropic usage rows', () => {
  // claude-sonnet-4-5: input 3, 5 min write 3.75, 1 h write 6, cache read 0.30, output 15 per MTok;
  // above 200k input tokens 6, 7.50, 12, 0.60, 22.50.
  const base = {
    model: 'claude-sonnet-4-5-20250929',
    uncached_input_tokens: 100_000,
    cache_creation: { ephemeral_5m_input_tokens: null, ephemeral_1h_input_tokens: 20_000 },
    cache_read_input_tokens: 50_000,
    output_tokens: 10_000,
  };

  it('prices uncached, 5 min and 1 h cache writes, cache reads and output each at its rate', () => {
    // null 5-minute count (seen live): 100k×3 + 20k×6 + 50k×0.30 + 10k×15
    expect(priceMessages(anthropic, an(base), AT)).toBe(585_000_000_000n);
    const with5m = an({
      ...base,
      cache_creation: { ephemeral_5m_input_tokens: 30_000, ephemeral_1h_input_tokens: 20_000 },
    });
    expect(usd(priceMessages(anthropic, with5m, AT))).toBeCloseTo(0.585 + 0.1125, 12);
    // cache_creation absent or null: no cache writes
    expect(usd(priceMessages(anthropic, an({ ...base, cache_creation: null }), AT))).toBeCloseTo(0.465, 12);
  });

  it('prices the 200k-1M context window at the long-context tier', () => {
    // 100k×6 + 20k×12 + 50k×0.60 + 10k×22.50
    expect(usd(priceMessages(anthropic, an({ ...base, context_window: '200k-1M' }), AT))).toBeCloseTo(
      1.095,
      12,
    );
  });

  it('prices batch at half and Priority Tier at zero (it is billed outside the cost report)', () => {
    expect(priceMessages(anthropic, an({ ...base, service_tier: 'batch' }), AT)).toBe(292_500_000_000n);
    expect(priceMessages(anthropic, an({ ...base, service_tier: 'priority' }), AT)).toBe(0n);
  });

  it('names an unknown model', () => {
    expect(priceMessages(anthropic, an({ ...base, model: 'claude-instant-9' }), AT)).toBeUndefined();
  });
});

describe('model names', () => {
  it.each([
    ['gpt-4o-2024-08-06', openai, 'gpt-4o'],
    ['GPT-4o ', openai, 'gpt-4o'],
    ['gpt-4o-2024-05-13', openai, 'gpt-4o-2024-05-13'],
    ['gpt-4o-mini-2024-07-18', openai, 'gpt-4o-mini'],
    ['gpt-4.1-20250414', openai, 'gpt-4.1'], // compact date spelled out, as the package does
    ['gpt-4.1-2026-01-15', openai, 'gpt-4.1'], // an unlisted snapshot: its undated model
    ['claude-sonnet-4-5-20250929', anthropic, 'claude-sonnet-4-5'],
    ['claude-opus-5-20260301', anthropic, 'claude-opus-5'],
    ['claude-3-5-haiku-20241022', anthropic, 'claude-3-5-haiku-latest'],
  ])('%s resolves to %s', (name, table, id) => {
    expect(findModelPrices(table, name)?.id).toBe(id);
  });

  it('does not strip a date into a different model', () => {
    expect(findModelPrices(openai, 'gpt-9-2026-01-15')).toBeUndefined();
  });
});

describe('the day estimate', () => {
  it('sums pico-dollars exactly and rounds once, half up, to micro-dollars', () => {
    // gpt-4o-mini input $0.15/MTok: 10 tokens = 1.5 micro-dollars; three rows = 4.5 → 5 (rounding
    // each row would give 6).
    const tally = new EstimateTally();
    const r = oa({ model: 'gpt-4o-mini', input_tokens: 10 });
    for (let i = 0; i < 3; i++) tally.add('gpt-4o-mini', priceUsage(openai, r, AT), 10);
    expect(tally.result({ start: AT, end: AT }).amountMicros).toBe(5);
    const one = new EstimateTally();
    one.add('gpt-4o-mini', priceUsage(openai, oa({ model: 'gpt-4o-mini', input_tokens: 3 }), AT), 3);
    expect(one.result({ start: AT, end: AT }).amountMicros).toBe(0); // 0.45 micro-dollars
  });
});
