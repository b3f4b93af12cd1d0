import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { AnthropicApiKeys } from '../../shared/providers/anthropic/api-keys.ts';
import { ProviderResponseError } from '../../shared/providers/errors.ts';
import { MODES } from '../support/providers.ts';

const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Error);
const hour = new Date('2026-11-18T15:00:00Z');
const usage = (o: { key: string | null; ws: string | null; model?: string; min?: number }) => ({
  hour: `2026-11-18T15:${String(o.min ?? 10).padStart(2, '0')}:00Z`,
  model: o.model ?? 'claude-sonnet-4-5',
  projectId: o.ws,
  apiKeyId: o.key,
  input_tokens: 400_000,
  output_tokens: 100_000,
});

describe.each(MODES)('Anthropic API keys against the fake (%s)', (mode) => {
  let fake: Awaited<ReturnType<typeof startAnthropicFake>>;
  const sleeps: number[] = [];
  beforeAll(async () => {
    fake = await startAnthropicFake({ mode });
    fake.setApiKeys([
      { id: 'apikey_01A', name: 'search-prod', workspaceId: 'wrkspc_01Search' },
      { id: 'apikey_01B', name: 'search-old', workspaceId: 'wrkspc_01Search', status: 'inactive' },
      { id: 'apikey_01C', name: 'search-batch', workspaceId: 'wrkspc_01Search' },
      { id: 'apikey_01D', name: 'default-ws', workspaceId: null },
      { id: 'apikey_01E', name: 'bot', workspaceId: 'wrkspc_01Bot' },
      { id: 'apikey_01F', name: 'search-ci', workspaceId: 'wrkspc_01Search' },
    ]);
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    sleeps.length = 0;
  });
  const client = (pageSize?: number) =>
    new AnthropicApiKeys({
      adminKey: fake.adminKey,
      baseUrl: fake.baseUrl,
      sleep: async (ms) => void sleeps.push(ms),
      maxRetries: 2,
      ...(pageSize ? { pageSize } : {}),
    });

  it("lists a workspace's active keys over several pages", async () => {
    const keys = await client(1).listKeys('wrkspc_01Search');
    expect(keys).toEqual([
      { id: 'apikey_01A', name: 'search-prod', status: 'active', workspaceId: 'wrkspc_01Search' },
      { id: 'apikey_01C', name: 'search-batch', status: 'active', workspaceId: 'wrkspc_01Search' },
      { id: 'apikey_01F', name: 'search-ci', status: 'active', workspaceId: 'wrkspc_01Search' },
    ]);
    expect(fake.requests.map((r) => r.query.get('after_id'))).toEqual([null, 'apikey_01A', 'apikey_01C']);
    expect(
      fake.requests.every(
        (r) => r.query.get('workspace_id') === 'wrkspc_01Search' && r.query.get('status') === 'active',
      ),
    ).toBe(true);
  });

  it("the default workspace's keys are those without a workspace_id", async () => {
    expect((await client().listKeys('default')).map((k) => k.id)).toEqual(['apikey_01D']);
    expect(fake.requests[0]?.query.has('workspace_id')).toBe(false);
  });

  it('switches a key inactive and back, retrying a 429, and never sends anything but active/inactive', async () => {
    fake.injectFaults([{ kind: '429', retryAfter: 1 }], '/v1/organizations/api_keys/apikey_01C', 'POST');
    expect(await client().setStatus('apikey_01C', 'inactive')).toMatchObject({
      id: 'apikey_01C',
      status: 'inactive',
    });
    expect(sleeps).toEqual([1_000]);
    expect(fake.apiKeyStatus('apikey_01C')).toBe('inactive');
    expect(await client().setStatus('apikey_01C', 'active')).toMatchObject({ status: 'active' });
    const error = await failure(client().setStatus('apikey_01C', 'archived' as never));
    expect(error).toBeInstanceOf(RangeError);
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      { status: 'inactive' },
      { status: 'inactive' },
      { status: 'active' },
    ]);
  });

  it('prices one hour of usage by key and workspace like the estimate, Workbench usage keyless', async () => {
    fake.setUsage([
      usage({ key: 'apikey_01A', ws: 'wrkspc_01Search' }),
      usage({ key: 'apikey_01A', ws: 'wrkspc_01Search', min: 40 }),
      usage({ key: 'apikey_01E', ws: 'wrkspc_01Bot' }),
      usage({ key: null, ws: null }),
      usage({ key: 'apikey_01E', ws: 'wrkspc_01Bot', model: 'claude-unknown-9' }),
      { ...usage({ key: 'apikey_01A', ws: 'wrkspc_01Search' }), hour: '2026-11-18T16:05:00Z' }, // next hour
    ]);
    const spend = await client().spendByKey(hour);
    expect(spend).toEqual([
      { apiKeyId: 'apikey_01A', workspaceId: 'wrkspc_01Search', amountMicros: 5_400_000, unknownModels: [] },
      {
        apiKeyId: 'apikey_01E',
        workspaceId: 'wrkspc_01Bot',
        amountMicros: 2_700_000,
        unknownModels: ['claude-unknown-9'],
      },
      { apiKeyId: null, workspaceId: '(none)', amountMicros: 2_700_000, unknownModels: [] },
    ]);
    const q = fake.requests[0]?.query;
    expect(q?.getAll('group_by[]')).toEqual(expect.arrayContaining(['api_key_id', 'workspace_id', 'model']));
    expect([q?.get('bucket_width'), q?.get('starting_at'), q?.get('ending_at')]).toEqual([
      '1h',
      '2026-11-18T15:00:00Z',
      '2026-11-18T16:00:00Z',
    ]);
  });

  it('refuses an instant that is not an hour boundary; a malformed list names the JSON path', async () => {
    expect(await failure(client().spendByKey(new Date('2026-11-18T15:30:00Z')))).toBeInstanceOf(RangeError);
    fake.injectFaults([{ kind: 'malformed' }], '/v1/organizations/api_keys');
    const error = await failure(client().listKeys('wrkspc_01Search'));
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error?.message).toMatch(/api_keys of wrkspc_01Search: data\[0\]\.id: /);
  });
});
