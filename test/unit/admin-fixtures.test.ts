import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpendLimitsUnavailableError } from '../../shared/ports.ts';
import { AnthropicApiKeys } from '../../shared/providers/anthropic/api-keys.ts';
import { AnthropicSpendLimits } from '../../shared/providers/anthropic/spend-limits.ts';
import { AnthropicWorkspaceDirectory } from '../../shared/providers/anthropic/workspaces.ts';
import { OpenAiProjectDirectory } from '../../shared/providers/openai/projects.ts';
import { OpenAiSpendLimits } from '../../shared/providers/openai/spend-limits.ts';

/**
 * The admin clients over recorded-style responses (test/fixtures/*): spec-shaped and live-shaped
 * projects, workspaces, spend limits and keys parse to the same port values; open enums and extra
 * fields pass; what is inferred rather than seen is marked so in each fixture's `_note`.
 */
interface Fixture {
  _note: string;
  status: number;
  body: unknown;
}
const load = (path: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as Fixture;

function replay(...paths: string[]) {
  const requests: Array<{ method: string; url: URL }> = [];
  const queue = paths.map(load);
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ method: init?.method ?? 'GET', url: new URL(String(input)) });
    const f = queue.shift();
    if (!f) throw new Error('no more fixtures');
    return new Response(JSON.stringify(f.body), { status: f.status });
  };
  return { fetch, requests };
}

const opts = { sleep: async () => {}, maxRetries: 0, baseUrl: 'http://fixtures.invalid/v1' };
const openai = { ...opts, adminKey: 'sk-admin-fixture-key-0001' };
const anthropic = { ...opts, adminKey: 'sk-ant-admin01-fixture-key' };

const FIXTURES = [
  'openai/projects-spec.json',
  'openai/projects-live-page1.json',
  'openai/projects-live-page2.json',
  'openai/spend-limit-spec.json',
  'openai/spend-limit-none-zero.json',
  'openai/error-404-no-spend-limit.json',
  'openai/spend-limit-deleted-spec.json',
  'anthropic/workspaces-spec.json',
  'anthropic/spend-limits-spec.json',
  'anthropic/error-403-spend-limits-no-access.json',
  'anthropic/api-keys-live.json',
  'anthropic/usage-by-key-spec.json',
];

describe('admin fixtures carry a note naming their source', () => {
  it.each(FIXTURES)('%s', (path) => {
    expect(load(path)._note).toMatch(/GUARD\.md|excerpt|anthropic-admin-api\.md|sdk-python/);
  });
});

describe('OpenAI projects', () => {
  it('spec shape: hyphenated first_id/last_id are never used as cursors when has_more is false', async () => {
    const r = replay('openai/projects-spec.json');
    const list = await new OpenAiProjectDirectory({ ...openai, fetch: r.fetch }).listProjects();
    expect(list).toEqual([{ id: 'proj_abc', name: 'Project example', status: 'active', archived: false }]);
    expect(r.requests).toHaveLength(1);
  });

  it('live shape over two pages: Default project, an archived one, a null name and an unknown status kept', async () => {
    const r = replay('openai/projects-live-page1.json', 'openai/projects-live-page2.json');
    const list = await new OpenAiProjectDirectory({ ...openai, fetch: r.fetch }).listProjects();
    expect(list).toEqual([
      { id: 'proj_Dflt0000000000000001', name: 'Default project', status: 'active', archived: false },
      { id: 'proj_Arch0000000000000002', name: 'Old experiments', status: 'archived', archived: true },
      {
        id: 'proj_Srch0000000000000003',
        name: 'proj_Srch0000000000000003',
        status: 'suspended',
        archived: false,
      },
    ]);
    expect(r.requests[1]?.url.searchParams.get('after')).toBe('proj_Arch0000000000000002');
  });
});

describe('OpenAI spend limits', () => {
  const scope = { type: 'project', id: 'proj_abc' } as const;
  it.each([
    ['openai/spend-limit-spec.json', { state: 'set', thresholdCents: 10_000, enforcement: 'enforcing' }],
    ['openai/spend-limit-none-zero.json', { state: 'none' }],
    ['openai/error-404-no-spend-limit.json', { state: 'none' }],
  ])('%s', async (path, expected) => {
    expect(await new OpenAiSpendLimits({ ...openai, fetch: replay(path).fetch }).get(scope)).toEqual(
      expected,
    );
  });

  it('DELETE answers deleted: true', async () => {
    const r = replay('openai/spend-limit-deleted-spec.json');
    await new OpenAiSpendLimits({ ...openai, fetch: r.fetch }).remove(scope);
    expect(r.requests.map((x) => x.method)).toEqual(['DELETE']);
  });
});

describe('Anthropic workspaces, spend limits and keys', () => {
  it('workspaces: the default one added, the archived one kept', async () => {
    const list = await new AnthropicWorkspaceDirectory({
      ...anthropic,
      fetch: replay('anthropic/workspaces-spec.json').fetch,
    }).listProjects();
    expect(list.map((w) => [w.id, w.archived])).toEqual([
      ['default', false],
      ['wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', false],
      ['wrkspc_01ArchivedXXXXXXXXXXX', true],
    ]);
  });

  it.each([
    [{ type: 'organization' } as const, { state: 'set', thresholdCents: 500_000, enforcement: 'enforcing' }],
    [
      { type: 'project', id: 'wrkspc_01Search' } as const,
      { state: 'set', thresholdCents: 25_000, enforcement: 'enforcing' },
    ],
    [{ type: 'project', id: 'wrkspc_01Bot' } as const, { state: 'none' }],
    [{ type: 'project', id: 'wrkspc_01Other' } as const, { state: 'none' }],
  ])('spend limit of %j', async (scope, expected) => {
    const fetch = replay('anthropic/spend-limits-spec.json').fetch;
    expect(await new AnthropicSpendLimits({ ...anthropic, fetch }).get(scope)).toEqual(expected);
  });

  it('a 403 from the beta is "unavailable: use the Console", not a key problem', async () => {
    const fetch = replay('anthropic/error-403-spend-limits-no-access.json').fetch;
    const error = await new AnthropicSpendLimits({ ...anthropic, fetch })
      .get({ type: 'organization' })
      .then(() => undefined)
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SpendLimitsUnavailableError);
    expect(error?.message).toMatch(/Console/);
    expect(error?.message).not.toMatch(/not an Admin API key/);
  });

  it('keys: the deprecated workspace_id wins over the scope, so the default workspace reads null', async () => {
    const keys = await new AnthropicApiKeys({
      ...anthropic,
      fetch: replay('anthropic/api-keys-live.json').fetch,
    }).listKeys('default');
    expect(keys).toEqual([
      { id: 'apikey_01DefaultWsKeyXXXXXX', name: 'default-ws', status: 'active', workspaceId: null },
    ]);
  });

  it('usage by key: priced as the estimate prices it (batch at half), Workbench under NO_SCOPE', async () => {
    const fetch = replay('anthropic/usage-by-key-spec.json').fetch;
    const spend = await new AnthropicApiKeys({ ...anthropic, fetch }).spendByKey(
      new Date('2026-11-18T15:00:00Z'),
    );
    expect(spend).toEqual([
      {
        apiKeyId: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
        workspaceId: 'wrkspc_01Search',
        amountMicros: 2_700_000,
        unknownModels: [],
      },
      { apiKeyId: null, workspaceId: '(none)', amountMicros: 1_350_000, unknownModels: [] },
    ]);
  });
});
