import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmailOperatorNotices } from '../../shared/email/operator-notices.ts';
import { renderAlertEmail, renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import type { SpendLimits } from '../../shared/ports.ts';
import { AnthropicSpendLimits } from '../../shared/providers/anthropic/spend-limits.ts';
import { AnthropicWorkspaceDirectory } from '../../shared/providers/anthropic/workspaces.ts';
import { ProviderAuthError } from '../../shared/providers/errors.ts';
import { OpenAiProjectDirectory } from '../../shared/providers/openai/projects.ts';
import { OpenAiSpendLimits } from '../../shared/providers/openai/spend-limits.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { DynamoUpkeepStore } from '../../shared/store/dynamo-upkeep-store.ts';
import { accountPk, CONFIG_SK, LIMITS_SK, PROJECTS_SK } from '../../shared/store/keys.ts';
import { type ProcessDeps, processAccount } from '../../shared/use-cases/process-account.ts';
import { type UpkeepDeps, upkeepAccount } from '../../shared/use-cases/upkeep-account.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { MODES, PROVIDERS } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const DAY = 86_400_000;
const fast = { sleep: async () => {}, maxRetries: 1 };

type Fake = Awaited<ReturnType<typeof startOpenAiFake>> | Awaited<ReturnType<typeof startAnthropicFake>>;

/** Each provider's fake with one project/workspace "Search" listed, and its clients. */
const SETUPS = PROVIDERS.map((p) => ({
  name: p.name,
  search: p.name === 'openai' ? 'proj_search' : 'wrkspc_search',
  listPath: p.name === 'openai' ? '/v1/organization/projects' : '/v1/organizations/workspaces',
  async start(mode: 'spec' | 'live', access: 'available' | 'forbidden' = 'available'): Promise<Fake> {
    if (p.name === 'openai') {
      const fake = await startOpenAiFake({ mode });
      fake.setProjects([
        { id: 'proj_D3fau1tPr0ject', name: 'Default project' },
        { id: 'proj_search', name: 'Search (provider)' },
      ]);
      return fake;
    }
    const fake = await startAnthropicFake({ mode, spendLimits: access });
    fake.setWorkspaces([{ id: 'wrkspc_search', name: 'Search (provider)' }]);
    return fake;
  },
  limits: (fake: Fake): SpendLimits =>
    p.name === 'openai'
      ? new OpenAiSpendLimits({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...fast })
      : new AnthropicSpendLimits({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...fast }),
  directory: (fake: Fake) =>
    p.name === 'openai'
      ? new OpenAiProjectDirectory({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...fast })
      : new AnthropicWorkspaceDirectory({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, ...fast }),
  costs: (fake: Fake) => p.client(fake as never, fast),
}));

describe.each(SETUPS.flatMap((s) => MODES.map((mode) => ({ ...s, mode }))))(
  'the upkeep keeps hard limits in step ($name, $mode)',
  (s) => {
    let fake: Fake;
    let table: string;
    let now: Date;
    const posts = () => fake.requests.filter((r) => r.method === 'POST');
    const lists = () => fake.requests.filter((r) => r.path === s.listPath);
    const providerCents = async () => {
      const have = await s.limits(fake).get({ type: 'project', id: s.search });
      return have.state === 'set' ? have.thresholdCents : null;
    };

    function upkeepDeps(over: Partial<UpkeepDeps> = {}): UpkeepDeps {
      const store = new DynamoAccountStore(ddb.doc, table);
      const upkeep = new DynamoUpkeepStore(ddb.doc, table);
      return {
        store: {
          loadAccount: (id) => store.loadAccount(id),
          putProjects: (id, r) => upkeep.putProjects(id, r),
          commitLimits: (c) => upkeep.commitLimits(c),
        },
        secrets: new EnvSecretSource({ [s.name]: fake.adminKey }),
        projectDirectory: () => s.directory(fake),
        spendLimits: () => s.limits(fake),
        now: () => now,
        notices: new EmailOperatorNotices(
          new SesMailer(ses.client),
          'burnrate@acme.example',
          'operator@acme.example',
        ),
        ...over,
      };
    }

    function processDeps(): ProcessDeps {
      const common = {
        alerts: new DynamoAlertStore(ddb.doc, table),
        mailer: new SesMailer(ses.client),
        now: () => now,
        newToken: randomUUID,
        claimTimeoutMs: 600_000,
        sender: 'burnrate@acme.example',
      };
      return {
        store: new DynamoAccountStore(ddb.doc, table),
        secrets: new EnvSecretSource({ [s.name]: fake.adminKey }),
        costSource: () => s.costs(fake),
        now: () => now,
        staleHours: 6,
        isAuthError: (e) => e instanceof ProviderAuthError,
        delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
        operator: { ...common, operatorEmail: 'operator@acme.example', renderOperator: renderOperatorEmail },
      };
    }

    const config = (search: Record<string, unknown> = { name: 'Search', hardLimitUsd: 250.001 }) => ({
      id: 'acme',
      provider: s.name,
      name: 'Acme production',
      recipients: ['ops@acme.example'],
      monthlyBudgetUsd: 100,
      projects: { [s.search]: search },
    });
    const setConfig = (c: Record<string, unknown>) =>
      ddb.doc.send(
        new PutCommand({ TableName: table, Item: { pk: accountPk('acme'), sk: CONFIG_SK, ...c } }),
      );
    /** Each alert email's text part (its subject names only the most severe alert). */
    const subjects = async () => (await ses.emails()).map((e) => e.body.text ?? '');

    beforeEach(async () => {
      fake = await s.start(s.mode);
      table = await ddb.freshTable('upkeep');
      now = new Date('2026-11-24T00:10:00Z');
      await seedAccount(ddb.doc, table, config());
      const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
      for (let i = 1; i <= 10; i++)
        costs[new Date(now.getTime() - i * DAY).toISOString().slice(0, 10)] = [
          { projectId: s.search, usd: 20 },
        ];
      fake.setCosts(costs);
      await ses.clear();
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('sets the limit once (cents rounded up), says so in the next email, and does not re-post while equal', async () => {
      const first = await upkeepAccount(upkeepDeps(), 'acme');
      expect(first).toMatchObject({ status: 'done', errors: [] });
      expect(await providerCents()).toBe(25_001);
      expect(posts()).toHaveLength(1);
      // The same run's sync delivers the key the upkeep raised (and the budget alerts, as ever).
      const sync = await processAccount(processDeps(), 'acme');
      expect(sync.sent).toContain(`project-hard-limit:${s.search}:1795479000:25001:none`);
      expect(await subjects()).toEqual([
        expect.stringContaining('hard limit for Search set to $250.01 (the provider had no hard limit)'),
      ]);
      expect(sync.sent.filter((k) => k.includes('hard-limit'))).toHaveLength(1);
      const audits = await ddb.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          ExpressionAttributeValues: { ':pk': accountPk('acme'), ':a': 'AUDIT#' },
        }),
      );
      expect(audits.Items).toEqual([
        expect.objectContaining({
          sk: `AUDIT#2026-11-24T00:10:00.000Z#project:${s.search}`,
          by: 'burnrate',
          previousCents: null,
          cents: 25_001,
        }),
      ]);
      // Later the same day: nothing is due, no provider request at all.
      const before = fake.requests.length;
      now = new Date('2026-11-24T05:10:00Z');
      expect(await upkeepAccount(upkeepDeps(), 'acme')).toEqual({ accountId: 'acme', status: 'not-due' });
      expect(fake.requests.length).toBe(before);
      // The next day reads it again (and lists names again) but does not write an equal value.
      now = new Date('2026-11-25T00:10:00Z');
      await upkeepAccount(upkeepDeps(), 'acme');
      expect(posts()).toHaveLength(1);
      expect(lists().length).toBeGreaterThan(0);
    });

    it('puts the limit back at the next daily check after someone changed it, and re-checks right after a config change', async () => {
      await upkeepAccount(upkeepDeps(), 'acme');
      await s.limits(fake).set({ type: 'project', id: s.search }, 30_000); // behind burnrate's back
      const writes = posts().length;
      now = new Date('2026-11-24T12:00:00Z');
      await upkeepAccount(upkeepDeps(), 'acme');
      expect(posts()).toHaveLength(writes); // not due before the next UTC day
      now = new Date('2026-11-25T00:05:00Z');
      const next = await upkeepAccount(upkeepDeps(), 'acme');
      expect(await providerCents()).toBe(25_001);
      expect(next.status === 'done' && next.limits?.raised).toEqual([
        `project-hard-limit:${s.search}:1795565100:25001:30000`,
      ]);
      await processAccount(processDeps(), 'acme');
      expect(await subjects()).toContainEqual(
        expect.stringContaining('hard limit for Search set to $250.01 (the provider had $300.00)'),
      );
      // The config changes: the first run after it checks again, the same day.
      await setConfig(config({ name: 'Search', hardLimitUsd: 200 }));
      now = new Date('2026-11-25T00:20:00Z');
      await upkeepAccount(upkeepDeps(), 'acme');
      expect(await providerCents()).toBe(20_000);
    });

    it('a failing write leaves the alerts flowing, tells the operator, and is retried at the next run', async () => {
      fake.injectFaults([{ kind: '500' }, { kind: '500' }], undefined, 'POST'); // both attempts
      const first = await upkeepAccount(upkeepDeps(), 'acme');
      expect(first.status === 'done' && first.errors).toEqual([
        expect.stringContaining('setting $250.01 failed'),
      ]);
      expect(await providerCents()).toBeNull();
      const sync = await processAccount(processDeps(), 'acme');
      expect(sync.status).toBe('ok');
      expect(sync.sent.some((k) => k.startsWith('budget:'))).toBe(true); // $200 spent against $100
      const mails = await ses.emails();
      expect(
        mails.filter((m) => m.destination.to.includes('operator@acme.example')).map((m) => m.subject),
      ).toEqual(['burnrate: account acme: 1 hard limit(s) not kept in step']);
      now = new Date('2026-11-24T01:10:00Z'); // the next hourly run, same day: due because it failed
      const retried = await upkeepAccount(upkeepDeps(), 'acme');
      expect(retried).toMatchObject({ status: 'done', errors: [] });
      expect(await providerCents()).toBe(25_001);
    });

    it('a write whose answer was lost (the provider applied it) is audited and emailed by the next run, not written again', async () => {
      fake.injectFaults([{ kind: 'truncated' }, { kind: 'truncated' }], undefined, 'POST'); // applied, answer cut
      const first = await upkeepAccount(upkeepDeps(), 'acme');
      expect(first.status === 'done' && first.limits?.raised).toEqual([]);
      expect(await providerCents()).toBe(25_001);
      const writes = posts().length;
      now = new Date('2026-11-24T01:10:00Z');
      const next = await upkeepAccount(upkeepDeps(), 'acme');
      expect(next.status === 'done' && next.limits?.raised).toEqual([
        `project-hard-limit:${s.search}:1795479000:25001:none`,
      ]);
      expect(posts()).toHaveLength(writes);
    });

    it('removing hardLimitUsd leaves the provider’s limit alone and says so once', async () => {
      await upkeepAccount(upkeepDeps(), 'acme');
      await setConfig(config({ name: 'Search' }));
      now = new Date('2026-11-24T02:00:00Z');
      const removed = await upkeepAccount(upkeepDeps(), 'acme');
      expect(removed.status === 'done' && removed.limits?.raised).toEqual([
        `project-hard-limit-unmanaged:${s.search}:1795485600:25001`,
      ]);
      expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
      expect(await providerCents()).toBe(25_001);
      await processAccount(processDeps(), 'acme');
      expect(await subjects()).toContainEqual(
        expect.stringContaining(
          'hard limit for Search no longer kept by burnrate (the provider keeps $250.01)',
        ),
      );
      now = new Date('2026-11-25T02:00:00Z');
      const later = await upkeepAccount(upkeepDeps(), 'acme');
      expect(later.status === 'done' && later.limits?.raised).toEqual([]);
    });

    it('lists names once a UTC day into PROJECTS, and a second run that day makes no list request', async () => {
      await upkeepAccount(upkeepDeps(), 'acme');
      const item = await ddb.doc.send(
        new GetCommand({ TableName: table, Key: { pk: accountPk('acme'), sk: PROJECTS_SK } }),
      );
      expect(item.Item?.projects[s.search]).toEqual({
        name: 'Search (provider)',
        status: 'active',
        archived: false,
      });
      expect(item.Item?.listedAt).toBe('2026-11-24T00:10:00.000Z');
      const listed = lists().length;
      await setConfig(config({ name: 'Search', hardLimitUsd: 300 })); // limits due again, names not
      now = new Date('2026-11-24T03:00:00Z');
      await upkeepAccount(upkeepDeps(), 'acme');
      expect(lists()).toHaveLength(listed);
      expect(await providerCents()).toBe(30_000);
      now = new Date('2026-11-25T00:01:00Z');
      await upkeepAccount(upkeepDeps(), 'acme');
      expect(lists().length).toBeGreaterThan(listed);
    });

    it('a run that died between the provider’s write and the audit is completed by the next, without a second write', async () => {
      const deps = upkeepDeps();
      let commits = 0;
      const dying = upkeepDeps({
        store: {
          ...deps.store,
          commitLimits: async (c) => {
            if (++commits === 2) throw new Error('the process died here');
            return deps.store.commitLimits(c);
          },
        },
      });
      expect(await upkeepAccount(dying, 'acme')).toMatchObject({ errors: [expect.stringContaining('died')] });
      expect(await providerCents()).toBe(25_001);
      now = new Date('2026-11-24T00:15:00Z');
      const next = await upkeepAccount(upkeepDeps(), 'acme');
      expect(next.status === 'done' && next.limits?.raised).toEqual([
        `project-hard-limit:${s.search}:1795479000:25001:none`,
      ]);
      expect(posts()).toHaveLength(1);
      const limits = await ddb.doc.send(
        new GetCommand({ TableName: table, Key: { pk: accountPk('acme'), sk: LIMITS_SK } }),
      );
      expect(limits.Item?.intent).toBeUndefined();
    });
  },
);

describe.each(MODES)('Anthropic without the spend-limits beta (%s)', (mode) => {
  it('tells the operator once a day to set it in the Console, and never blocks the sync', async () => {
    const s = SETUPS.find((x) => x.name === 'anthropic');
    if (!s) throw new Error('no anthropic setup');
    const fake = await s.start(mode, 'forbidden');
    try {
      const table = await ddb.freshTable('nobeta');
      await ses.clear();
      let now = new Date('2026-11-24T00:10:00Z');
      await seedAccount(ddb.doc, table, {
        id: 'claude',
        provider: 'anthropic',
        recipients: ['ops@acme.example'],
        hardLimitUsd: 1000,
      });
      const store = new DynamoAccountStore(ddb.doc, table);
      const upkeep = new DynamoUpkeepStore(ddb.doc, table);
      const deps: UpkeepDeps = {
        store: {
          loadAccount: (id) => store.loadAccount(id),
          putProjects: (id, r) => upkeep.putProjects(id, r),
          commitLimits: (c) => upkeep.commitLimits(c),
        },
        secrets: new EnvSecretSource({ anthropic: fake.adminKey }),
        projectDirectory: () => s.directory(fake),
        spendLimits: () => s.limits(fake),
        now: () => now,
        notices: new EmailOperatorNotices(
          new SesMailer(ses.client),
          'burnrate@acme.example',
          'operator@acme.example',
        ),
      };
      const operatorMails = async () =>
        (await ses.emails()).filter((m) => m.destination.to.includes('operator@acme.example'));
      const first = await upkeepAccount(deps, 'claude');
      expect(first).toMatchObject({ status: 'done', errors: [] });
      expect(first.status === 'done' && first.limits?.unavailable).toEqual([
        expect.stringContaining('set the limit in the Claude Console'),
      ]);
      expect((await operatorMails()).map((m) => m.subject)).toEqual([
        'burnrate: account claude: hard limits cannot be kept through the anthropic API: set them in the Console',
      ]);
      // Same day, after a config change (due again): not told twice.
      await ddb.doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: accountPk('claude'),
            sk: CONFIG_SK,
            id: 'claude',
            provider: 'anthropic',
            recipients: ['ops@acme.example'],
            hardLimitUsd: 900,
          },
        }),
      );
      now = new Date('2026-11-24T09:00:00Z');
      await upkeepAccount(deps, 'claude');
      expect(await operatorMails()).toHaveLength(1);
      now = new Date('2026-11-25T00:10:00Z');
      await upkeepAccount(deps, 'claude');
      expect(await operatorMails()).toHaveLength(2);
      expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    } finally {
      await fake.stop();
    }
  });
});
