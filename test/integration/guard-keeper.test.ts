import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiProjectDirectory } from '../../shared/providers/openai/projects.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoUpkeepStore } from '../../shared/store/dynamo-upkeep-store.ts';
import type { GuardDeps } from '../../shared/use-cases/guard-context.ts';
import { freezeProject } from '../../shared/use-cases/guard-freeze.ts';
import { releaseProject } from '../../shared/use-cases/guard-release.ts';
import { type UpkeepDeps, upkeepAccount } from '../../shared/use-cases/upkeep-account.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import {
  GUARD_SETUPS,
  type GuardFake,
  type GuardSetup,
  guardDepsFor,
  limitsOf,
  seedGuardCosts,
  startGuardFake,
} from '../support/guard-setup.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * The hard-limit keeper (the upkeep) and the guard share one rule (`desiredLimitCents`): an active
 * freeze is the limit the keeper keeps, so an upkeep run during a freeze never undoes it, and after
 * the release the keeper's own limit is what the provider has again.
 */
const ddb = useDynamoDbLocal();
const openai = GUARD_SETUPS[0] as GuardSetup;
const day = (d: number, hhmm: string) => Date.parse(`2026-11-${d}T${hhmm}:00Z`);

describe.each(MODES)('the keeper never undoes a freeze (openai, %s)', (mode) => {
  let fake: GuardFake;
  let table: string;
  let now: number;
  let guard: GuardDeps;
  const cents = async () => {
    const have = await limitsOf(openai, fake).get({ type: 'project', id: 'proj_search' });
    return have.state === 'set' ? have.thresholdCents : null;
  };
  const posts = () =>
    fake.requests
      .filter((r) => r.method === 'POST')
      .map((r) => (r.body as { threshold_amount: number }).threshold_amount);

  function upkeep(): UpkeepDeps {
    const store = new DynamoAccountStore(ddb.doc, table);
    const upkeepStore = new DynamoUpkeepStore(ddb.doc, table);
    return {
      store: {
        loadAccount: (id) => store.loadAccount(id),
        putProjects: (id, r) => upkeepStore.putProjects(id, r),
        commitLimits: (c) => upkeepStore.commitLimits(c),
      },
      secrets: new EnvSecretSource({ openai: fake.adminKey }),
      projectDirectory: () => new OpenAiProjectDirectory({ adminKey: fake.adminKey, baseUrl: fake.baseUrl }),
      spendLimits: () => limitsOf(openai, fake),
      now: () => new Date(now),
    };
  }

  beforeEach(async () => {
    now = day(24, '00:10');
    fake = await startGuardFake(openai, mode, () => now);
    table = await ddb.freshTable('keeper');
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      recipients: ['ops@acme.example'],
      projects: { proj_search: { name: 'Search', hardLimitUsd: 250, guard: { mode: 'approve' } } },
    });
    await seedGuardCosts(ddb.doc, table, 'acme', 'proj_search');
    guard = guardDepsFor(openai, fake, ddb.doc, table, () => new Date(now));
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('an upkeep run during a freeze leaves the frozen limit; after the release the kept limit is back', async () => {
    expect((await upkeepAccount(upkeep(), 'acme')).status).toBe('done');
    expect(await cents()).toBe(25_000);

    now = day(24, '15:40');
    const frozen = await freezeProject(guard, { accountId: 'acme', projectId: 'proj_search', by: 'cli' });
    expect(frozen.record).toMatchObject({
      status: 'frozen',
      thresholdCents: 5_520,
      prior: { state: 'set', thresholdCents: 25_000 },
    });

    // The next UTC day the keeper checks again (due), and once more after a config change.
    now = day(25, '00:10');
    const next = await upkeepAccount(upkeep(), 'acme');
    expect(next).toMatchObject({ status: 'done', errors: [] });
    expect(await cents()).toBe(5_520);
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      recipients: ['ops@acme.example'],
      projects: { proj_search: { name: 'Search', hardLimitUsd: 400, guard: { mode: 'approve' } } },
    });
    now = day(25, '01:10');
    await upkeepAccount(upkeep(), 'acme');
    expect(await cents()).toBe(5_520);
    expect(posts()).toEqual([25_000, 5_520]);

    await releaseProject(guard, { accountId: 'acme', projectId: 'proj_search', by: 'cli' });
    expect(await cents()).toBe(25_000);
    // The keeper's next check puts the new config limit in place: nothing holds it back any more.
    now = day(26, '00:10');
    await upkeepAccount(upkeep(), 'acme');
    expect(await cents()).toBe(40_000);
  });
});
