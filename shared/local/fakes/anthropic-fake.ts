/** Also used by `npm start` for its demo: a local stand-in for the provider, never deployed. */
import {
  bucketStarts,
  type Fault,
  fakeHandle,
  pageOf,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.ts';
import type { UsageRow } from './openai-fake.ts';

/**
 * A fake Anthropic Admin API: /v1/organizations/cost_report and /usage_report/messages from a
 * scripted history, in the wire format of the API reference (amounts as decimal strings of cents,
 * RFC 3339 bucket bounds), paging like the real API: 7 by default and 31 at most for daily buckets,
 * 24 / 168 for hourly ones. Same setup calls as the OpenAI fake, so tests can drive either.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export async function startAnthropicFake(options: { adminKey?: string; maxPageSize?: number } = {}) {
  const adminKey = options.adminKey ?? 'sk-ant-admin01-test-key';
  let costs = new Map<string, Array<{ workspaceId: string | null; cents: string }>>();
  let usage: UsageRow[] = [];

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
    if (req.headers['x-api-key'] !== adminKey || req.headers['anthropic-version'] !== '2023-06-01')
      return errorBody('401');
    const q = req.query;
    const start = Date.parse(String(q.get('starting_at')));
    const end = q.has('ending_at') ? Date.parse(String(q.get('ending_at'))) : Date.now();
    const hourly = q.get('bucket_width') === '1h';
    const width = hourly ? HOUR : DAY;
    const limit = Math.min(
      Number(q.get('limit') ?? (hourly ? 24 : 7)),
      hourly ? 168 : 31,
      options.maxPageSize ?? 168,
    );
    const groupBy = q.getAll('group_by[]');
    let buckets: object[];
    if (req.path === '/v1/organizations/cost_report') {
      buckets = bucketStarts(start, end, DAY).map((s) => ({
        starting_at: iso(s),
        ending_at: iso(s + DAY),
        results: costResults(costs.get(iso(s).slice(0, 10)) ?? [], groupBy.includes('workspace_id'), fault),
      }));
    } else if (req.path === '/v1/organizations/usage_report/messages') {
      buckets = bucketStarts(start, end, width).map((s) => ({
        starting_at: iso(s),
        ending_at: iso(s + width),
        results: usage
          .filter((u) => Date.parse(u.hour) === s)
          .map((u) => toMessagesResult(u, groupBy.includes('workspace_id'))),
      }));
    } else {
      return {
        status: 404,
        body: { type: 'error', error: { type: 'not_found_error', message: `Not found: ${req.path}` } },
      };
    }
    const page = pageOf(buckets, q.get('page'), limit);
    const broken = fault?.kind === 'has_more_without_next';
    return {
      status: 200,
      body: { ...page, has_more: page.has_more || broken, next_page: broken ? null : page.next_page },
    };
  };

  const http = await startHttpFake(route, errorBody);
  return {
    ...fakeHandle(http, adminKey),
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

function costResults(
  rows: Array<{ workspaceId: string | null; cents: string }>,
  byWorkspace: boolean,
  fault: Fault | undefined,
) {
  const out = rows.map((r) => ({
    currency: 'USD',
    amount: r.cents,
    workspace_id: byWorkspace ? r.workspaceId : null,
    description: null,
    cost_type: null,
    context_window: null,
    model: null,
    service_tier: null,
    token_type: null,
    inference_geo: null,
  }));
  // A European decimal comma: what a malformed amount looks like.
  if (fault?.kind === 'malformed' && out[0]) out[0].amount = '12,5';
  return out;
}

function toMessagesResult(u: UsageRow, byWorkspace: boolean) {
  return {
    uncached_input_tokens: u.input_tokens - (u.input_cached_tokens ?? 0),
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    cache_read_input_tokens: u.input_cached_tokens ?? 0,
    output_tokens: u.output_tokens,
    server_tool_use: { web_search_requests: 0 },
    api_key_id: null,
    workspace_id: byWorkspace ? (u.projectId ?? null) : null,
    model: u.model,
    service_tier: 'standard',
    context_window: '0-200k',
  };
}
