import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { AnthropicWorkspaceDirectory } from '../../shared/providers/anthropic/workspaces.ts';
import { ProviderAuthError, ProviderResponseError } from '../../shared/providers/errors.ts';
import { OpenAiProjectDirectory } from '../../shared/providers/openai/projects.ts';
import { MODES } from '../support/providers.ts';

const quick = { sleep: async () => {}, maxRetries: 2, timeoutMs: 2_000 };
const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Error);

describe.each(MODES)('OpenAI projects against the fake (%s)', (mode) => {
  let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
  const projects = [
    { id: 'proj_D3fau1t', name: 'Default project' },
    { id: 'proj_search', name: 'Search' },
    { id: 'proj_old', name: 'Old batch', archived: true },
    { id: 'proj_bot', name: null },
    { id: 'proj_etl', name: 'ETL' },
  ];
  beforeAll(async () => {
    fake = await startOpenAiFake({ mode, scopelessKey: 'sk-admin-scopeless-0001' });
    fake.setProjects(projects);
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
  });
  const client = (o: { pageSize?: number; adminKey?: string } = {}) =>
    new OpenAiProjectDirectory({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...quick, ...o });

  it('walks every page with after = last_id, archived projects included', async () => {
    const list = await client({ pageSize: 2 }).listProjects();
    expect(list).toEqual([
      { id: 'proj_D3fau1t', name: 'Default project', status: 'active', archived: false },
      { id: 'proj_search', name: 'Search', status: 'active', archived: false },
      { id: 'proj_old', name: 'Old batch', status: 'archived', archived: true },
      { id: 'proj_bot', name: 'proj_bot', status: 'active', archived: false },
      { id: 'proj_etl', name: 'ETL', status: 'active', archived: false },
    ]);
    expect(fake.requests.map((r) => [r.query.get('after'), r.query.get('include_archived')])).toEqual([
      [null, 'true'],
      ['proj_search', 'true'],
      ['proj_bot', 'true'],
    ]);
    expect(fake.requests.every((r) => r.method === 'GET' && r.query.get('limit') === '2')).toBe(true);
  });

  it('asks for 100 a page by default, the most the API allows', async () => {
    expect(await client().listProjects()).toHaveLength(5);
    expect(fake.requests.map((r) => r.query.get('limit'))).toEqual(['100']);
  });

  it('the preset fake lists the Default project with an ordinary proj_ id and an archived one', async () => {
    const preset = await startOpenAiFake({ mode });
    try {
      const list = await new OpenAiProjectDirectory({
        adminKey: preset.adminKey,
        baseUrl: preset.baseUrl,
      }).listProjects();
      expect(list.find((p) => p.name === 'Default project')?.id).toMatch(/^proj_/);
      expect(list.some((p) => p.archived)).toBe(true);
    } finally {
      await preset.stop();
    }
  });

  it('a malformed page names the JSON path of the bad field', async () => {
    fake.injectFaults([{ kind: 'malformed' }], '/v1/organization/projects');
    const error = await failure(client().listProjects());
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error?.message).toMatch(/openai projects: data\[0\]\.id: /);
  });

  it('a 429 with Retry-After is waited out, then the walk goes on', async () => {
    const sleeps: number[] = [];
    fake.injectFaults([{ kind: '429', retryAfter: 3 }], '/v1/organization/projects');
    const list = await client({
      pageSize: 2,
      ...{ sleep: async (ms: number) => void sleeps.push(ms) },
    }).listProjects();
    expect(list).toHaveLength(5);
    expect(sleeps).toEqual([3_000]);
  });

  it('a key without the scope is an auth error that never shows the key', async () => {
    const error = await failure(client({ adminKey: 'sk-admin-scopeless-0001' }).listProjects());
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error?.message).toMatch(/insufficient permissions/);
    expect(error?.message).not.toContain('sk-admin-scopeless-0001');
  });
});

describe.each(MODES)('Anthropic workspaces against the fake (%s)', (mode) => {
  let fake: Awaited<ReturnType<typeof startAnthropicFake>>;
  beforeAll(async () => {
    fake = await startAnthropicFake({ mode });
    fake.setWorkspaces([
      { id: 'wrkspc_01Search', name: 'Search' },
      { id: 'wrkspc_01Code', name: 'Claude Code' },
      { id: 'wrkspc_01Old', name: 'Old prototype', archived: true },
      { id: 'wrkspc_01Batch', name: 'Batch' },
    ]);
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
  });
  const client = (o: { pageSize?: number } = {}) =>
    new AnthropicWorkspaceDirectory({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...quick, ...o });

  it('walks every page with after_id = last_id, archived included, and adds the default workspace', async () => {
    const list = await client({ pageSize: 1 }).listProjects();
    expect(list).toEqual([
      { id: 'default', name: 'Default workspace', status: 'active', archived: false },
      { id: 'wrkspc_01Search', name: 'Search', status: 'active', archived: false },
      { id: 'wrkspc_01Code', name: 'Claude Code', status: 'active', archived: false },
      { id: 'wrkspc_01Old', name: 'Old prototype', status: 'archived', archived: true },
      { id: 'wrkspc_01Batch', name: 'Batch', status: 'active', archived: false },
    ]);
    expect(fake.requests.map((r) => r.query.get('after_id'))).toEqual([
      null,
      'wrkspc_01Search',
      'wrkspc_01Code',
      'wrkspc_01Old',
    ]);
    expect(fake.requests.every((r) => r.query.get('include_archived') === 'true')).toBe(true);
    expect(fake.requests[0]?.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('a malformed page names the JSON path of the bad field', async () => {
    fake.injectFaults([{ kind: 'malformed' }], '/v1/organizations/workspaces');
    const error = await failure(client().listProjects());
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error?.message).toMatch(/anthropic workspaces: data\[0\]\.id: /);
  });
});
