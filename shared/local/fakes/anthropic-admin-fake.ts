import type { FakeMode, Fault, RecordedRequest, Reply } from './http-fake.ts';
import { type FakeEnforcement, ORG_SCOPE } from './limit-enforcement.ts';

/**
 * The Anthropic fake's workspaces, spend-limits beta and API keys (GUARD.md §2, §5; the official
 * SDK's types): `GET /v1/organizations/workspaces` (`include_archived`, `limit` 1-1000,
 * `after_id`; the default workspace is never listed), `/v1/organizations/spend_limits[/{id}]`
 * (reads need `anthropic-beta: spend-limit-reads-2026-09-26`; `spendLimits: 'forbidden' | 'not_found'`
 * answers 403 / 404 as an organization without early access may), and
 * `/v1/organizations/api_keys[/{id}]` (list filtered by `workspace_id` and `status`; POST `{status}`).
 */
export interface FakeWorkspace {
  id: string;
  name: string;
  archived?: boolean;
}

export interface FakeApiKey {
  id: string;
  name: string;
  /** null: the default workspace. */
  workspaceId: string | null;
  status?: 'active' | 'inactive' | 'archived' | 'expired';
}

/** Anthropic creates a Claude Code workspace by itself; one archived workspace besides it. */
export const FAKE_ANTHROPIC_WORKSPACES: FakeWorkspace[] = [
  { id: 'wrkspc_01C1aude5odeW0rkspace', name: 'Claude Code' },
  { id: 'wrkspc_01Arch1vedPr0totype', name: 'Old prototype', archived: true },
];

export type SpendLimitsAccess = 'available' | 'forbidden' | 'not_found';

export interface AnthropicAdminFakeOptions {
  mode: FakeMode;
  /** Early access to the spend-limits beta; default 'forbidden' (most organizations, GUARD.md §5). */
  spendLimits?: SpendLimitsAccess;
  maxPageSize?: number;
}

const BETA = 'spend-limit-reads-2026-09-26';
const CREATED = '2026-03-02T10:00:00Z';
const fail = (status: number, type: string, message: string): Reply => ({
  status,
  body: { type: 'error', error: { type, message } },
});

interface Limit {
  id: string;
  scopeKey: string;
  scope: { type: 'organization' } | { type: 'workspace'; workspace_id: string };
  cents: string;
  createdAt: string;
}

export function anthropicAdminFake(
  options: AnthropicAdminFakeOptions,
  enforcement: FakeEnforcement,
  now: () => number,
) {
  const live = options.mode === 'live';
  let access: SpendLimitsAccess = options.spendLimits ?? 'forbidden';
  let workspaces = [...FAKE_ANTHROPIC_WORKSPACES];
  let keys: Array<Required<FakeApiKey>> = [];
  const limits: Limit[] = [];
  let nextLimit = 1;
  const iso = () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  /** Id-cursor pages: `after_id`, `limit` within 1..max, `{data, has_more, first_id, last_id}`. */
  const idPage = <T extends { id: string }>(
    all: T[],
    q: URLSearchParams,
    render: (x: T) => object,
  ): Reply => {
    const limit = q.has('limit') ? Number(q.get('limit')) : 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return fail(
        400,
        'invalid_request_error',
        'limit: Input should be greater than or equal to 1 and less than or equal to 1000',
      );
    const after = q.get('after_id');
    const from = after ? all.findIndex((x) => x.id === after) + 1 : 0;
    if (after && from === 0)
      return fail(400, 'invalid_request_error', `after_id: no object with id ${after}`);
    const page = all.slice(from, from + Math.min(limit, options.maxPageSize ?? limit));
    return {
      status: 200,
      body: {
        data: page.map(render),
        has_more: from + page.length < all.length,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
      },
    };
  };

  const renderWorkspace = (w: FakeWorkspace) => ({
    type: 'workspace',
    id: w.id,
    name: w.name,
    created_at: CREATED,
    archived_at: w.archived ? '2026-06-01T00:00:00Z' : null,
    display_color: '#6C5BB9',
    ...(live ? { external_key_id: null, tags: {} } : {}),
  });

  const renderKey = (k: Required<FakeApiKey>) => ({
    type: 'api_key',
    id: k.id,
    name: k.name,
    status: k.status,
    workspace_id: k.workspaceId,
    created_at: CREATED,
    created_by: { id: 'user_01FakeAdm1n', type: 'user' },
    partial_key_hint: `sk-ant-api03-${k.id.slice(-3)}...AAAA`,
    expires_at: null,
    // Newer answers: the scope names the default workspace's real id too (GUARD.md §2).
    ...(live
      ? { scope: { type: 'workspace', workspace_id: k.workspaceId ?? 'wrkspc_01Defau1tW0rkspace' } }
      : {}),
  });

  const renderLimit = (l: Limit) => ({
    type: 'spend_limit',
    id: l.id,
    amount: l.cents,
    currency: 'USD',
    is_enabled: true,
    period: 'monthly',
    scope: l.scope,
    created_at: l.createdAt,
    updated_at: iso(),
  });

  const spendLimits = (req: RecordedRequest): Reply => {
    if (access === 'forbidden')
      return fail(403, 'permission_error', 'Your organization does not have access to the spend limits API.');
    if (access === 'not_found') return fail(404, 'not_found_error', `Not found: ${req.path}`);
    const id = req.path.split('/')[4];
    if (req.method === 'GET' && !id) {
      if (!String(req.headers['anthropic-beta'] ?? '').includes(BETA))
        return fail(
          400,
          'invalid_request_error',
          `This endpoint requires the anthropic-beta header ${BETA}.`,
        );
      const limit = Math.min(Number(req.query.get('limit') ?? 20), options.maxPageSize ?? 1000);
      const offset = Number(req.query.get('page')?.slice(5) ?? 0);
      const more = offset + limit < limits.length;
      return {
        status: 200,
        body: {
          data: limits.slice(offset, offset + limit).map(renderLimit),
          has_more: more,
          next_page: more ? `page_${offset + limit}` : null,
        },
      };
    }
    if (req.method === 'POST' && !id) return setLimit(req.body);
    const found = limits.find((l) => l.id === id);
    if (!found) return fail(404, 'not_found_error', `spend limit ${id} not found`);
    if (req.method === 'GET') return { status: 200, body: renderLimit(found) };
    if (req.method === 'DELETE') {
      limits.splice(limits.indexOf(found), 1);
      enforcement.recordLimit(found.scopeKey, null);
      return { status: 200, body: { id: found.id, type: 'spend_limit_deleted' } };
    }
    return fail(405, 'invalid_request_error', `Method ${req.method} not allowed`);
  };

  const setLimit = (body: unknown): Reply => {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof b.amount !== 'string' || !/^\d+$/.test(b.amount))
      return fail(
        400,
        'invalid_request_error',
        'amount: Console organization and workspace limits carry a non-negative integer decimal string of cents',
      );
    if (b.period !== undefined && b.period !== 'monthly')
      return fail(
        400,
        'invalid_request_error',
        `period: Console limits are monthly, got ${JSON.stringify(b.period)}`,
      );
    const scope = b.scope as { type?: unknown; workspace_id?: unknown } | undefined;
    let wire: Limit['scope'];
    if (scope?.type === 'organization') wire = { type: 'organization' };
    else if (
      scope?.type === 'workspace' &&
      workspaces.some((w) => w.id === scope.workspace_id && !w.archived)
    )
      wire = { type: 'workspace', workspace_id: String(scope.workspace_id) };
    else
      return fail(
        400,
        'invalid_request_error',
        `scope: not an organization or an active workspace of this organization: ${JSON.stringify(scope)}`,
      );
    const scopeKey = wire.type === 'organization' ? ORG_SCOPE : wire.workspace_id;
    let limit = limits.find((l) => l.scopeKey === scopeKey);
    if (!limit) {
      limit = {
        id: `spl_01Fake${String(nextLimit++).padStart(4, '0')}`,
        scopeKey,
        scope: wire,
        cents: b.amount,
        createdAt: iso(),
      };
      limits.push(limit);
    }
    limit.cents = b.amount;
    enforcement.recordLimit(scopeKey, Number(b.amount));
    return { status: 200, body: renderLimit(limit) };
  };

  const apiKeys = (req: RecordedRequest): Reply => {
    const id = req.path.split('/')[4];
    if (req.method === 'GET' && !id) {
      const ws = req.query.get('workspace_id');
      const status = req.query.get('status');
      return idPage(
        keys.filter((k) => (!ws || k.workspaceId === ws) && (!status || k.status === status)),
        req.query,
        renderKey,
      );
    }
    const key = keys.find((k) => k.id === id);
    if (!key) return fail(404, 'not_found_error', `API key ${id} not found`);
    if (req.method === 'GET') return { status: 200, body: renderKey(key) };
    if (req.method !== 'POST') return fail(405, 'invalid_request_error', `Method ${req.method} not allowed`);
    const status = (req.body as { status?: unknown } | undefined)?.status;
    if (status !== undefined && !['active', 'inactive', 'archived'].includes(String(status)))
      return fail(400, 'invalid_request_error', `status: Input should be 'active', 'inactive' or 'archived'`);
    if (key.status === 'archived')
      return fail(400, 'invalid_request_error', 'An archived API key cannot be modified');
    if (status !== undefined && status !== key.status) {
      key.status = status as Required<FakeApiKey>['status'];
      enforcement.recordKey(key.id, key.status === 'active');
    }
    return { status: 200, body: renderKey(key) };
  };

  const routeAdmin = (req: RecordedRequest): Reply | undefined => {
    if (req.path === '/v1/organizations/workspaces' && req.method === 'GET') {
      const all = workspaces.filter((w) => req.query.get('include_archived') === 'true' || !w.archived);
      return idPage(all, req.query, renderWorkspace);
    }
    if (/^\/v1\/organizations\/spend_limits(\/[^/]+)?$/.test(req.path)) return spendLimits(req);
    if (/^\/v1\/organizations\/api_keys(\/[^/]+)?$/.test(req.path)) return apiKeys(req);
    return undefined;
  };

  return {
    /** Undefined for paths that are not these endpoints. `malformed`: a numeric id / a decimal comma in the amount. */
    route(req: RecordedRequest, fault?: Fault): Reply | undefined {
      const reply = routeAdmin(req);
      if (!reply || fault?.kind !== 'malformed' || reply.status !== 200) return reply;
      const body = structuredClone(reply.body) as { data?: Array<Record<string, unknown>>; amount?: unknown };
      if (body.data?.[0]) body.data[0].id = 42;
      else if ('amount' in body) body.amount = '12,5';
      return { ...reply, body };
    },
    setWorkspaces(list: FakeWorkspace[]) {
      workspaces = [...list];
    },
    setApiKeys(list: FakeApiKey[]) {
      keys = list.map((k) => ({ status: 'active', ...k }));
    },
    apiKeyStatus: (id: string) => keys.find((k) => k.id === id)?.status,
    setSpendLimitsAccess(value: SpendLimitsAccess) {
      access = value;
    },
    /** The limit the fake holds for `organization` or a workspace id, in cents (a test's view). */
    spendLimitOf(scope: string): number | undefined {
      const key = scope === 'organization' ? ORG_SCOPE : scope;
      const found = limits.find((l) => l.scopeKey === key);
      return found ? Number(found.cents) : undefined;
    },
  };
}
