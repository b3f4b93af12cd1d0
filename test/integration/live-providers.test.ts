import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { queryFingerprint } from '../../shared/local/fakes/http-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { ProviderAuthError, ProviderResponseError } from '../../shared/providers/errors.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';

/**
 * What the live Admin APIs do that their specs do not say (shared/providers/LIVE.md), each against
 * the fakes' live mode: the fake enforces it, and the client copes with it.
 */
const DAY = 86_400_000;
const start = new Date('2026-08-26T00:00:00Z');
const end = new Date(start.getTime() + 90 * DAY);
const range = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z') };
const noWait = { sleep: async () => {}, timeoutMs: 1000, maxRetries: 1 };

function history() {
  const h: Record<string, Array<{ projectId?: string | null; usd: number }>> = {};
  for (let i = 0; i <= 90; i++) {
    h[new Date(start.getTime() + i * DAY).toISOString().slice(0, 10)] = [
      { projectId: 'proj_a', usd: 1.1 + i / 100 },
      { projectId: null, usd: 0.29 },
    ];
  }
  return h;
}

/** The query of each request, without `page`: what a walk must keep identical. */
const queries = (requests: Array<{ query: URLSearchParams }>) =>
  requests.map((r) => queryFingerprint(r.query));

async function getJson(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('OpenAI, live-shaped', () => {
  let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
  let spec: Awaited<ReturnType<typeof startOpenAiFake>>;
  const client = (f = fake, adminKey = f.adminKey) =>
    new OpenAiCostSource({ adminKey, baseUrl: f.baseUrl, ...noWait });
  const auth = { authorization: 'Bearer sk-admin-test-key' };

  beforeAll(async () => {
    fake = await startOpenAiFake({ mode: 'live', scopelessKey: 'sk-admin-no-usage-scope' });
    spec = await startOpenAiFake({ mode: 'spec', scopelessKey: 'sk-admin-no-usage-scope' });
  });
  afterAll(async () => {
    await fake.stop();
    await spec.stop();
  });
  beforeEach(() => {
    fake.setCosts(history());
    fake.setRawCosts({});
    fake.requests.length = 0;
    spec.requests.length = 0;
  });

  it('amount.value as a string ("12.50") or a number, in one response, reads the same as the spec fake', async () => {
    const { body } = await getJson(
      `${fake.baseUrl}/organization/costs?start_time=${range.start.getTime() / 1000}&end_time=${range.end.getTime() / 1000}&limit=2&group_by=project_id`,
      auth,
    );
    const values = (body.data as Array<{ results: Array<{ amount: { value: unknown } }> }>).flatMap((b) =>
      b.results.map((r) => typeof r.amount.value),
    );
    expect(new Set(values)).toEqual(new Set(['string', 'number']));
    spec.setCosts(history());
    expect(await client().dailyCosts({ start, end })).toEqual(await client(spec).dailyCosts({ start, end }));
  });

  it('sums many decimals exactly, rounding once per day: 5 × $0.0000001234 + "12.50" is 12,500,001 µ$', async () => {
    const tiny = Array.from({ length: 5 }, (_, i) => ({
      projectId: 'proj_a',
      value: i % 2 ? '0.0000001234' : 1.234e-7,
    }));
    fake.setRawCosts({ '2026-11-01': [{ projectId: 'proj_a', value: '12.50' }, ...tiny] });
    const [day] = await client().dailyCosts(range);
    // Rounded per row, the five would add nothing: 12,500,000.
    expect(day).toEqual({ day: '2026-11-01', amountMicros: 12_500_001, byScope: { proj_a: 12_500_001 } });
  });

  it('costs clamp pages to 31 buckets even with limit=180: the client follows next_page to every day', async () => {
    const days = await client().dailyCosts({ start, end });
    expect(days).toHaveLength(90);
    expect(days[89]?.day).toBe('2026-11-23');
    const costs = fake.requests.filter((r) => r.path === '/v1/organization/costs');
    expect(costs).toHaveLength(3); // 31 + 31 + 28 (+ the partial day, dropped)
    expect(costs.every((r) => r.query.get('limit') === '180')).toBe(true);
    expect((await getJson(`${fake.baseUrl}/organization/costs?start_time=0&limit=181`, auth)).status).toBe(
      400,
    );
  });

  it('refuses an old cursor with any other parameter changed, and the client never does that', async () => {
    const url = `${fake.baseUrl}/organization/costs?start_time=${start.getTime() / 1000}&end_time=${end.getTime() / 1000}&limit=180`;
    const first = await getJson(url, auth);
    const cursor = String(first.body.next_page);
    expect((await getJson(`${url}&page=${cursor}`, auth)).status).toBe(200);
    const moved = url.replace(`end_time=${end.getTime() / 1000}`, `end_time=${end.getTime() / 1000 + 1}`);
    const refused = await getJson(`${moved}&page=${cursor}`, auth);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/cursor does not match/);

    fake.requests.length = 0;
    await client().dailyCosts({ start, end });
    expect(fake.requests.length).toBeGreaterThan(1);
    expect(new Set(queries(fake.requests)).size).toBe(1);
    expect(fake.requests.slice(1).every((r) => r.query.get('page'))).toBe(true);
  });

  it('usage refuses limit above the per-width maximum; the client asks for exactly the maximum', async () => {
    const base = `${fake.baseUrl}/organization/usage/completions?start_time=${range.start.getTime() / 1000}`;
    expect((await getJson(`${base}&bucket_width=1h&limit=169`, auth)).status).toBe(400);
    expect((await getJson(`${base}&bucket_width=1d&limit=32`, auth)).status).toBe(400);
    expect((await getJson(`${base}&bucket_width=1m&limit=1441`, auth)).status).toBe(400);
    expect((await getJson(`${base}&bucket_width=1h&limit=168`, auth)).status).toBe(200);
    fake.setUsage([
      { hour: '2026-11-01T00:00:00Z', model: 'gpt-4o', input_tokens: 1_000_000, output_tokens: 0 },
    ]);
    fake.requests.length = 0;
    // A week and a half of hours: two pages of 168, the same query on both.
    const e = await client().usageEstimate({
      start: range.start,
      end: new Date(range.start.getTime() + 10 * DAY),
    });
    expect(e.amountMicros).toBe(2_500_000);
    const usage = fake.requests.filter((r) => r.path === '/v1/organization/usage/completions');
    expect(usage.map((r) => r.query.get('limit'))).toEqual(['168', '168']);
    expect(new Set(queries(usage)).size).toBe(1);
  });

  it('the current partial UTC day comes back too, and is not taken as a complete day', async () => {
    const { body } = await getJson(
      `${fake.baseUrl}/organization/costs?start_time=${range.start.getTime() / 1000}&end_time=${range.end.getTime() / 1000}`,
      auth,
    );
    expect((body.data as unknown[]).length).toBe(3); // 11-01, 11-02 and the partial 11-03
    expect((await client().dailyCosts(range)).map((d) => d.day)).toEqual(['2026-11-01', '2026-11-02']);
  });

  it('a key without api.usage.read: the bare-string 403 is an auth error saying what to do', async () => {
    const error = await client(fake, 'sk-admin-no-usage-scope')
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    const { reason, message } = error as ProviderAuthError;
    expect(reason).toBe('missing-scope');
    expect(message).toContain('HTTP 403: You have insufficient permissions for this operation');
    expect(message).toContain(
      'this key lacks `api.usage.read`: create an admin key (sk-admin-…) under Organization settings → Admin keys',
    );
    expect(message).not.toMatch(/malformed|not complete JSON|sk-admin-no-usage-scope/);
    expect(fake.requests).toHaveLength(1);
  });

  it('a 401 with the error envelope: missing scope, a wrong key, a project key', async () => {
    const reasons = [];
    for (const key of ['sk-admin-no-usage-scope', 'sk-admin-revoked-1234567890', 'sk-proj-abcdefghijkl']) {
      const error = (await client(spec, key)
        .dailyCosts(range)
        .catch((e: unknown) => e)) as ProviderAuthError;
      expect(error).toBeInstanceOf(ProviderAuthError);
      expect(error.message).toMatch(/^openai: openai costs: HTTP 401: invalid_request_error: /);
      expect(error.message).not.toContain(key);
      reasons.push(error.reason);
    }
    expect(reasons).toEqual(['missing-scope', 'invalid-key', 'not-admin-key']);
  });

  it('a 401/403 with a non-JSON body is still an auth error, never "malformed"', async () => {
    const html: typeof fetch = async () =>
      new Response('<html><body>403 Forbidden</body></html>', {
        status: 403,
        headers: { 'content-type': 'text/html' },
      });
    const error = await new OpenAiCostSource({
      adminKey: 'sk-admin-x',
      baseUrl: fake.baseUrl,
      fetch: html,
      ...noWait,
    })
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as ProviderAuthError).reason).toBe('unknown');
    expect((error as Error).message).toContain('HTTP 403: body "<html><body>403 Forbidden</body></html>"');
  });

  it('a non-numeric amount names its JSON path; a non-USD currency names itself and its path', async () => {
    fake.setRawCosts({ '2026-11-02': [{ value: '12.50' }, { value: 'twelve' }] });
    const bad = await client()
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ProviderResponseError);
    expect((bad as Error).message).toBe(
      'openai: openai costs: data[1].results[1].amount.value: expected a decimal amount (a number or a numeric string), got "twelve"',
    );
    fake.setRawCosts({
      '2026-11-01': [{ value: 1, currency: 'USD' }],
      '2026-11-02': [{ value: 1, currency: 'EUR' }],
    });
    await expect(client().dailyCosts(range)).rejects.toThrow(
      'openai: openai costs: data[1].results[0].amount.currency: currency "EUR" is not USD',
    );
  });
});

describe('Anthropic, live-shaped', () => {
  let fake: Awaited<ReturnType<typeof startAnthropicFake>>;
  const client = (adminKey = fake.adminKey) =>
    new AnthropicCostSource({ adminKey, baseUrl: fake.baseUrl, ...noWait });
  const auth = { 'x-api-key': 'sk-ant-admin01-test-key', 'anthropic-version': '2023-06-01' };

  beforeAll(async () => {
    fake = await startAnthropicFake({ mode: 'live', nonAdminKey: 'sk-ant-api03-zz9plural-std' });
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.setCosts(history());
    fake.requests.length = 0;
  });

  it('uppercase "USD", cents as six-decimal and exponent strings, extra keys: read exactly', async () => {
    const { body } = await getJson(
      `${fake.baseUrl}/organizations/cost_report?starting_at=2026-11-01T00:00:00Z&ending_at=2026-11-03T00:00:00Z`,
      auth,
    );
    const rows = (body.data as Array<{ results: Array<Record<string, unknown>> }>).flatMap((b) => b.results);
    expect(rows.map((r) => r.amount)).toEqual(
      expect.arrayContaining(['29.000000', expect.stringMatching(/e/)]),
    );
    expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(['USD']));
    expect(rows[0]).toHaveProperty('list_amount');
    const days = await client().dailyCosts(range);
    expect(days).toEqual([
      { day: '2026-11-01', amountMicros: 2_060_000, byScope: { proj_a: 1_770_000, '(none)': 290_000 } },
      { day: '2026-11-02', amountMicros: 2_070_000, byScope: { proj_a: 1_780_000, '(none)': 290_000 } },
    ]);
  });

  it('starting_at on the 00:00 UTC boundary with ending_at; the live API refuses a start off it without ending_at', async () => {
    const refused = await getJson(
      `${fake.baseUrl}/organizations/cost_report?starting_at=2026-11-01T05:30:00Z`,
      auth,
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('ending date must be after starting date');
    fake.requests.length = 0;
    await client().dailyCosts({ start: new Date('2026-11-01T05:30:00Z'), end: range.end });
    expect(fake.requests[0]?.query.get('starting_at')).toBe('2026-11-01T00:00:00Z');
    expect(fake.requests[0]?.query.get('ending_at')).toBe('2026-11-03T00:00:00Z');
  });

  it('limits per width (1d 31, 1h 168) are refused above; 90 days walk in pages of 31 with one query', async () => {
    const base = `${fake.baseUrl}/organizations/cost_report?starting_at=2026-11-01T00:00:00Z&ending_at=2026-11-03T00:00:00Z`;
    expect((await getJson(`${base}&limit=32`, auth)).status).toBe(400);
    const usage = `${fake.baseUrl}/organizations/usage_report/messages?starting_at=2026-11-01T00:00:00Z&ending_at=2026-11-03T00:00:00Z&bucket_width=1h`;
    expect((await getJson(`${usage}&limit=169`, auth)).status).toBe(400);
    fake.requests.length = 0;
    expect(await client().dailyCosts({ start, end })).toHaveLength(90);
    expect(fake.requests.map((r) => r.query.get('limit'))).toEqual(['31', '31', '31']);
    expect(new Set(queries(fake.requests)).size).toBe(1);
  });

  it('cache_creation and server_tool_use with null inner fields price as zero', async () => {
    fake.setUsage([
      { hour: '2026-11-24T01:00:00Z', model: 'claude-sonnet-4-5', input_tokens: 1_000_000, output_tokens: 0 },
    ]);
    const e = await client().usageEstimate({
      start: new Date('2026-11-24T00:00:00Z'),
      end: new Date('2026-11-24T03:00:00Z'),
    });
    expect(e.amountMicros).toBe(3_000_000);
  });

  it('a standard (non-admin) key gets 403, a bad key 401 invalid x-api-key: each its reason and advice', async () => {
    const nonAdmin = (await client('sk-ant-api03-zz9plural-std')
      .dailyCosts(range)
      .catch((e: unknown) => e)) as ProviderAuthError;
    expect(nonAdmin).toBeInstanceOf(ProviderAuthError);
    expect(nonAdmin.reason).toBe('not-admin-key');
    expect(nonAdmin.message).toContain('HTTP 403: permission_error');
    expect(nonAdmin.message).toContain('create an Admin API key (sk-ant-admin…) in the Claude Console');
    const bad = (await client('sk-ant-admin01-zz9plural-adm')
      .dailyCosts(range)
      .catch((e: unknown) => e)) as ProviderAuthError;
    expect(bad.reason).toBe('invalid-key');
    expect(bad.message).toContain('HTTP 401: authentication_error: invalid x-api-key');
    for (const e of [nonAdmin, bad]) expect(e.message).not.toMatch(/zz9plural/);
  });
});
