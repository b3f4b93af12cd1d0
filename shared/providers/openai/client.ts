// Why not the official `openai` package's admin client: it would add its own retry policy and a
// large bundle to every Lambda, while we need strict zod validation at this trust boundary, typed
// errors that never carry the key, and our own estimate pricing. Two GET endpoints do not need it.
import { usdToMicros } from '../../core/money.ts';
import { dayKey } from '../../core/time.ts';
import { type CostSource, type DailyCost, NO_SCOPE, type UsageEstimate } from '../../ports.ts';
import { ProviderQuotaError, ProviderResponseError } from '../errors.ts';
import { getJson, type HttpOptions } from '../http.ts';
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
    for await (const bucket of this.pages('/organization/costs', 'openai costs', costsPageSchema, range, {
      bucket_width: '1d',
      limit: '180',
      group_by: 'project_id',
    })) {
      const { start_time: s, end_time: e } = bucket;
      if (s % 86_400 !== 0 || e - s !== 86_400) {
        throw new ProviderResponseError(PROVIDER, `openai costs: bucket ${s}..${e} is not one UTC day`);
      }
      const byScope: Record<string, number> = {};
      let amountMicros = 0;
      bucket.results.forEach((r, i) => {
        if (!r.amount) return;
        if (r.amount.currency.toLowerCase() !== 'usd') {
          throw new ProviderResponseError(
            PROVIDER,
            `openai costs: day ${dayKey(s * 1000)}: results[${i}].amount.currency: expected "usd", got "${r.amount.currency}"`,
          );
        }
        const micros = usdToMicros(r.amount.value);
        const scope = r.project_id || NO_SCOPE;
        byScope[scope] = (byScope[scope] ?? 0) + micros;
        amountMicros += micros;
      });
      days.push({ day: dayKey(s * 1000), amountMicros, byScope });
    }
    return days.sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async usageEstimate(range: { start: Date; end: Date }): Promise<UsageEstimate> {
    const unknown = new Set<string>();
    let micros = 0;
    if (range.end.getTime() - range.start.getTime() >= 60_000) {
      for await (const bucket of this.pages(
        '/organization/usage/completions',
        'openai usage',
        completionsPageSchema,
        range,
        {
          bucket_width: '1h',
          limit: '168',
          group_by: ['model', 'batch'],
        },
      )) {
        for (const r of bucket.results) {
          const price = r.model ? findPrice(this.prices, r.model) : undefined;
          if (price) micros += priceUsage(price, r);
          else if (r.input_tokens + r.output_tokens > 0) unknown.add(r.model ?? '(no model)');
        }
      }
    }
    return {
      amountMicros: Math.round(micros),
      unknownModels: [...unknown].sort(),
      start: range.start,
      end: range.end,
    };
  }

  /** Follows has_more/next_page; a page that claims more but gives no cursor (or repeats one) is an error. */
  private async *pages<
    T extends {
      data: Array<{ start_time: number; end_time: number }>;
      has_more: boolean;
      next_page: string | null;
    },
  >(
    path: string,
    what: string,
    schema: import('zod').ZodType<T>,
    range: { start: Date; end: Date },
    params: Record<string, string | string[]>,
  ): AsyncGenerator<T['data'][number]> {
    const seen = new Set<string>();
    let page: string | undefined;
    for (;;) {
      const url = new URL(`${this.baseUrl}${path}`);
      url.searchParams.set('start_time', String(Math.floor(range.start.getTime() / 1000)));
      url.searchParams.set('end_time', String(Math.ceil(range.end.getTime() / 1000)));
      for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) url.searchParams.append(k, x);
      if (page) url.searchParams.set('page', page);
      const body = await getJson(url, what, schema, this.http);
      yield* body.data;
      if (!body.has_more) return;
      if (!body.next_page)
        throw new ProviderResponseError(PROVIDER, `${what}: has_more is true but next_page is null`);
      if (seen.has(body.next_page))
        throw new ProviderResponseError(PROVIDER, `${what}: next_page repeats (${body.next_page})`);
      seen.add(body.next_page);
      page = body.next_page;
    }
  }
}
