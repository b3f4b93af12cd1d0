import type { FakeMode, Fault, RecordedRequest, Reply } from './http-fake.ts';
import { type FakeEnforcement, ORG_SCOPE } from './limit-enforcement.ts';

/**
 * The OpenAI fake's projects and hard spend limits (GUARD.md §1, §3; the OpenAPI excerpt's
 * spend_limit paths): `GET /v1/organization/projects` (`include_archived`, `limit` 1-100, `after`),
 * and GET/POST/DELETE on `/v1/organization/spend_limit` and `/v1/organization/projects/{id}/spend_limit`.
 * With no limit set a GET answers 200 `threshold_amount: 0` + `inactive` (`noLimit: '200'`, the spec
 * mode's default: the reference example) or 404 (`'404'`, the live mode's default: the other answer
 * GUARD.md expects). POST validates as the schema says (integer >= 1, "USD", "month"), else 400.
 */
export interface FakeProject {
  id: string;
  name: string | null;
  archived?: boolean;
  /** Unix seconds. */
  createdAt?: number;
}

/** OpenAI's Default project has an ordinary `proj_…` id; one archived project besides it. */
export const FAKE_OPENAI_PROJECTS: FakeProject[] = [
  { id: 'proj_D3fau1tPr0ject', name: 'Default project', createdAt: 1_711_471_533 },
  { id: 'proj_0ldExper1ments', name: 'Old experiments', archived: true, createdAt: 1_714_000_000 },
];

export interface OpenAiAdminFakeOptions {
  mode: FakeMode;
  /** How "no limit set" is answered by GET (and DELETE): see above. */
  noLimit?: '200' | '404';
  maxPageSize?: number;
}

interface Limit {
  cents: number;
  enforcement: string;
}

const err = (status: number, message: string, param: string | null = null, code: string | null = null) => ({
  status,
  body: { error: { message, type: 'invalid_request_error', param, code } },
});

export function openAiAdminFake(options: OpenAiAdminFakeOptions, enforcement: FakeEnforcement) {
  const live = options.mode === 'live';
  const noLimit = options.noLimit ?? (live ? '404' : '200');
  let projects = [...FAKE_OPENAI_PROJECTS];
  const limits = new Map<string, Limit>();
  /** What `enforcement.status` says for a limit that is set (an open string: scripts may change it). */
  let enforcingWord = 'enforcing';

  const write = (scope: string, limit: Limit | null) => {
    if (limit) limits.set(scope, limit);
    else limits.delete(scope);
    enforcement.recordLimit(scope, limit?.cents ?? null);
  };

  const listProjects = (q: URLSearchParams): Reply => {
    const limit = q.has('limit') ? Number(q.get('limit')) : 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return err(
        400,
        `Invalid 'limit': expected an integer between 1 and 100, got ${q.get('limit')}.`,
        'limit',
      );
    const all = projects.filter((p) => q.get('include_archived') === 'true' || !p.archived);
    const after = q.get('after');
    const from = after ? all.findIndex((p) => p.id === after) + 1 : 0;
    if (after && from === 0) return err(400, `Invalid 'after': no project with id '${after}'.`, 'after');
    const page = all.slice(from, from + Math.min(limit, options.maxPageSize ?? limit));
    const first = page[0]?.id ?? null;
    return {
      status: 200,
      body: {
        object: 'list',
        data: page.map((p) => ({
          id: p.id,
          object: 'organization.project',
          name: p.name,
          created_at: p.createdAt ?? 1_711_471_533,
          archived_at: p.archived ? (p.createdAt ?? 1_711_471_533) + 86_400 : null,
          status: p.archived ? 'archived' : 'active',
          ...(live ? { external_key_id: null } : {}),
        })),
        // The spec's own example spells first_id with a hyphen beside the id proj_abc.
        first_id: live && first ? first.replace('_', '-') : first,
        last_id: page.at(-1)?.id ?? null,
        has_more: from + page.length < all.length,
      },
    };
  };

  const spendLimit = (req: RecordedRequest, scope: string, kind: 'organization' | 'project'): Reply => {
    const current = limits.get(scope);
    const resource = (l: Limit | undefined) => ({
      object: `${kind}.spend_limit`,
      threshold_amount: l?.cents ?? 0,
      currency: 'USD',
      interval: 'month',
      enforcement: { status: l?.enforcement ?? 'inactive' },
    });
    if (req.method === 'GET') {
      if (!current && noLimit === '404')
        return err(404, `No hard spend limit is set for this ${kind}.`, null, 'not_found');
      return { status: 200, body: resource(current) };
    }
    if (req.method === 'DELETE') {
      if (!current && noLimit === '404')
        return err(404, `No hard spend limit is set for this ${kind}.`, null, 'not_found');
      write(scope, null);
      return { status: 200, body: { object: `${kind}.spend_limit.deleted`, deleted: current !== undefined } };
    }
    if (req.method === 'POST') {
      const problem = invalidBody(req.body);
      if (problem) return problem;
      const limit = {
        cents: (req.body as { threshold_amount: number }).threshold_amount,
        enforcement: enforcingWord,
      };
      write(scope, limit);
      return { status: 200, body: resource(limit) };
    }
    return err(405, `Method ${req.method} not allowed.`);
  };

  const routeAdmin = (req: RecordedRequest): Reply | undefined => {
    if (req.path === '/v1/organization/projects' && req.method === 'GET') return listProjects(req.query);
    if (req.path === '/v1/organization/spend_limit') return spendLimit(req, ORG_SCOPE, 'organization');
    const m = /^\/v1\/organization\/projects\/([^/]+)\/spend_limit$/.exec(req.path);
    if (!m) return undefined;
    const id = decodeURIComponent(m[1] ?? '');
    if (!projects.some((p) => p.id === id))
      return err(404, `No project found with id '${id}'.`, null, 'not_found');
    return spendLimit(req, id, 'project');
  };

  return {
    /** Undefined for paths that are not these endpoints. `malformed`: a decimal comma in the amount / a numeric id. */
    route(req: RecordedRequest, fault?: Fault): Reply | undefined {
      const reply = routeAdmin(req);
      if (reply && fault?.kind === 'malformed' && reply.status === 200) return malformed(reply);
      return reply;
    },
    /** Replaces the project list (order = creation order, as listed). */
    setProjects(list: FakeProject[]) {
      projects = [...list];
    },
    /** The limit as the fake has it now (a test's view; `organization` or a project id). */
    spendLimitOf(scope: string): Limit | undefined {
      return limits.get(scope === 'organization' ? ORG_SCOPE : scope);
    },
    /** Changes a limit behind burnrate's back (as a person in the dashboard would); null removes it. */
    setSpendLimit(scope: string, cents: number | null, status = enforcingWord) {
      write(
        scope === 'organization' ? ORG_SCOPE : scope,
        cents === null ? null : { cents, enforcement: status },
      );
    },
    /** The `enforcement.status` word later writes report (an open string: 'enforcing', 'inactive', …). */
    setEnforcementWord(word: string) {
      enforcingWord = word;
    },
  };
}

function malformed(reply: Reply): Reply {
  const body = structuredClone(reply.body) as Record<string, unknown> & {
    data?: Array<Record<string, unknown>>;
  };
  if (body.data?.[0]) body.data[0].id = 42;
  else if ('threshold_amount' in body) body.threshold_amount = '12,5';
  return { ...reply, body };
}

/** The UpdateProjectSpendLimitBody rules, answered the way OpenAI words parameter errors. */
function invalidBody(body: unknown): Reply | undefined {
  if (typeof body !== 'object' || body === null)
    return err(400, 'We could not parse the JSON body of your request.');
  const b = body as Record<string, unknown>;
  for (const field of ['threshold_amount', 'currency', 'interval']) {
    if (!(field in b))
      return err(400, `Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
  }
  const amount = b.threshold_amount;
  if (typeof amount !== 'number' || !Number.isInteger(amount))
    return err(
      400,
      `Invalid type for 'threshold_amount': expected an integer, but got ${JSON.stringify(amount)} instead.`,
      'threshold_amount',
      'invalid_type',
    );
  if (amount < 1)
    return err(
      400,
      `Invalid 'threshold_amount': integer below minimum value. Expected a value >= 1, but got ${amount} instead.`,
      'threshold_amount',
      'integer_below_min_value',
    );
  if (b.currency !== 'USD')
    return err(
      400,
      `Invalid value: ${JSON.stringify(b.currency)}. Supported values are: 'USD'.`,
      'currency',
      'invalid_value',
    );
  if (b.interval !== 'month')
    return err(
      400,
      `Invalid value: ${JSON.stringify(b.interval)}. Supported values are: 'month'.`,
      'interval',
      'invalid_value',
    );
  return undefined;
}
