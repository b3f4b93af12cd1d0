// Why not the official `openai` package's admin client: it would add its own retry policy and a
// large bundle to every Lambda, while we need strict zod validation at this trust boundary, typed
// errors that never carry the key, and our own estimate pricing. Two GET endpoints do not need it.

import type { ZodType } from 'zod';
import type { CostSource, DailyCost, UsageEstimate } from '../../ports.ts';
import { completeDays, DOLLARS, dailyCost } from '../daily-cost.ts';
import { type ProviderAuthReason, ProviderQuotaError } from '../errors.ts';
import { EstimateTally } from '../estimate.ts';
import { type ErrorInfo, getJson, type HttpOptions } from '../http.ts';
import { type Page, paginate } from '../paginate.ts';
import { defaultPriceTable, type PriceTable, priceUsage } from './pricing.ts';
import { completionsPageSchema, costsPageSchema } from './schemas.ts';

export interface OpenAiOptions extends Omit<HttpOptions, 'provider' | 'headers' | 'classify'> {
  adminKey: string;
  baseUrl?: string;
  prices?: PriceTable;
}

const PROVIDER = 'openai';

/**
 * The most buckets each endpoint accepts per request, by bucket width. Usage endpoints answer 400
 * above these; costs accepts up to 180 but returns at most 31 buckets a page (LIVE.md), so every
 * walk follows `next_page` whatever the page size.
 */
export const OPENAI_PAGE_LIMITS = {
  costs: { '1d': 180 },
  usage: { '1m': 1440, '1h': 168, '1d': 31 },
} as const;

/** What a 401/403 means and what to do about it. The key itself never appears. */
export function openAiAuthAdvice(
  adminKey: string,
): (status: number, error: ErrorInfo) => { reason: ProviderAuthReason; advice: string } {
  const create = 'create an admin key (sk-admin-…) under Organization settings → Admin keys';
  return (_status, error) => {
    const text = `${error.message ?? ''} ${error.code ?? ''} ${error.text}`;
    if (adminKey.startsWith('sk-') && !adminKey.startsWith('sk-admin-')) {
      return {
        reason: 'not-admin-key',
        advice: `this is a project or user key, which cannot read costs: ${create} and store it in the account's secret`,
      };
    }
    const scopes = /missing scopes?:\s*([\w.,\s]+?)\.?\s*$/i.exec(error.message ?? '')?.[1]?.trim();
    if (scopes || /insufficient permissions|missing scope/i.test(text)) {
      return {
        reason: 'missing-scope',
        advice: `this key lacks \`${scopes ?? 'api.usage.read'}\`: ${create} with read access to usage and store it in the account's secret`,
      };
    }
    if (/invalid_api_key|incorrect api key|invalid api key|revoked|deactivated/i.test(text)) {
      return {
        reason: 'invalid-key',
        advice: `the key was rejected (mistyped, revoked or from another organization): ${create} and store it in the account's secret`,
      };
    }
    return { reason: 'unknown', advice: `check the admin key: ${create}` };
  };
}

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
      authAdvice: openAiAuthAdvice(adminKey),
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
    const buckets = [];
    const params = {
      bucket_width: '1d',
      limit: String(OPENAI_PAGE_LIMITS.costs['1d']),
      group_by: 'project_id',
    };
    for await (const bucket of this.pages(
      '/organization/costs',
      'openai costs',
      costsPageSchema,
      range,
      params,
    )) {
      buckets.push(bucket);
    }
    // Currency and amounts were checked by the schema (naming the JSON path); rows without an
    // amount add nothing, and a day with `results: []` is a day without spend.
    return completeDays(buckets, (b) => b.start_time * 1000, range)
      .map((bucket) =>
        dailyCost(
          PROVIDER,
          'openai costs',
          bucket.start_time * 1000,
          bucket.end_time * 1000,
          bucket.results.flatMap((r) => (r.amount ? [{ scope: r.project_id, amount: r.amount.value }] : [])),
          DOLLARS,
        ),
      )
      .sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async usageEstimate(range: { start: Date; end: Date; countFrom?: Date }): Promise<UsageEstimate> {
    const tally = new EstimateTally();
    if (range.end.getTime() - range.start.getTime() >= 60_000) {
      for await (const bucket of this.pages(
        '/organization/usage/completions',
        'openai usage',
        completionsPageSchema,
        range,
        {
          bucket_width: '1h',
          limit: String(OPENAI_PAGE_LIMITS.usage['1h']),
          // project_id: the spike alert names the projects that drove an hour.
          group_by: ['project_id', 'model', 'batch'],
        },
      )) {
        const at = new Date(bucket.start_time * 1000);
        for (const r of bucket.results) {
          tally.add(r.model, priceUsage(this.prices, r, at), r.input_tokens + r.output_tokens, {
            hour: at.getTime(),
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
    // The query is built once: a `page` cursor is bound to it, and the API refuses the cursor
    // if any other parameter changes (LIVE.md), so every page of a walk sends the same query.
    const query = new URLSearchParams();
    query.set('start_time', String(Math.floor(range.start.getTime() / 1000)));
    query.set('end_time', String(Math.ceil(range.end.getTime() / 1000)));
    for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) query.append(k, x);
    return paginate(PROVIDER, what, (page) => {
      const url = new URL(`${this.baseUrl}${path}?${query}`);
      if (page) url.searchParams.set('page', page);
      return getJson(url, what, schema, this.http);
    }) as AsyncGenerator<T['data'][number]>;
  }
}
