// Why not the official `openai` package's admin client: it would add its own retry policy and a
// large bundle to every Lambda, while we need strict zod validation at this trust boundary, typed
// errors that never carry the key, and our own estimate pricing. Two GET endpoints do not need it.

import type { ZodType } from 'zod';
import { usdToMicros } from '../../core/money.ts';
import { dayKey } from '../../core/time.ts';
import type { CostSource, DailyCost, UsageEstimate } from '../../ports.ts';
import { dailyCost } from '../daily-cost.ts';
import { ProviderQuotaError, ProviderResponseError } from '../errors.ts';
import { EstimateTally } from '../estimate.ts';
import { getJson, type HttpOptions } from '../http.ts';
import { type Page, paginate } from '../paginate.ts';
import { defaultPriceTable, findPrice, type PriceTable, priceUsage } from './pricing.ts';
import { completionsPageSchema, costsPageSchema } from './schemas.ts';

export interface OpenAiOptions extends Omit<HttpOptions, 'provider' | 'headers' | 'classify'> {
  adminKey: string;
  baseUrl?: string;
  prices?: PriceTable;
}

const PROVIDER = 'openai';

export class OpenAiCostSource implements CostSource {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly prices: PriceTable;

  constructor(options: OpenAiOptions) {
    const { adminKey, baseUrl, prices, ...rest } = options;
    this.baseUrl = (baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    this.prices = prices ?? defaultPriceTable;
    this.http = {
      ...rest,
      provider: PROVIDER,
      headers: { authorization: `Bearer ${adminKey}`, accept: 'application/json' },
      // Quota exhausted is a 429 too, but waiting does not help: a person must pay.
      classify: (status, body) => {
        const error = (body as { error?: { type?: string; code?: string; message?: string } })?.error;
        if (
          status === 429 &&
          (error?.type === 'insufficient_quota' || error?.code === 'insufficient_quota')
        ) {
          return new ProviderQuotaError(
            PROVIDER,
            `insufficient_quota: ${error.message ?? 'quota exhausted'}`,
          );
        }
        return undefined;
      },
    };
  }

  async dailyCosts(range: { start: Date; end: Date }): Promise<DailyCost[]> {
    const days: DailyCost[] = [];
    const params = { bucket_width: '1d', limit: '180', group_by: 'project_id' };
    for await (const bucket of this.pages(
      '/organization/costs',
      'openai costs',
      costsPageSchema,
      range,
      params,
    )) {
      const items = bucket.results.flatMap((r, i) => {
        if (!r.amount) return [];
        if (r.amount.currency.toLowerCase() !== 'usd') {
          throw new ProviderResponseError(
            PROVIDER,
            `openai costs: day ${dayKey(bucket.start_time * 1000)}: results[${i}].amount.currency: expected "usd", got "${r.amount.currency}"`,
          );
        }
        return [{ scope: r.project_id, micros: usdToMicros(r.amount.value) }];
      });
      days.push(dailyCost(PROVIDER, 'openai costs', bucket.start_time * 1000, bucket.end_time * 1000, items));
    }
    return days.sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async usageEstimate(range: { start: Date; end: Date }): Promise<UsageEstimate> {
    const tally = new EstimateTally();
    if (range.end.getTime() - range.start.getTime() >= 60_000) {
      for await (const bucket of this.pages(
        '/organization/usage/completions',
        'openai usage',
        completionsPageSchema,
        range,
        {
          bucket_width: '1h',
          limit: '168',
          // project_id: the spike alert names the projects that drove an hour.
          group_by: ['project_id', 'model', 'batch'],
        },
      )) {
        const where = { hour: bucket.start_time * 1000 };
        for (const r of bucket.results) {
          const price = r.model ? findPrice(this.prices, r.model) : undefined;
          tally.add(r.model, price && priceUsage(price, r), r.input_tokens + r.output_tokens, {
            ...where,
            scope: r.project_id,
          });
        }
      }
    }
    return tally.result(range);
  }

  private pages<T extends Page<{ start_time: number; end_time: number }>>(
    path: string,
    what: string,
    schema: ZodType<T>,
    range: { start: Date; end: Date },
    params: Record<string, string | string[]>,
  ): AsyncGenerator<T['data'][number]> {
    return paginate(PROVIDER, what, (page) => {
      const url = new URL(`${this.baseUrl}${path}`);
      url.searchParams.set('start_time', String(Math.floor(range.start.getTime() / 1000)));
      url.searchParams.set('end_time', String(Math.ceil(range.end.getTime() / 1000)));
      for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) url.searchParams.append(k, x);
      if (page) url.searchParams.set('page', page);
      return getJson(url, what, schema, this.http);
    }) as AsyncGenerator<T['data'][number]>;
  }
}
