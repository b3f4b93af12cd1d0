/** Also used by `npm start` for its demo: a local stand-in for the provider, never deployed. */
import { defaultPriceTable, priceUsage } from '../../providers/openai/pricing.ts';
import type { CompletionsResult } from '../../providers/openai/schemas.ts';
import {
  bucketStarts,
  type FakeMode,
  type Fault,
  fakeHandle,
  pageOf,
  type RecordedRequest,
  type Reply,
  startHttpFake,
} from './http-fake.ts';
import { FakeEnforcement, ORG_SCOPE, type SpendRow } from './limit-enforcement.ts';
import { openAiAdminFake } from './openai-admin-fake.ts';

/**
 * A fake OpenAI Admin API serving /v1/organization/costs and /v1/organization/usage/completions
 * from a scripted history, paginated like the real API (default page sizes 7 for 1d, 24 for 1h).
 *
 * `mode: 'spec'` (default) answers in the wire format of the OpenAPI spec excerpt. `mode: 'live'`
 * answers the way the live API was seen to (shared/providers/LIVE.md): `amount.value` a numeric
 * string on some rows (many decimals) and a number on others, plus sub-micro rows; costs clamp
 * pages to 31 buckets whatever `limit` says and refuse `limit` > 180; usage refuses `limit` above
 * the per-width maximum; a `page` cursor presented with any other parameter changed is a 400;
 * undocumented keys and `null`s for keys not grouped on; the current partial UTC day is returned
 * too; `scopelessKey` gets the bare-string 403.
 */
export interface UsageRow {
  hour: string;
  model: string;
  /** OpenAI project_id / Anthropic workspace_id; absent or null: none (the default workspace). */
  projectId?: string | null;
  input_tokens: number;
  input_cached_tokens?: number;
  output_tokens: number;
  num_model_requests?: number;
  batch?: boolean;
  /** Anthropic API key id (usage grouped by `api_key_id`; an inactive key's usage stops). */
  apiKeyId?: string | null;
}

export interface OpenAiFakeOptions {
  adminKey?: string;
  /** Forces smaller pages than the API's maxima, to exercise pagination. */
  maxPageSize?: number;
  mode?: FakeMode;
  /** An admin key without `api.usage.read`: refused with 403 (live: bare-string body) or 401 (spec: envelope). */
  scopelessKey?: string;
  /** "No limit set" on GET/DELETE spend_limit: '200' (0 cents, inactive; spec default) or '404' (live default). */
  noLimit?: '200' | '404';
  /** Minutes-not-seconds enforcement of hard limits (default 5 minutes), against `now`. */
  propagationDelayMs?: number;
  /** The fake's clock (ms), for when a limit was written; default the real time. */
  now?: () => number;
}

const DAY = 86_400;
const WIDTHS: Record<string, number> = { '1m': 60, '1h': 3_600, '1d': DAY };
/** Per-width `limit` maxima of the usage endpoints (above: 400). */
const USAGE_MAX: Record<string, number> = { '1m': 1440, '1h': 168, '1d': 31 };
const USAGE_DEFAULT: Record<string, number> = { '1m': 60, '1h': 24, '1d': 7 };
const COSTS_MAX = 180;
/** The live costs endpoint returns at most this many buckets per page, whatever `limit` says. */
const COSTS_LIVE_CLAMP = 31;
export const MISSING_SCOPE_MESSAGE =
  'You have insufficient permissions for this operation. Missing scopes: api.usage.read.';

const invalid = (
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
) => ({
  status,
  body: { error: { message, type: 'invalid_request_error', param, code } },
});

export async function startOpenAiFake(options: OpenAiFakeOptions = {}) {
  const adminKey = options.adminKey ?? 'sk-admin-test-key';
  const live = options.mode === 'live';
  let costs = new Map<string, Array<{ projectId: string | null; usd: number }>>();
  let usage: UsageRow[] = [];
  /** Days served exactly as given (one result per row, no grouping), for parsing edge cases. */
  let raw = new Map<string, RawCostRow[]>();
  const now = options.now ?? Date.now;
  const enforcement = new FakeEnforcement(now, options.propagationDelayMs);
  const admin = openAiAdminFake(
    {
      mode: live ? 'live' : 'spec',
      ...(options.noLimit ? { noLimit: options.noLimit } : {}),
      ...(options.maxPageSize ? { maxPageSize: options.maxPageSize } : {}),
    },
    enforcement,
  );
  /** Usage the provider would have served: rows stopped by a hard limit in force are gone. */
  const servedUsage = () => {
    const keep = enforcement.served(usage.map(spendRow), (day, scope) => {
      const rows = costs.get(day);
      if (!rows) return undefined;
      const usd = rows
        .filter((r) => scope === ORG_SCOPE || r.projectId === scope)
        .reduce((a, r) => a + r.usd, 0);
      return Math.round(usd * 1_000_000);
    });
    return usage.filter((_, i) => keep[i]);
  };

  const errorBody = (kind: Fault['kind']) => {
    const table: Record<string, [number, string, string | null, string]> = {
      '429': [429, 'rate_limit_exceeded', 'rate_limit_exceeded', 'Rate limit reached for requests'],
      insufficient_quota: [
        429,
        'insufficient_quota',
        'insufficient_quota',
        'You exceeded your current quota, please check your plan and billing details.',
      ],
      '500': [500, 'server_error', null, 'The server had an error while processing your request.'],
      '401': [401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'],
    };
    const [status, type, code, message] = table[kind] ?? table['500'] ?? [500, 'server_error', null, ''];
    return { status, body: { error: { message, type, param: null, code } } };
  };

  const route = (req: RecordedRequest, fault: Fault | undefined): Reply => {
    if (options.scopelessKey && req.headers.authorization === `Bearer ${options.scopelessKey}`) {
      return live
        ? { status: 403, body: { error: MISSING_SCOPE_MESSAGE } }
        : invalid(401, MISSING_SCOPE_MESSAGE);
    }
    if (req.headers.authorization !== `Bearer ${adminKey}`) return errorBody('401');
    const adminReply = admin.route(req, fault);
    if (adminReply) return adminReply;
    const q = req.query;
    const start = Number(q.get('start_time'));
    const end = q.has('end_time') ? Number(q.get('end_time')) : Math.floor(now() / 1000);
    const groupBy = [...q.getAll('group_by'), ...q.getAll('group_by[]')];
    const requested = q.has('limit') ? Number(q.get('limit')) : undefined;
    // The live API also returns the bucket that starts at end_time (the current, partial day).
    const through = live ? end + 1 : end;
    let buckets: object[];
    let limit: number;
    if (req.path === '/v1/organization/costs') {
      const width = q.get('bucket_width') ?? '1d';
      if (width !== '1d') return invalid(400, `Invalid bucket_width '${width}'. Supported values are: 1d.`);
      if (live && requested !== undefined && requested > COSTS_MAX) {
        return invalid(
          400,
          `Invalid limit provided: ${requested}. Limit must be less than or equal to ${COSTS_MAX}.`,
        );
      }
      limit = Math.min(requested ?? 7, COSTS_MAX, live ? COSTS_LIVE_CLAMP : COSTS_MAX);
      buckets = bucketStarts(start * 1000, through * 1000, DAY * 1000)
        .map((ms) => ms / 1000)
        .map((s, i) => ({
          object: 'bucket',
          start_time: s,
          end_time: s + DAY,
          results:
            rawResults(raw.get(new Date(s * 1000).toISOString().slice(0, 10))) ??
            costResults(
              costs.get(new Date(s * 1000).toISOString().slice(0, 10)) ?? [],
              groupBy,
              fault,
              live ? i : undefined,
            ),
        }));
    } else if (req.path === '/v1/organization/usage/completions') {
      const widthName = q.get('bucket_width') ?? '1d';
      const width = WIDTHS[widthName];
      const max = USAGE_MAX[widthName];
      if (!width || !max) return invalid(400, `Invalid bucket_width '${widthName}'.`);
      if (live && requested !== undefined && requested > max) {
        return invalid(
          400,
          `Invalid limit provided: ${requested}. Limit must be less than or equal to ${max} for bucket_width ${widthName}.`,
        );
      }
      limit = Math.min(requested ?? USAGE_DEFAULT[widthName] ?? 7, max);
      const served = servedUsage();
      buckets = bucketStarts(start * 1000, end * 1000, width * 1000)
        .map((ms) => ms / 1000)
        .map((s) => ({
          object: 'bucket',
          start_time: s,
          end_time: s + width,
          results: usageResults(
            served.filter((u) => {
              const t = Date.parse(u.hour) / 1000;
              return t >= s && t < s + width;
            }),
            groupBy,
            live,
          ),
        }));
    } else {
      return invalid(404, `Invalid URL (GET ${req.path})`);
    }
    const page = pageOf(buckets, q, Math.min(limit, options.maxPageSize ?? limit), live);
    if (!page) {
      return invalid(
        400,
        'The page cursor does not match this query: send the same parameters with it.',
        null,
        'page',
      );
    }
    const broken = fault?.kind === 'has_more_without_next';
    return {
      status: 200,
      body: {
        object: 'page',
        ...page,
        has_more: page.has_more || broken,
        next_page: broken ? null : page.next_page,
      },
    };
  };

  const http = await startHttpFake(route, errorBody);
  return {
    ...fakeHandle(http, adminKey),
    mode: live ? ('live' as const) : ('spec' as const),
    /** Hard-limit enforcement: `enforcement.delayMs` is the propagation delay. */
    enforcement,
    setProjects: admin.setProjects,
    spendLimitOf: admin.spendLimitOf,
    setSpendLimit: admin.setSpendLimit,
    setEnforcementWord: admin.setEnforcementWord,
    /** Daily costs: `YYYY-MM-DD` → line items (project, dollars). Replaces the history. */
    setCosts(history: Record<string, Array<{ projectId?: string | null; usd: number }>>) {
      costs = new Map(
        Object.entries(history).map(([d, rows]) => [
          d,
          rows.map((r) => ({ projectId: r.projectId ?? null, usd: r.usd })),
        ]),
      );
    },
    /** Cost rows exactly as the wire will carry them (`value` a number or any string). */
    setRawCosts(history: Record<string, RawCostRow[]>) {
      raw = new Map(Object.entries(history));
    },
    setUsage(rows: UsageRow[]) {
      usage = rows;
    },
  };
}

/** A usage row as spend: priced with the estimate's own table (unknown models cost nothing here). */
function spendRow(u: UsageRow): SpendRow {
  const row: CompletionsResult = {
    object: 'organization.usage.completions.result',
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    num_model_requests: u.num_model_requests ?? 1,
    input_cached_tokens: u.input_cached_tokens ?? 0,
    input_cache_write_tokens: 0,
    input_uncached_tokens: 0,
    input_audio_tokens: 0,
    input_cached_audio_tokens: 0,
    input_image_tokens: 0,
    input_cached_image_tokens: 0,
    output_audio_tokens: 0,
    output_image_tokens: 0,
    model: u.model,
    batch: u.batch ?? false,
  };
  const at = Date.parse(u.hour);
  const picos = priceUsage(defaultPriceTable, row, new Date(at)) ?? 0n;
  return { at, scope: u.projectId ?? null, micros: Number(picos / 1_000_000n) };
}

export interface RawCostRow {
  projectId?: string | null;
  value: number | string;
  currency?: string;
}

function rawResults(rows: RawCostRow[] | undefined) {
  return rows?.map((r) => ({
    object: 'organization.costs.result',
    amount: { value: r.value, currency: r.currency ?? 'usd' },
    line_item: null,
    project_id: r.projectId ?? null,
  }));
}

/**
 * Costs rows for one day. Live (`liveIndex` set): amounts alternate between a number and a
 * string padded to 10 decimals, and each group gains a sub-micro row ("0.0000001234") that must
 * not change the day's micro-dollar total when summed exactly; undocumented keys come along.
 */
function costResults(
  rows: Array<{ projectId: string | null; usd: number }>,
  groupBy: string[],
  fault: Fault | undefined,
  liveIndex: number | undefined,
) {
  const byProject = groupBy.includes('project_id');
  const groups = new Map<string | null, number>();
  for (const r of rows) {
    const key = byProject ? r.projectId : null;
    groups.set(key, (groups.get(key) ?? 0) + r.usd);
  }
  return [...groups].flatMap(([projectId, usd], i) => {
    const row = (value: number | string) => ({
      object: 'organization.costs.result',
      // A European decimal comma: what a malformed amount looks like (a numeric string is valid).
      amount: { value: fault?.kind === 'malformed' ? '12,5' : value, currency: 'usd' },
      line_item: null,
      project_id: projectId,
      ...(liveIndex === undefined
        ? {}
        : {
            project_name: projectId ? `Project ${projectId}` : null,
            organization_id: 'org-fake',
            organization_name: null,
            quantity: null,
            quantity_unit: null,
            user_id: null,
            user_email: null,
            api_key_id: null,
          }),
    });
    if (liveIndex === undefined) return [row(usd)];
    const text = usd.toFixed(10); // exact for every amount the fake is given (≤ 10 decimals)
    return [row((liveIndex + i) % 2 ? usd : text), row('0.0000001234')];
  });
}

function usageResults(rows: UsageRow[], groupBy: string[], live: boolean) {
  const groups = new Map<string, UsageRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([
      groupBy.includes('model') ? r.model : null,
      groupBy.includes('batch') ? (r.batch ?? false) : null,
      groupBy.includes('project_id') ? (r.projectId ?? null) : null,
    ]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, list]) => {
    const [model, batch, projectId] = JSON.parse(key) as [string | null, boolean | null, string | null];
    const sum = (f: (r: UsageRow) => number) => list.reduce((a, r) => a + f(r), 0);
    return {
      object: 'organization.usage.completions.result',
      input_tokens: sum((r) => r.input_tokens),
      output_tokens: sum((r) => r.output_tokens),
      input_cached_tokens: sum((r) => r.input_cached_tokens ?? 0),
      num_model_requests: sum((r) => r.num_model_requests ?? 1),
      project_id: projectId,
      user_id: null,
      api_key_id: null,
      model,
      batch,
      service_tier: null,
      // Newer optional fields, `null` where they do not apply (openai-python usage types).
      ...(live
        ? {
            input_uncached_tokens: null,
            input_text_tokens: null,
            input_image_tokens: null,
            input_audio_tokens: null,
            input_cache_write_tokens: null,
            output_text_tokens: null,
            output_audio_tokens: null,
          }
        : {}),
    };
  });
}
