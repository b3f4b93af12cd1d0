import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysFor, projectDirectoryFor, spendLimitsFor } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { SpendLimitsUnavailableError } from '../../shared/ports.ts';
import type { AccountConfig } from '../../shared/schemas/account-config.ts';

/** The factories pick the provider's client from the account's config and the base URLs from the environment. */
describe('provider factories for projects, limits and keys', () => {
  let openai: Awaited<ReturnType<typeof startOpenAiFake>>;
  let anthropic: Awaited<ReturnType<typeof startAnthropicFake>>;
  let env: ReturnType<typeof parseEnvironment>;
  const config = (provider: 'openai' | 'anthropic') => ({ provider }) as AccountConfig;
  beforeAll(async () => {
    openai = await startOpenAiFake({ mode: 'live' });
    anthropic = await startAnthropicFake({ mode: 'live' });
    env = parseEnvironment({ OPENAI_BASE_URL: openai.baseUrl, ANTHROPIC_BASE_URL: anthropic.baseUrl });
  });
  afterAll(async () => {
    await openai.stop();
    await anthropic.stop();
  });

  it('OpenAI: projects and limits from its fake; no key lever', async () => {
    const projects = await projectDirectoryFor(env)(config('openai'), openai.adminKey).listProjects();
    expect(projects.map((p) => p.name)).toContain('Default project');
    const limits = spendLimitsFor(env)(config('openai'), openai.adminKey);
    expect(await limits.get({ type: 'organization' })).toEqual({ state: 'none' });
    expect(apiKeysFor(env)(config('openai'), openai.adminKey)).toBeUndefined();
  });

  it('Anthropic: workspaces with the default, limits unavailable without the beta, keys listed', async () => {
    const projects = await projectDirectoryFor(env)(config('anthropic'), anthropic.adminKey).listProjects();
    expect(projects[0]).toMatchObject({ id: 'default', name: 'Default workspace' });
    const limits = spendLimitsFor(env, { maxRetries: 0 })(config('anthropic'), anthropic.adminKey);
    await expect(limits.get({ type: 'organization' })).rejects.toBeInstanceOf(SpendLimitsUnavailableError);
    anthropic.setApiKeys([{ id: 'apikey_01A', name: 'a', workspaceId: 'wrkspc_01X' }]);
    const keys = apiKeysFor(env)(config('anthropic'), anthropic.adminKey);
    expect(await keys?.listKeys('wrkspc_01X')).toEqual([
      { id: 'apikey_01A', name: 'a', status: 'active', workspaceId: 'wrkspc_01X' },
    ]);
  });
});
