/** Also used by `npm start` for its demo: a local stand-in for the provider, never deployed. */
import {
  bucketStarts,
  type Fault,
  fakeHandle,
  pageOf,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.ts';

/**
 * A fake OpenAI Admin API serving /v1/organization/costs and /v1/organization/usage/completions
 * from a scripted history, in the wire format of the OpenAPI spec excerpt (UsageResponse pages of
 * UsageTimeBucket with CostsResult / UsageCompletionsResult), paginated like the real API:
 * default page sizes 7 (1d) and 24 (1h), maxima 180 and 168.
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
}

export interface OpenAiFakeOptions {
  adminKey?: string;
  /** Forces smaller pages than the API's maxima, to exercise pagination. */
  maxPageSize?: number;
}

const DAY = 86_400;
const HOUR = 3_600;

export async function startOpenAiFake(options: OpenAiFakeOptions = {}) {
  const adminKey = options.adminKey ?? 'sk-admin-test-key';
  let costs = new Map<string, Array<{ projectId: string | null; usd: number }>>();
  let usage: UsageRow[] = [];

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

  const route = (req: RecordedRequest, fault: Fault | undefined) => {
    if (req.headers.authorization !== `Bearer ${adminKey}`) return errorBody('401');
    const q = req.query;
    const start = Number(q.get('start_time'));
    const end = q.has('end_time') ? Number(q.get('end_time')) : Math.floor(Date.now() / 1000);
    const groupBy = [...q.getAll('group_by'), ...q.getAll('group_by[]')];
    let buckets: object[];
    let width: number;
    let limit: number;
    if (req.path === '/v1/organization/costs') {
      width = DAY;
      limit = Math.min(Number(q.get('limit') ?? 7), 180, options.maxPageSize ?? 180);
      buckets = bucketStarts(start * 1000, end * 1000, width * 1000)
        .map((ms) => ms / 1000)
        .map((s) => ({
          object: 'bucket',
          start_time: s,
          end_time: s + width,
          results: costResults(
            costs.get(new Date(s * 1000).toISOString().slice(0, 10)) ?? [],
            groupBy,
            fault,
          ),
        }));
    } else if (req.path === '/v1/organization/usage/completions') {
      width = HOUR;
      limit = Math.min(Number(q.get('limit') ?? 24), 168, options.maxPageSize ?? 168);
      buckets = bucketStarts(start * 1000, end * 1000, width * 1000)
        .map((ms) => ms / 1000)
        .map((s) => ({
          object: 'bucket',
          start_time: s,
          end_time: s + width,
          results: usageResults(
            usage.filter((u) => Date.parse(u.hour) / 1000 === s),
            groupBy,
          ),
        }));
    } else {
      return {
        status: 404,
        body: {
          error: {
            message: `Invalid URL (GET ${req.path})`,
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        },
      };
    }
    const page = pageOf(buckets, q.get('page'), limit);
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
    /** Daily costs: `YYYY-MM-DD` → line items (project, dollars). Replaces the history. */
    setCosts(history: Record<string, Array<{ projectId?: string | null; usd: number }>>) {
      costs = new Map(
        Object.entries(history).map(([d, rows]) => [
          d,
          rows.map((r) => ({ projectId: r.projectId ?? null, usd: r.usd })),
        ]),
      );
    },
    setUsage(rows: UsageRow[]) {
      usage = rows;
    },
  };
}

function costResults(
  rows: Array<{ projectId: string | null; usd: number }>,
  groupBy: string[],
  fault: Fault | undefined,
) {
  const byProject = groupBy.includes('project_id');
  const groups = new Map<string | null, number>();
  for (const r of rows) {
    const key = byProject ? r.projectId : null;
    groups.set(key, (groups.get(key) ?? 0) + r.usd);
  }
  return [...groups].map(([projectId, usd]) => ({
    object: 'organization.costs.result',
    amount: { value: fault?.kind === 'malformed' ? String(usd) : usd, currency: 'usd' },
    line_item: null,
    project_id: projectId,
  }));
}

function usageResults(rows: UsageRow[], groupBy: string[]) {
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
    };
  });
}
