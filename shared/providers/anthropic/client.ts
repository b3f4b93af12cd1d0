// Anthropic's Admin API (usage and cost reports) behind the same CostSource port as OpenAI.
// Caveats surfaced to users (README): Priority Tier costs are not in the cost report, so they are
// missing from actual costs; the default workspace has no id, so its costs show under "(none)".
import type { ZodType } from 'zod';
import { DAY_MS } from '../../core/time.ts';
import type { CostSource, DailyCost, UsageEstimate } from '../../ports.ts';
import { CENTS, completeDays, dailyCost } from '../daily-cost.ts';
import { type ProviderAuthReason, ProviderQuotaError, ProviderResponseError } from '../errors.ts';
import { EstimateTally } from '../estimate.ts';
import { type ErrorInfo, getJson, type HttpOptions } from '../http.ts';
import { type Page, paginate } from '../paginate.ts';
import { type AnthropicPriceTable, defaultAnthropicPrices, priceMessages } from './pricing.ts';
import { costReportSchema, messagesUsageSchema } from './schemas.ts';

export interface AnthropicOptions extends Omit<HttpOptions, 'provider' | 'headers' | 'classify'> {
  adminKey: string;
  baseUrl?: string;
  prices?: AnthropicPriceTable;
}

const PROVIDER = 'anthropic';
const HOUR_MS = 3_600_000;

/** The most buckets a request may ask for, by bucket width (Admin API reference). */
export const ANTHROPIC_PAGE_LIMITS = { '1d': 31, '1h': 168, '1m': 1440 } as const;

/** What a 401/403 means and what to do about it. The key itself never appears. */
export function anthropicAuthAdvice(
  adminKey: string,
): (status: number, error: ErrorInfo) => { reason: ProviderAuthReason; advice: string } {
  const create =
    'create an Admin API key (sk-ant-admin…) in the Claude Console under Settings → Admin keys (organization admins only)';
  return (status, error) => {
    const text = `${error.type ?? ''} ${error.message ?? ''} ${error.text}`;
    if ((adminKey.startsWith('sk-ant-') && !adminKey.startsWith('sk-ant-admin')) || status === 403) {
      return {
        reason: 'not-admin-key',
        advice: `this is not an Admin API key, and only admin keys can read usage and cost reports: ${create} and store it in the account's secret`,
      };
    }
    if (/invalid x-api-key|authentication_error|invalid api key/i.test(text)) {
      return {
        reason: 'invalid-key',
        advice: `the key was rejected (mistyped or revoked): ${create} and store it in the account's secret`,
      };
    }
    return { reason: 'unknown', advice: `check the admin key: ${create}` };
  };
}

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
      authAdvice: anthropicAuthAdvice(adminKey),
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
    const what = 'anthropic cost_report';
    const buckets = [];
    const params = {
      bucket_width: '1d',
      limit: String(ANTHROPIC_PAGE_LIMITS['1d']),
      'group_by[]': 'workspace_id',
    };
    for await (const bucket of this.pages(
      '/organizations/cost_report',
      what,
      costReportSchema,
      range,
      DAY_MS,
      params,
    )) {
      buckets.push(bucket);
    }
    // Amounts (cents, exact) and currency were checked by the schema, naming the JSON path.
    return completeDays(buckets, (b) => Date.parse(b.starting_at), range)
      .map((bucket) =>
        dailyCost(
          PROVIDER,
          what,
          Date.parse(bucket.starting_at),
          Date.parse(bucket.ending_at),
          bucket.results.map((r) => ({ scope: r.workspace_id, amount: r.amount })),
          CENTS,
        ),
      )
      .sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async usageEstimate(range: { start: Date; end: Date; countFrom?: Date }): Promise<UsageEstimate> {
    const tally = new EstimateTally();
    if (range.end.getTime() - range.start.getTime() >= 60_000) {
      const rows = this.pages(
        '/organizations/usage_report/messages',
        'anthropic usage_report',
        messagesUsageSchema,
        range,
        HOUR_MS,
        {
          bucket_width: '1h',
          limit: String(ANTHROPIC_PAGE_LIMITS['1h']),
          // Tier and context window change the rate (batch is half, 200k-1M the long-context tier);
          // workspace_id: the spike alert names the workspaces that drove an hour.
          'group_by[]': ['workspace_id', 'model', 'service_tier', 'context_window'],
        },
      );
      for await (const bucket of rows) {
        const hour = Date.parse(bucket.starting_at);
        if (Number.isNaN(hour))
          throw new ProviderResponseError(
            PROVIDER,
            `anthropic usage_report: starting_at: expected an RFC 3339 instant, got ${JSON.stringify(bucket.starting_at)}`,
          );
        const at = new Date(hour);
        for (const r of bucket.results) {
          tally.add(r.model, priceMessages(this.prices, r, at), r.uncached_input_tokens + r.output_tokens, {
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
    width: number,
    params: Record<string, string | string[]>,
  ): AsyncGenerator<T['data'][number]> {
    // starting_at on a bucket boundary (00:00 UTC for days) and an explicit ending_at: a start
    // off the boundary without ending_at is answered 400 "ending date must be after starting
    // date" (LIVE.md). The same query on every page; only `page` is added.
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const query = new URLSearchParams();
    query.set('starting_at', iso(Math.floor(range.start.getTime() / width) * width));
    query.set('ending_at', iso(range.end.getTime()));
    for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) query.append(k, x);
    return paginate(PROVIDER, what, (page) => {
      const url = new URL(`${this.baseUrl}${path}?${query}`);
      if (page) url.searchParams.set('page', page);
      return getJson(url, what, schema, this.http);
    }) as AsyncGenerator<T['data'][number]>;
  }
}
