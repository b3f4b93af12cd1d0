/**
 * `npm run prices`: regenerates `shared/providers/{openai,anthropic}/prices.json` from the installed
 * `@pydantic/genai-prices` package (a dev dependency: the Lambda bundles carry only the small
 * generated tables, not the package's 800 KB catalogue). test/unit/prices-drift.test.ts fails
 * when a shipped table differs from what this would write, so upgrading the package
 * (`npm install -D @pydantic/genai-prices@latest && npm run prices`) is the way prices change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProvider, type ModelInfo, type ModelPrice, type TieredPrices } from '@pydantic/genai-prices';
import * as z from 'zod';
import {
  type MatchLogic,
  type PriceTable,
  RATE_KEYS,
  type Rate,
  type Rates,
} from '../../shared/providers/price-table.ts';

const matchSchema: z.ZodType<MatchLogic> = z.lazy(() =>
  z.union([
    z.strictObject({ equals: z.string() }),
    z.strictObject({ starts_with: z.string() }),
    z.strictObject({ ends_with: z.string() }),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ regex: z.string() }),
    z.strictObject({ or: z.array(matchSchema) }),
    z.strictObject({ and: z.array(matchSchema) }),
  ]),
);
const picoSchema = z.number().int().nonnegative();
const rateSchema = z.union([
  picoSchema,
  z.strictObject({
    base: picoSchema,
    tiers: z.array(z.strictObject({ start: z.number().int().nonnegative(), price: picoSchema })),
  }),
]);
/** What the runtime relies on (shared/providers/price-table.ts), checked on every generation. */
export const priceTableSchema: z.ZodType<PriceTable> = z.strictObject({
  _comment: z.string(),
  source: z.strictObject({ package: z.string(), version: z.string() }),
  provider: z.string(),
  models: z.array(
    z.strictObject({
      id: z.string(),
      match: matchSchema,
      prices: z
        .array(
          z.strictObject({
            from: z.iso.date().nullable(),
            rates: z.strictObject(Object.fromEntries(RATE_KEYS.map((k) => [k, rateSchema.optional()]))),
          }),
        )
        .min(1),
    }),
  ),
});

const ROOT = join(import.meta.dirname, '..', '..');
export const PROVIDERS = ['openai', 'anthropic'] as const;
export type PricedProvider = (typeof PROVIDERS)[number];

export const tablePath = (provider: PricedProvider) =>
  join(ROOT, 'shared', 'providers', provider, 'prices.json');

function packageVersion(): string {
  const entry = fileURLToPath(import.meta.resolve('@pydantic/genai-prices'));
  const pkg = JSON.parse(readFileSync(join(entry, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** $/MTok → pico-dollars per token, refusing a rate that is not a whole number of them. */
function pico(usdPerMtok: number, where: string): number {
  const scaled = usdPerMtok * 1e6;
  const whole = Math.round(scaled);
  if (!Number.isFinite(scaled) || whole < 0 || Math.abs(scaled - whole) > 1e-6) {
    throw new Error(`${where}: $${usdPerMtok}/MTok is not a whole number of pico-dollars per token`);
  }
  return whole;
}

function rate(value: number | TieredPrices, where: string): Rate {
  if (typeof value === 'number') return pico(value, where);
  return {
    base: pico(value.base, `${where}.base`),
    tiers: [...value.tiers]
      .sort((a, b) => a.start - b.start)
      .map((t, i) => ({ start: t.start, price: pico(t.price, `${where}.tiers[${i}]`) })),
  };
}

/** Token rates only (`*_mtok`); per-call prices (web searches) and per-hour audio are left out. */
function rates(prices: ModelPrice, where: string): Rates {
  const out: Rates = {};
  for (const [key, value] of Object.entries(prices).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || !key.endsWith('_mtok')) continue;
    const name = key.slice(0, -'_mtok'.length) as (typeof RATE_KEYS)[number];
    if (!RATE_KEYS.includes(name)) {
      throw new Error(
        `${where}: price key ${key} is not priced by burnrate: add it to RATE_KEYS and the usage mapping`,
      );
    }
    out[name] = rate(value, `${where}.${key}`);
  }
  return out;
}

function history(model: ModelInfo, where: string): PriceTable['models'][number]['prices'] {
  if (!Array.isArray(model.prices)) return [{ from: null, rates: rates(model.prices, where) }];
  return model.prices.map((p, i) => {
    const c = p.constraint;
    if (c !== undefined && c.type !== 'start_date') {
      throw new Error(
        `${where}.prices[${i}]: constraint ${JSON.stringify(c)} is not supported (start_date only)`,
      );
    }
    return { from: c?.start_date ?? null, rates: rates(p.prices, `${where}.prices[${i}]`) };
  });
}

/** The table for one provider, in the package's model order (first match wins, as in the package). */
export function generatePriceTable(providerId: PricedProvider): PriceTable {
  const provider = findProvider({ providerId });
  if (!provider || provider.id !== providerId)
    throw new Error(`@pydantic/genai-prices has no provider ${providerId}`);
  if (provider.fallback_model_providers?.length) {
    throw new Error(`${providerId}: fallback_model_providers are not supported by burnrate's matcher`);
  }
  const version = packageVersion();
  return priceTableSchema.parse({
    _comment:
      `Generated by \`npm run prices\` from @pydantic/genai-prices ${version} (provider "${providerId}"); do not edit. ` +
      'Rates are pico-dollars per token (= micro-dollars per million tokens; the package gives $/MTok). ' +
      'Only token rates are kept; models are in the package order, the first whose match accepts a name wins.',
    source: { package: '@pydantic/genai-prices', version },
    provider: providerId,
    models: provider.models.map((m) => ({
      id: m.id,
      match: m.match,
      prices: history(m, `${providerId} model ${m.id}`),
    })),
  });
}

export const serialize = (table: PriceTable) => `${JSON.stringify(table, null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const provider of PROVIDERS) {
    const table = generatePriceTable(provider);
    writeFileSync(tablePath(provider), serialize(table));
    console.log(
      `${tablePath(provider)}: ${table.models.length} models from @pydantic/genai-prices ${table.source.version}`,
    );
  }
}
