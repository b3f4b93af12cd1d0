// Anthropic's Admin API (usage and cost reports) behind the same CostSource port as OpenAI.
// Caveats surfaced to users (README): Priority Tier costs are not in the cost report, so they are
// missing from actual costs; the default workspace has no id, so its costs show under "(none)".
import type { ZodType } from 'zod';
import { centsStringToMicros } from '../../core/money.ts';
import type { CostSource, DailyCost, UsageEstimate } from '../../ports.ts';
import { dailyCost } from '../daily-cost.ts';
import { ProviderQuotaError, ProviderResponseError } from '../errors.ts';
import { EstimateTally } from '../estimate.ts';
import { getJson, type HttpOptions } from '../http.ts';
import { type Page, paginate } from '../paginate.ts';
import {
  type AnthropicPriceTable,
  defaultAnthropicPrices,
  findAnthropicPrice,
  priceMessages,
} from './pricing.ts';
import { costReportSchema, messagesUsageSchema } from './schemas.ts';

export interface AnthropicOptions extends Omit<HttpOptions, 'provider' | 'headers' | 'classify'> {
  adminKey: string;
  baseUrl?: string;
  prices?: AnthropicPriceTable;
}

const PROVIDER = 'anthropic';
const CENTS = /^\d+(\.\d+)?$/;

export class AnthropicCostSource implements CostSource {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly prices: AnthropicPriceTable;

  constructor(options: AnthropicOptions) {
    const { adminKey, baseUrl, prices, ...rest } = options;
    this.baseUrl = (baseUrl ?? 'https://api.anthropic.com/v1').replace(/\/+$/, '');
    this.prices = prices ?? defaultAnthropicPrices;
    this.http = {
      ...rest,
      provider: PROVIDER,
      headers: { 'x-api-key': adminKey, 'anthropic-version': '2023-06-01', accept: 'application/json' },
      // Out of credit: waiting does not help, a person must pay. (429 rate_limit_error and 5xx,
      // including 529 overloaded_error, are retried by getJson.)
      classify: (_status, body) => {
        const error = (body as { error?: { type?: string; message?: string } })?.error;
        return error?.type === 'billing_error'
          ? new ProviderQuotaError(PROVIDER, `billing_error: ${error.message ?? ''}`)
          : undefined;
      },
    };
  }

  async dailyCosts(range: { start: Date; end: Date }): Promise<DailyCost[]> {
    const days: DailyCost[] = [];
    const what = 'anthropic cost_report';
    let index = 0;
    for await (const bucket of this.pages('/organizations/cost_report', what, costReportSchema, range, {
      bucket_width: '1d',
      limit: '31',
      'group_by[]': 'workspace_id',
    })) {
      const at = `${what}: data[${index++}]`;
      const items = bucket.results.map((r, i) => {
        if (r.currency.toUpperCase() !== 'USD') {
          throw new ProviderResponseError(
            PROVIDER,
            `${at}.results[${i}].currency: expected "USD", got "${r.currency}"`,
          );
        }
        if (!CENTS.test(r.amount)) {
          throw new ProviderResponseError(
            PROVIDER,
            `${at}.results[${i}].amount: expected a decimal string of cents, got ${JSON.stringify(r.amount)}`,
          );
        }
        return { scope: r.workspace_id, micros: centsStringToMicros(r.amount) };
      });
      days.push(
        dailyCost(PROVIDER, what, Date.parse(bucket.starting_at), Date.parse(bucket.ending_at), items),
      );
    }
    return days.sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async usageEstimate(range: { start: Date; end: Date }): Promise<UsageEstimate> {
    const tally = new EstimateTally();
    if (range.end.getTime() - range.start.getTime() >= 60_000) {
      const rows = this.pages(
        '/organizations/usage_report/messages',
        'anthropic usage_report',
        messagesUsageSchema,
        range,
        // workspace_id: the spike alert names the workspaces that drove an hour.
        { bucket_width: '1h', limit: '168', 'group_by[]': ['workspace_id', 'model'] },
      );
      for await (const bucket of rows) {
        const hour = Date.parse(bucket.starting_at);
        if (Number.isNaN(hour))
          throw new ProviderResponseError(
            PROVIDER,
            `anthropic usage_report: starting_at: expected an RFC 3339 instant, got ${JSON.stringify(bucket.starting_at)}`,
          );
        for (const r of bucket.results) {
          const price = r.model ? findAnthropicPrice(this.prices, r.model) : undefined;
          tally.add(r.model, price && priceMessages(price, r), r.uncached_input_tokens + r.output_tokens, {
            hour,
            scope: r.workspace_id,
          });
        }
      }
    }
    return tally.result(range);
  }

  private pages<T extends Page<{ starting_at: string; ending_at: string }>>(
    path: string,
    what: string,
    schema: ZodType<T>,
    range: { start: Date; end: Date },
    params: Record<string, string | string[]>,
  ): AsyncGenerator<T['data'][number]> {
    return paginate(PROVIDER, what, (page) => {
      const url = new URL(`${this.baseUrl}${path}`);
      url.searchParams.set('starting_at', range.start.toISOString().replace('.000Z', 'Z'));
      url.searchParams.set('ending_at', range.end.toISOString().replace('.000Z', 'Z'));
      for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) url.searchParams.append(k, x);
      if (page) url.searchParams.set('page', page);
      return getJson(url, what, schema, this.http);
    }) as AsyncGenerator<T['data'][number]>;
  }
}
