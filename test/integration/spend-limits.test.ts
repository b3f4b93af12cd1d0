import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { SpendLimitsUnavailableError } from '../../shared/ports.ts';
import { AnthropicSpendLimits } from '../../shared/providers/anthropic/spend-limits.ts';
import { ProviderAuthError, ProviderResponseError } from '../../shared/providers/errors.ts';
import { OpenAiSpendLimits } from '../../shared/providers/openai/spend-limits.ts';
import { MODES } from '../support/providers.ts';

const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Error);
const org = { type: 'organization' } as const;
const search = { type: 'project', id: 'proj_search' } as const;
const writes = (requests: Array<{ method: string }>) => requests.filter((r) => r.method !== 'GET');

/** Each way OpenAI may say "no limit set", in each mode. */
const OPENAI_CASES = MODES.flatMap((mode) => (['200', '404'] as const).map((noLimit) => ({ mode, noLimit })));

describe.each(OPENAI_CASES)('OpenAI spend limits ($mode, none answered as $noLimit)', ({ mode, noLimit }) => {
  let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
  const sleeps: number[] = [];
  beforeAll(async () => {
    fake = await startOpenAiFake({ mode, noLimit, scopelessKey: 'sk-admin-scopeless-0001' });
    fake.setProjects([{ id: 'proj_search', name: 'Search' }]);
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    sleeps.length = 0;
  });
  const client = (adminKey = fake.adminKey) =>
    new OpenAiSpendLimits({
      adminKey,
      baseUrl: fake.baseUrl,
      sleep: async (ms) => void sleeps.push(ms),
      maxRetries: 2,
      timeoutMs: 2_000,
    });

  it.each([org, search])('%j: none, set, read back, remove, none again', async (scope) => {
    const limits = client();
    expect(await limits.get(scope)).toEqual({ state: 'none' });
    expect(await limits.set(scope, 25_000)).toEqual({
      state: 'set',
      thresholdCents: 25_000,
      enforcement: 'enforcing',
    });
    expect(await limits.get(scope)).toEqual({
      state: 'set',
      thresholdCents: 25_000,
      enforcement: 'enforcing',
    });
    await limits.remove(scope);
    expect(await limits.get(scope)).toEqual({ state: 'none' });
    await limits.remove(scope); // nothing there: still fine
    const path =
      scope.type === 'organization'
        ? '/v1/organization/spend_limit'
        : '/v1/organization/projects/proj_search/spend_limit';
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      ['GET', 'POST', 'GET', 'DELETE', 'GET', 'DELETE'].map((m) => `${m} ${path}`),
    );
    expect(fake.requests[1]?.body).toEqual({ threshold_amount: 25_000, currency: 'USD', interval: 'month' });
    expect(fake.requests[1]?.headers['content-type']).toBe('application/json');
  });

  it("rounding is the caller's: fractions of a cent and amounts below 1 are refused before any request", async () => {
    for (const cents of [1234.5, 0, -5, Number.NaN]) {
      const error = await failure(client().set(search, cents));
      expect(error).toBeInstanceOf(RangeError);
      expect(error?.message).toMatch(/not a whole number of cents >= 1/);
    }
    expect(fake.requests).toHaveLength(0);
    expect(await client().set(search, 1)).toMatchObject({ thresholdCents: 1 });
    await client().remove(search);
  });

  it('a 429 with Retry-After on the POST is waited out and the write sent again', async () => {
    fake.injectFaults([{ kind: '429', retryAfter: 2 }], '/v1/organization/spend_limit', 'POST');
    expect(await client().set(org, 10_000)).toMatchObject({ thresholdCents: 10_000 });
    expect(sleeps).toEqual([2_000]);
    expect(writes(fake.requests).map((r) => r.method)).toEqual(['POST', 'POST']);
    await client().remove(org);
  });

  it("a value changed behind burnrate's back is read as the provider has it, any enforcement word kept", async () => {
    fake.setSpendLimit('proj_search', 30_000, 'pending_propagation');
    expect(await client().get(search)).toEqual({
      state: 'set',
      thresholdCents: 30_000,
      enforcement: 'pending_propagation',
    });
    fake.setSpendLimit('proj_search', null);
  });

  it('the fake refuses a body the schema does not allow, and the client says what the provider said', async () => {
    const post = (body: unknown) =>
      fetch(`${fake.baseUrl}/organization/spend_limit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({
        status: r.status,
        param: ((await r.json()) as { error: { param: string } }).error.param,
      }));
    expect(await post({ threshold_amount: 0, currency: 'USD', interval: 'month' })).toEqual({
      status: 400,
      param: 'threshold_amount',
    });
    expect(await post({ threshold_amount: 12.5, currency: 'USD', interval: 'month' })).toEqual({
      status: 400,
      param: 'threshold_amount',
    });
    expect(await post({ threshold_amount: 100, currency: 'EUR', interval: 'month' })).toEqual({
      status: 400,
      param: 'currency',
    });
    expect(await post({ threshold_amount: 100, currency: 'USD', interval: 'year' })).toEqual({
      status: 400,
      param: 'interval',
    });
    expect(await post({ threshold_amount: 100, currency: 'USD' })).toEqual({
      status: 400,
      param: 'interval',
    });
    expect(fake.spendLimitOf('organization')).toBeUndefined();
  });

  it('a malformed answer names the JSON path', async () => {
    fake.setSpendLimit('organization', 5_000);
    fake.injectFaults([{ kind: 'malformed' }], '/v1/organization/spend_limit', 'GET');
    const error = await failure(client().get(org));
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error?.message).toMatch(/openai spend_limit: threshold_amount: expected a decimal amount/);
    fake.setSpendLimit('organization', null);
  });

  it('an unknown project is not silently "none" on a write', async () => {
    const error = await failure(client().set({ type: 'project', id: 'proj_typo' }, 100));
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error?.message).toMatch(/openai project proj_typo spend_limit: HTTP 404/);
  });

  it('a key the API refuses is an auth error that never shows the key', async () => {
    const error = await failure(client('sk-admin-scopeless-0001').set(org, 100));
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error?.message).not.toContain('sk-admin-scopeless-0001');
  });
});

describe.each(MODES)('Anthropic spend-limits beta (%s)', (mode) => {
  let fake: Awaited<ReturnType<typeof startAnthropicFake>>;
  const sleeps: number[] = [];
  const workspace = { type: 'project', id: 'wrkspc_01Search' } as const;
  beforeAll(async () => {
    fake = await startAnthropicFake({ mode, spendLimits: 'available', maxPageSize: 1 });
    fake.setWorkspaces([
      { id: 'wrkspc_01Batch', name: 'Batch' },
      { id: 'wrkspc_01Search', name: 'Search' },
    ]);
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    sleeps.length = 0;
    fake.setSpendLimitsAccess('available');
  });
  const client = () =>
    new AnthropicSpendLimits({
      adminKey: fake.adminKey,
      baseUrl: fake.baseUrl,
      sleep: async (ms) => void sleeps.push(ms),
      maxRetries: 2,
      timeoutMs: 2_000,
    });

  it('none, set (an upsert), read back across pages, remove by looking the id up first', async () => {
    const limits = client();
    expect(await limits.get(workspace)).toEqual({ state: 'none' });
    await limits.set({ type: 'project', id: 'wrkspc_01Batch' }, 9_900);
    await limits.set(workspace, 50_000);
    expect(await limits.set(workspace, 25_000)).toEqual({
      state: 'set',
      thresholdCents: 25_000,
      enforcement: 'enforcing',
    });
    expect(await limits.get(workspace)).toEqual({
      state: 'set',
      thresholdCents: 25_000,
      enforcement: 'enforcing',
    });
    fake.requests.length = 0;
    await limits.remove(workspace);
    const calls = fake.requests.map((r) => `${r.method} ${r.path}${r.query.get('page') ? ' (page 2)' : ''}`);
    expect(calls).toEqual([
      'GET /v1/organizations/spend_limits',
      'GET /v1/organizations/spend_limits (page 2)',
      expect.stringMatching(/^DELETE \/v1\/organizations\/spend_limits\/spl_/),
    ]);
    expect(await limits.get(workspace)).toEqual({ state: 'none' });
    expect(fake.spendLimitOf('wrkspc_01Batch')).toBe(9_900);
    await limits.remove(workspace); // nothing there: no DELETE
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('sends the beta header and the wire body GUARD.md §5 gives (cents as a string, monthly)', async () => {
    await client().set({ type: 'organization' }, 100_000);
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.headers['anthropic-beta']).toBe('spend-limit-reads-2026-09-26');
    expect(post?.body).toEqual({ amount: '100000', scope: { type: 'organization' }, period: 'monthly' });
    await client().remove({ type: 'organization' });
  });

  it('a 429 with Retry-After on the POST is retried', async () => {
    fake.injectFaults([{ kind: '429', retryAfter: 1 }], '/v1/organizations/spend_limits', 'POST');
    expect(await client().set(workspace, 700)).toMatchObject({ thresholdCents: 700 });
    expect(sleeps).toEqual([1_000]);
    await client().remove(workspace);
  });

  it.each(['forbidden', 'not_found'] as const)(
    'without early access (%s) every call says to use the Console',
    async (access) => {
      fake.setSpendLimitsAccess(access);
      const calls = [client().get(workspace), client().set(workspace, 100), client().remove(workspace)];
      for (const error of await Promise.all(calls.map(failure))) {
        expect(error).toBeInstanceOf(SpendLimitsUnavailableError);
        expect(error?.message).toMatch(/early-access beta\): set the limit in the Claude Console/);
        expect(error?.message).toMatch(access === 'forbidden' ? /HTTP 403/ : /HTTP 404/);
        expect(error?.message).not.toContain(fake.adminKey);
      }
      expect(sleeps).toEqual([]); // never retried
    },
  );

  it('the default workspace has no id to scope a limit to: unavailable, without a request', async () => {
    const error = await failure(client().set({ type: 'project', id: 'default' }, 100));
    expect(error).toBeInstanceOf(SpendLimitsUnavailableError);
    expect(error?.message).toMatch(/default workspace .* Console/);
    expect(fake.requests).toHaveLength(0);
  });

  it('a malformed amount names the JSON path', async () => {
    await client().set(workspace, 500);
    fake.injectFaults([{ kind: 'malformed' }], '/v1/organizations/spend_limits', 'GET');
    const error = await failure(client().get(workspace));
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error?.message).toMatch(/anthropic spend_limits: data\[0\]\.id: /);
    await client().remove(workspace);
  });
});
