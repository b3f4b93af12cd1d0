/** Also used by `npm start` for its demo: a local stand-in for the provider, never deployed. */
import { parseDecimal } from '../../core/decimal.ts';
import { centsStringToMicros } from '../../core/money.ts';
import { defaultAnthropicPrices, priceMessages } from '../../providers/anthropic/pricing.ts';
import { anthropicAdminFake, type SpendLimitsAccess } from './anthropic-admin-fake.ts';
import {
  bucketStarts,
  type FakeMode,
  type Fault,
  fakeHandle,
  pageOf,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.ts';
import { FakeEnforcement, ORG_SCOPE, type SpendRow } from './limit-enforcement.ts';
import type { UsageRow } from './openai-fake.ts';

/**
 * A fake Anthropic Admin API: /v1/organizations/cost_report and /usage_report/messages from a
 * scripted history, in the wire format of the API reference (amounts as decimal strings of cents,
 * RFC 3339 bucket bounds), paging like the real API: 7 by default and 31 at most for daily buckets,
 * 24 / 168 for hourly ones. Same setup calls as the OpenAI fake, so tests can drive either.
 *
 * `mode: 'live'` answers as the live API was seen to (shared/providers/LIVE.md): amounts as
 * six-decimal strings ("41280.000000") or exponent forms ("4.128e4"), `limit` above the per-width
 * maximum refused with 400, a `page` cursor bound to its query, `starting_at` off the bucket
 * boundary without `ending_at` refused, ungrouped keys present as `null` (plus list_amount, product,
 * requests), `cache_creation` / `server_tool_use` with `null` inner fields, and the current partial
 * day returned too. `nonAdminKey` (any mode) is a valid standard API key: 403 permission_error.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export interface AnthropicFakeOptions {
  adminKey?: string;
  /** Forces smaller pages than the API's maxima, to exercise pagination. */
  maxPageSize?: number;
  mode?: FakeMode;
  /** A standard (non-admin) API key: refused with 403 permission_error. */
  nonAdminKey?: string;
  /** Early access to the spend-limits beta: 'available', or 'forbidden' (403, default) / 'not_found' (404). */
  spendLimits?: SpendLimitsAccess;
  /** Minutes-not-seconds enforcement of limits and key status (default 5 minutes), against `now`. */
  propagationDelayMs?: number;
  /** The fake's clock (ms), for when a limit or key status was written; default the real time. */
  now?: () => number;
}

const MAX: Record<string, number> = { '1d': 31, '1h': 168, '1m': 1440 };
const DEFAULT: Record<string, number> = { '1d': 7, '1h': 24, '1m': 60 };
const WIDTH: Record<string, number> = { '1d': DAY, '1h': HOUR, '1m': 60_000 };

const failure = (status: number, type: string, message: string) => ({
  status,
  body: { type: 'error', error: { type, message } },
});

export async function startAnthropicFake(options: AnthropicFakeOptions = {}) {
  const adminKey = options.adminKey ?? 'sk-ant-admin01-test-key';
  const live = options.mode === 'live';
  let costs = new Map<string, Array<{ workspaceId: string | null; cents: string }>>();
  let usage: UsageRow[] = [];
  const now = options.now ?? Date.now;
  const enforcement = new FakeEnforcement(now, options.propagationDelayMs);
  const admin = anthropicAdminFake(
    {
      mode: live ? 'live' : 'spec',
      ...(options.spendLimits ? { spendLimits: options.spendLimits } : {}),
      ...(options.maxPageSize ? { maxPageSize: options.maxPageSize } : {}),
    },
    enforcement,
    now,
  );
  /** Usage the provider would have served: rows of a capped workspace or an inactive key are gone. */
  const servedUsage = () => {
    const keep = enforcement.served(usage.map(spendRow), (day, scope) => {
      const rows = costs.get(day);
      if (!rows) return undefined;
      return rows
        .filter((r) => scope === ORG_SCOPE || r.workspaceId === scope)
        .reduce((a, r) => a + centsStringToMicros(r.cents), 0);
    });
    return usage.filter((_, i) => keep[i]);
  };

  const errorBody = (kind: Fault['kind']) => {
    const table: Record<string, [number, string, string]> = {
      '429': [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
      insufficient_quota: [
        400,
        'billing_error',
        'Your credit balance is too low to access the Anthropic API.',
      ],
      '500': [529, 'overloaded_error', 'Overloaded'],
      '401': [401, 'authentication_error', 'invalid x-api-key'],
    };
    const [status, type, message] = table[kind] ?? [500, 'api_error', 'Internal server error'];
    return { status, body: { type: 'error', error: { type, message } } };
  };

  const route = (req: RecordedRequest, fault: Fault | undefined) => {
    if (options.nonAdminKey && req.headers['x-api-key'] === options.nonAdminKey) {
      return failure(403, 'permission_error', 'This API key does not have permission to use the Admin API.');
    }
    if (req.headers['x-api-key'] !== adminKey || req.headers['anthropic-version'] !== '2023-06-01')
      return errorBody('401');
    const adminReply = admin.route(req, fault);
    if (adminReply) return adminReply;
    const q = req.query;
    const widthName = q.get('bucket_width') ?? '1d';
    const width = WIDTH[widthName];
    const max = MAX[widthName];
    if (!width || !max)
      return failure(400, 'invalid_request_error', `bucket_width: invalid value '${widthName}'`);
    const start = Date.parse(String(q.get('starting_at')));
    if (live && !q.has('ending_at') && start % width !== 0) {
      return failure(
        400,
        'invalid_request_error',
        'Invalid date range: ending date must be after starting date',
      );
    }
    const end = q.has('ending_at') ? Date.parse(String(q.get('ending_at'))) : now();
    const requested = q.has('limit') ? Number(q.get('limit')) : undefined;
    if (live && requested !== undefined && requested > max) {
      return failure(400, 'invalid_request_error', `limit: Input should be less than or equal to ${max}`);
    }
    const limit = Math.min(requested ?? DEFAULT[widthName] ?? 7, max, options.maxPageSize ?? max);
    const groupBy = q.getAll('group_by[]');
    let buckets: object[];
    if (req.path === '/v1/organizations/cost_report') {
      // Live: the bucket starting at ending_at (the current, partial day) comes back too.
      buckets = bucketStarts(start, live ? end + 1 : end, DAY).map((s, i) => ({
        starting_at: iso(s),
        ending_at: iso(s + DAY),
        results: costResults(
          costs.get(iso(s).slice(0, 10)) ?? [],
          groupBy.includes('workspace_id'),
          fault,
          live ? i : undefined,
        ),
      }));
    } else if (req.path === '/v1/organizations/usage_report/messages') {
      const served = servedUsage();
      buckets = bucketStarts(start, end, width).map((s) => ({
        starting_at: iso(s),
        ending_at: iso(s + width),
        results: served
          .filter((u) => Date.parse(u.hour) >= s && Date.parse(u.hour) < s + width)
          .map((u) =>
            toMessagesResult(u, live, groupBy.includes('workspace_id'), groupBy.includes('api_key_id')),
          ),
      }));
    } else {
      return failure(404, 'not_found_error', `Not found: ${req.path}`);
    }
    const page = pageOf(buckets, q, limit, live);
    if (!page) return failure(400, 'invalid_request_error', 'page: the cursor does not match this query');
    const broken = fault?.kind === 'has_more_without_next';
    return {
      status: 200,
      body: { ...page, has_more: page.has_more || broken, next_page: broken ? null : page.next_page },
    };
  };

  const http = await startHttpFake(route, errorBody);
  return {
    ...fakeHandle(http, adminKey),
    mode: live ? ('live' as const) : ('spec' as const),
    /** Limit and key-status enforcement: `enforcement.delayMs` is the propagation delay. */
    enforcement,
    setWorkspaces: admin.setWorkspaces,
    setApiKeys: admin.setApiKeys,
    apiKeyStatus: admin.apiKeyStatus,
    setSpendLimitsAccess: admin.setSpendLimitsAccess,
    spendLimitOf: admin.spendLimitOf,
    /** Daily costs in dollars (`projectId` is the workspace); served as strings of cents. */
    setCosts(history: Record<string, Array<{ projectId?: string | null; usd: number }>>) {
      costs = new Map(
        Object.entries(history).map(([d, rows]) => [
          d,
          rows.map((r) => ({ workspaceId: r.projectId ?? null, cents: dollarsToCents(r.usd) })),
        ]),
      );
    },
    /** Costs given exactly as the API's cents strings, for parsing edge cases. */
    setRawCosts(history: Record<string, Array<{ workspaceId?: string | null; cents: string }>>) {
      costs = new Map(
        Object.entries(history).map(([d, rows]) => [
          d,
          rows.map((r) => ({ workspaceId: r.workspaceId ?? null, cents: r.cents })),
        ]),
      );
    },
    setUsage(rows: UsageRow[]) {
      usage = rows;
    },
  };
}

/** $1.2345 → "123.45": decimal arithmetic on the string, so no float error enters the fake. */
function dollarsToCents(usd: number): string {
  const [whole = '0', frac = ''] = usd.toFixed(8).split('.');
  const cents = `${whole}${frac.slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = frac.slice(2).replace(/0+$/, '');
  return rest ? `${cents}.${rest}` : cents;
}

/** "41280" → "4.128e4", "123.45" → "1.2345e2": the same number in exponent form, exactly. */
export function exponentForm(cents: string): string {
  const d = parseDecimal(cents);
  if (!d || d.units === 0n) return cents;
  let digits = (d.units < 0n ? -d.units : d.units).toString();
  let exp = d.exp;
  while (digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  const sign = d.units < 0n ? '-' : '';
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp + digits.length - 1}`;
}

function costResults(
  rows: Array<{ workspaceId: string | null; cents: string }>,
  byWorkspace: boolean,
  fault: Fault | undefined,
  liveIndex: number | undefined,
) {
  const out = rows.map((r, i) => ({
    currency: 'USD',
    amount:
      liveIndex === undefined ? r.cents : (liveIndex + i) % 2 ? exponentForm(r.cents) : sixDecimals(r.cents),
    workspace_id: byWorkspace ? r.workspaceId : null,
    description: null,
    cost_type: null,
    context_window: null,
    model: null,
    service_tier: null,
    token_type: null,
    inference_geo: null,
    ...(liveIndex === undefined ? {} : { list_amount: r.cents, product: null, requests: null }),
  }));
  // A European decimal comma: what a malformed amount looks like.
  if (fault?.kind === 'malformed' && out[0]) out[0].amount = '12,5';
  return out;
}

function sixDecimals(cents: string): string {
  const [whole = '0', frac = ''] = cents.split('.');
  return frac.length > 6 ? cents : `${whole}.${frac.padEnd(6, '0')}`;
}

/** A usage row as spend: priced with the estimate's own table (unknown models cost nothing here). */
function spendRow(u: UsageRow): SpendRow {
  const at = Date.parse(u.hour);
  const row = {
    uncached_input_tokens: u.input_tokens - (u.input_cached_tokens ?? 0),
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    cache_read_input_tokens: u.input_cached_tokens ?? 0,
    output_tokens: u.output_tokens,
    model: u.model,
    service_tier: 'standard',
    context_window: '0-200k',
  };
  const picos = priceMessages(defaultAnthropicPrices, row, new Date(at)) ?? 0n;
  return { at, scope: u.projectId ?? null, micros: Number(picos / 1_000_000n), apiKeyId: u.apiKeyId ?? null };
}

function toMessagesResult(u: UsageRow, live: boolean, byWorkspace: boolean, byKey = false) {
  return {
    uncached_input_tokens: u.input_tokens - (u.input_cached_tokens ?? 0),
    cache_creation: live
      ? { ephemeral_1h_input_tokens: null, ephemeral_5m_input_tokens: null }
      : { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    cache_read_input_tokens: u.input_cached_tokens ?? 0,
    output_tokens: u.output_tokens,
    server_tool_use: live ? { web_search_requests: null } : { web_search_requests: 0 },
    api_key_id: byKey ? (u.apiKeyId ?? null) : null,
    workspace_id: byWorkspace ? (u.projectId ?? null) : null,
    model: u.model,
    service_tier: 'standard',
    context_window: '0-200k',
    ...(live ? { inference_geo: null } : {}),
  };
}
