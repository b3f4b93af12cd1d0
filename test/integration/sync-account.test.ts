import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAdminStore } from '../../shared/store/dynamo-admin-store.ts';
import { accountPk } from '../../shared/store/keys.ts';
import { addGrant } from '../../shared/use-cases/manage-accounts.ts';
import { runAll, runOne } from '../../shared/use-cases/run-all.ts';
import { type SyncDeps, syncAccount } from '../../shared/use-cases/sync-account.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { type Fake, MODES, PROVIDERS, type ProviderUnderTest } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';
import { onceBefore, slowedDocumentClient } from '../support/slowed-client.ts';

const ddb = useDynamoDbLocal();
let table: string;
let now = new Date('2026-11-24T09:00:00Z');
const DAY = 86_400_000;

/** 90 days of $10/day for days before 2026-11-24 (split over two projects). */
function ninetyDays() {
  const h: Record<string, Array<{ projectId: string | null; usd: number }>> = {};
  for (let i = 1; i <= 90; i++) {
    const day = new Date(Date.parse('2026-11-24T00:00:00Z') - i * DAY).toISOString().slice(0, 10);
    h[day] = [
      { projectId: 'proj_a', usd: 6 },
      { projectId: 'proj_b', usd: 4 },
    ];
  }
  return h;
}

/**
 * The same suite for every provider, and for each against its fake answering as the published spec
 * says and as the live API does (string amounts, clamped pages, bound cursors, the partial day):
 * the sync, store and ledger must not know which one it is.
 */
const CASES = PROVIDERS.flatMap((p) => MODES.map((mode) => ({ ...p, mode })));
describe.each(CASES)(
  'sync one $name account ($mode fake) against DynamoDB Local and its fake API',
  (provider) => {
    let fake: Fake;
    function deps(overrides: Partial<SyncDeps> = {}): SyncDeps {
      return {
        store: new DynamoAccountStore(ddb.doc, table),
        secrets: new EnvSecretSource({ [provider.name]: fake.adminKey }),
        costSource: (_config, adminKey) =>
          provider.client(fake, { adminKey, sleep: async () => {}, timeoutMs: 400, maxRetries: 2 }),
        now: () => now,
        ...overrides,
      };
    }

    async function putAccount(
      id: string,
      extra: Record<string, unknown> = {},
      grants: Array<Record<string, unknown>> = [],
    ) {
      const config = {
        id,
        provider: provider.name,
        recipients: ['ops@acme.example'],
        lowBalanceUsd: [1500],
        ...extra,
      };
      await seedAccount(ddb.doc, table, config, grants);
    }

    async function items(id: string) {
      const out = await ddb.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': accountPk(id) },
        }),
      );
      return out.Items ?? [];
    }

    const grant = { id: 'g1', amountUsd: 2000, effectiveAt: '2026-08-20T00:00:00Z' };

    beforeAll(async () => {
      fake = await provider.start({ mode: provider.mode });
    });
    afterAll(() => fake.stop());
    beforeEach(async () => {
      table = await ddb.freshTable('sync');
      now = new Date('2026-11-24T09:00:00Z');
      fake.setCosts(ninetyDays());
      fake.setUsage([
        {
          hour: '2026-11-24T03:00:00Z',
          model: provider.model,
          input_tokens: 400_000,
          output_tokens: 100_000,
        },
      ]);
      fake.requests.length = 0;
    });
    it('first sync stores 90 days, today as an estimate, and the figures', async () => {
      await putAccount('acme', {}, [grant]);
      const r = await syncAccount(deps(), 'acme');
      const stored = await items('acme');
      const costs = stored.filter((i) => String(i.sk).startsWith('COST#'));
      // From the grant's effective day (08-20) to yesterday, plus today's estimate.
      expect(costs).toHaveLength(97);
      expect(costs.find((c) => c.sk === 'COST#2026-11-23')).toMatchObject({
        kind: 'actual',
        amountMicros: 10_000_000,
        byScope: { proj_a: 6_000_000, proj_b: 4_000_000 },
      });
      // today: 400k input and 100k output tokens at the provider's prices
      expect(costs.find((c) => c.sk === 'COST#2026-11-24')).toMatchObject({
        kind: 'estimate',
        amountMicros: provider.estimateMicros,
      });
      // grant effective 08-20 absorbs 08-26..11-23 (90 × $10) and today's estimate.
      expect(r.figures.balanceMicros).toBe((2000 - 900) * 1_000_000 - provider.estimateMicros);
      const state = stored.find((i) => i.sk === 'STATE');
      expect(state).toMatchObject({
        version: 1,
        costsThrough: '2026-11-23',
        snapshot: { balanceUsd: 1100 - provider.estimateMicros / 1e6, burnRateUsdPerDay: 10 },
      });
      expect(r.due.map((a) => a.key)).toEqual(['low-balance:1500']);
      expect(stored.find((i) => i.sk === 'ALERT#low-balance:1500')).toMatchObject({
        status: 'pending',
        kind: 'low-balance',
      });
    });

    it("stores today's estimate with its split, fires a project's budget keys, and the snapshot's per-project figures add up to the account's", async () => {
      await putAccount(
        'acme',
        { projects: { proj_a: { name: 'Search', monthlyBudgetUsd: 150, budgetAlertPercents: [80, 100] } } },
        [grant],
      );
      const usage = { model: provider.model, input_tokens: 400_000, output_tokens: 100_000 };
      fake.setUsage([
        { hour: '2026-11-24T03:00:00Z', ...usage, projectId: 'proj_a' },
        { hour: '2026-11-24T04:00:00Z', ...usage, projectId: 'proj_a' },
        { hour: '2026-11-24T05:00:00Z', ...usage, projectId: null },
      ]);
      const m = provider.estimateMicros;
      const r = await syncAccount(deps(), 'acme');
      const stored = await items('acme');
      expect(stored.find((c) => c.sk === 'COST#2026-11-24')).toMatchObject({
        kind: 'estimate',
        amountMicros: 3 * m,
        byScope: { proj_a: 2 * m, '(none)': m },
      });
      // Search: 23 days × $6 = $138 of its $150 budget (92%: 80 fires, 100 not) plus today's 2m;
      // its forecast $138 + max(2m, $6) + 6 days × $6 is above $150.
      expect(r.due.map((a) => a.key).sort()).toEqual([
        'low-balance:1500',
        'project-budget:proj_a:2026-11:80',
        'project-forecast:proj_a:2026-11',
      ]);
      // Exact: the scopes' micro-dollars add up to the account's.
      const scopes = [...(r.figures.scopes?.values() ?? [])];
      expect(scopes.reduce((sum, s) => sum + s.monthToDateMicros, 0)).toBe(r.figures.monthToDateMicros);
      expect(scopes.reduce((sum, s) => sum + s.todayMicros, 0)).toBe(r.figures.todayMicros);
      expect(scopes.reduce((sum, s) => sum + s.burnSumMicros, 0)).toBe(r.figures.burnSumMicros);
      const snapshot = stored.find((i) => i.sk === 'STATE')?.snapshot as {
        monthToDateUsd: number;
        projects: Array<{ id: string; name: string; monthToDateUsd: number }>;
      };
      const unattributed = provider.name === 'anthropic' ? 'default' : '(none)';
      expect(snapshot.projects).toEqual([
        {
          id: 'proj_a',
          name: 'Search',
          configured: true,
          monthToDateUsd: 138 + (2 * m) / 1e6,
          todayUsd: (2 * m) / 1e6,
          burnRateUsdPerDay: 6,
          forecastMonthEndUsd: 138 + 6 + 6 * 6,
          monthlyBudgetUsd: 150,
          hardLimitUsd: null,
        },
        {
          id: 'proj_b',
          name: 'proj_b',
          configured: false,
          monthToDateUsd: 92,
          todayUsd: 0,
          burnRateUsdPerDay: 4,
          forecastMonthEndUsd: 92 + 4 + 6 * 4,
          monthlyBudgetUsd: null,
          hardLimitUsd: null,
        },
        {
          id: unattributed,
          name: provider.name === 'anthropic' ? 'Default workspace' : 'unattributed',
          configured: false,
          monthToDateUsd: m / 1e6,
          todayUsd: m / 1e6,
          burnRateUsdPerDay: 0,
          forecastMonthEndUsd: m / 1e6,
          monthlyBudgetUsd: null,
          hardLimitUsd: null,
        },
      ]);
      const sum = snapshot.projects.reduce((total, p) => total + p.monthToDateUsd, 0);
      expect(Math.round(sum * 100)).toBe(Math.round(snapshot.monthToDateUsd * 100));
    });

    it('models auto-recharge after the checkpoint and stores the recharge figures in the STATE snapshot', async () => {
      const checkpointed = {
        id: 'g1',
        amountUsd: 500,
        effectiveAt: '2026-08-01T00:00:00Z',
        remainingUsd: 100,
        remainingAsOf: '2026-11-20T00:00:00Z',
      };
      await putAccount('acme', { autoRecharge: { belowUsd: 75, toUsd: 100 } }, [checkpointed]);
      const r = await syncAccount(deps(), 'acme');
      // After T: 11-20 and 11-21 leave 80; 11-22 (b = 80, S = 10 > 80 − 75) makes one $25 charge;
      // 11-23 leaves 85; today's estimate (b = 85, S = estimate < 10) makes none.
      expect(r.figures.balanceMicros).toBe(85_000_000 - provider.estimateMicros);
      const state = (await items('acme')).find((i) => i.sk === 'STATE');
      expect(state?.snapshot).toMatchObject({
        rechargedThisMonthUsd: 25,
        rechargesThisMonth: 1,
        rechargeLimitReachedOn: null,
        autoRecharge: { belowUsd: 75, toUsd: 100 },
      });
      expect(state?.snapshot.grants).toContainEqual({
        id: 'auto-2026-11-22',
        remainingUsd: 25,
        expiredUsd: 0,
        atRiskUsd: 0,
        auto: true,
        amountUsd: 25,
        charges: 1,
      });
    });

    it('steady state: one Query, one write request, two provider requests; a re-run changes nothing', async () => {
      await putAccount('acme', {}, [grant]);
      await syncAccount(deps(), 'acme');
      fake.requests.length = 0;
      now = new Date('2026-11-24T09:15:00Z');
      const r = await syncAccount(deps(), 'acme');
      expect(fake.requests).toHaveLength(2);
      expect(r.writeRequests).toBe(1);
      expect(r.writtenDays).toBe(0); // same usage, same costs
      const before = (await items('acme')).filter((i) => String(i.sk).startsWith('COST#'));
      await syncAccount(deps(), 'acme');
      const after = (await items('acme')).filter((i) => String(i.sk).startsWith('COST#'));
      expect(after).toEqual(before);
    });

    it('incremental sync fetches from the cursor minus the lookback, and keeps a revised past day', async () => {
      await putAccount('acme', {}, [grant]);
      await syncAccount(deps(), 'acme');
      const h = ninetyDays();
      h['2026-11-22'] = [{ projectId: 'proj_a', usd: 25 }]; // the provider revised it
      h['2026-11-24'] = [{ projectId: 'proj_a', usd: 3 }]; // today is now complete
      fake.setCosts(h);
      fake.requests.length = 0;
      now = new Date('2026-11-25T01:00:00Z');
      const r = await syncAccount(deps(), 'acme');
      const costsRequest = fake.requests.find((q) => q.path === provider.costsPath);
      const start = costsRequest?.query.get('start_time') ?? costsRequest?.query.get('starting_at');
      // 11-23 stored, minus the provider's lookback (OpenAI 3 days, Anthropic 4).
      const from = provider.name === 'openai' ? '2026-11-20T00:00:00Z' : '2026-11-19T00:00:00Z';
      expect([String(Date.parse(from) / 1000), from]).toContain(start);
      const stored = await items('acme');
      expect(stored.find((c) => c.sk === 'COST#2026-11-22')).toMatchObject({ amountMicros: 25_000_000 });
      // the estimate for 11-24 is replaced by the actual cost
      expect(stored.find((c) => c.sk === 'COST#2026-11-24')).toMatchObject({
        kind: 'actual',
        amountMicros: 3_000_000,
      });
      expect(r.figures.balanceMicros).toBe((2000 - 900 + 10 - 25 - 3) * 1_000_000 - r.figures.todayMicros);
    });

    it('pagination: the same result when the provider pages by 7', async () => {
      const paged = await provider.start({ maxPageSize: 7, mode: provider.mode });
      paged.setCosts(ninetyDays());
      try {
        await putAccount('acme', {}, [grant]);
        const r = await syncAccount(
          deps({
            costSource: (_c, key) => provider.client(paged, { adminKey: key, sleep: async () => {} }),
          }),
          'acme',
        );
        expect(paged.requests.filter((q) => q.path === provider.costsPath).length).toBeGreaterThan(10);
        expect(r.figures.balanceMicros).toBe((2000 - 900) * 1_000_000);
      } finally {
        await paged.stop();
      }
    });

    it.each([
      ['429 then success', [{ kind: '429', retryAfter: 1 }], true],
      ['500 then success', [{ kind: '500' }], true],
      ['timeout then success', [{ kind: 'timeout' }], true],
      ['truncated JSON', [{ kind: 'truncated' }], false],
      ['401', [{ kind: '401' }], false],
      ['500 three times', [{ kind: '500' }, { kind: '500' }, { kind: '500' }], false],
    ] as const)(
      'fault %s: nothing stored is lost and the next run recovers',
      async (_name, faults, succeeds) => {
        await putAccount('acme', {}, [grant]);
        await syncAccount(deps(), 'acme');
        const before = await items('acme');
        now = new Date('2026-11-25T01:00:00Z');
        fake.injectFaults([...faults], provider.costsPath);
        const outcome = await runOne(deps(), 'acme');
        expect(outcome.status).toBe(succeeds ? 'ok' : 'failed');
        if (!succeeds) {
          expect(await items('acme')).toEqual(before);
          const next = await runOne(deps(), 'acme');
          expect(next.status).toBe('ok');
        }
        const state = (await items('acme')).find((i) => i.sk === 'STATE');
        expect(state?.costsThrough).toBe('2026-11-24');
      },
    );

    it('an invalid config item fails only its account, names the field, and writes nothing for it', async () => {
      await putAccount('acme', {}, [grant]);
      await putAccount('broken', { lowBalanceUsd: [100, -5] }, [grant]);
      const outcomes = await runAll(new DynamoAccountStore(ddb.doc, table), (id) => runOne(deps(), id), {
        concurrency: 2,
      });
      expect(outcomes.map((o) => [o.accountId, o.status])).toEqual([
        ['acme', 'ok'],
        ['broken', 'invalid'],
      ]);
      const broken = outcomes[1];
      expect(broken?.status === 'invalid' && broken.problems).toEqual([
        'account broken: lowBalanceUsd[1]: expected a positive number, got -5',
      ]);
      expect((await items('broken')).map((i) => i.sk).sort()).toEqual(['CONFIG', 'GRANT#g1']);
    });

    it('a bad grant item names the grant and the field', async () => {
      await putAccount('acme', {}, [{ ...grant, amountUsd: -1 }]);
      const outcome = await runOne(deps(), 'acme');
      expect(outcome.status === 'invalid' && outcome.problems).toEqual([
        'account acme: grant g1.amountUsd: expected a positive number, got -1',
      ]);
    });

    it('two syncs of one account at once: both finish, no update is lost', async () => {
      await putAccount('acme', {}, [grant]);
      await syncAccount(deps(), 'acme');
      now = new Date('2026-11-25T01:00:00Z');
      const [a, b] = await Promise.all([syncAccount(deps(), 'acme'), syncAccount(deps(), 'acme')]);
      expect(a.figures.balanceMicros).toBe(b.figures.balanceMicros);
      const stored = await items('acme');
      const state = stored.find((i) => i.sk === 'STATE');
      expect(state?.version).toBe(3);
      expect(stored.filter((i) => String(i.sk).startsWith('COST#'))).toHaveLength(98);
      // Each alert key is recorded once.
      const alerts = stored.filter((i) => String(i.sk).startsWith('ALERT#'));
      expect(new Set(alerts.map((x) => x.sk)).size).toBe(alerts.length);
    });
  },
);

/**
 * Edits that land while a sync is running, between its load and its commit (the commit is held by
 * a middleware while the test writes the item with a raw PutItem, as a console edit would): the
 * sync must not record keys computed from what was loaded before the edit.
 */
describe('an edit during a sync (commit held open, DynamoDB Local, live-mode OpenAI fake)', () => {
  const openai = PROVIDERS[0] as ProviderUnderTest;
  let fake: Fake;
  const pk = accountPk('acme');
  beforeAll(async () => {
    fake = await openai.start({ mode: 'live' });
  });
  afterAll(() => fake.stop());
  beforeEach(async () => {
    table = await ddb.freshTable('race');
    now = new Date('2026-11-24T09:00:00Z');
    fake.setUsage([]);
  });

  function deps(doc = ddb.doc): SyncDeps {
    return {
      store: new DynamoAccountStore(doc, table),
      secrets: new EnvSecretSource({ openai: fake.adminKey }),
      costSource: (_c, adminKey) => openai.client(fake, { adminKey, sleep: async () => {} }),
      now: () => now,
    };
  }
  /** A sync whose first commit transaction waits for `edit` to land first. */
  const editedDuringCommit = (edit: () => Promise<unknown>) =>
    deps(slowedDocumentClient(ddb.endpoint, onceBefore('TransactWriteItemsCommand', edit)));
  const put = (item: Record<string, unknown>) =>
    ddb.doc.send(new PutCommand({ TableName: table, Item: item }));
  const config = { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] };
  async function alertKeys() {
    const out = await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': pk, ':a': 'ALERT#' },
      }),
    );
    return (out.Items ?? []).map((i) => `${String(i.key)} ${String(i.status)}`);
  }
  function dailySpend(from: string, to: string, usd: number) {
    const h: Record<string, Array<{ usd: number }>> = {};
    for (let t = Date.parse(from); t <= Date.parse(to); t += DAY)
      h[new Date(t).toISOString().slice(0, 10)] = [{ usd }];
    fake.setCosts(h);
  }

  it('budget raised from $100 to $1,000 in the console: no key from the old budget; the $1,000 alert fires when spend reaches it', async () => {
    const budget = { ...config, monthlyBudgetUsd: 100, budgetAlertPercents: [100], forecastAlert: false };
    await seedAccount(ddb.doc, table, budget);
    dailySpend('2026-11-01', '2026-11-30', 40); // 11-24: $920 this month
    const r = await syncAccount(
      editedDuringCommit(() => put({ pk, sk: 'CONFIG', ...budget, monthlyBudgetUsd: 1000 })),
      'acme',
    );
    expect(r.config.monthlyBudgetUsd).toBe(1000);
    expect(r.due).toEqual([]);
    expect(await alertKeys()).toEqual([]);
    now = new Date('2026-11-26T09:00:00Z'); // $1,000 this month
    const later = await syncAccount(deps(), 'acme');
    expect(later.due.map((a) => a.key)).toEqual(['budget:2026-11:100']);
  });

  it('a grant’s expiry corrected in the console: no warning for the old date; it comes before the new one', async () => {
    const grant = {
      id: 'g1',
      amountUsd: 1000,
      effectiveAt: '2026-06-01T00:00:00Z',
      expiresAt: '2026-12-10T00:00:00Z',
    };
    await seedAccount(ddb.doc, table, { ...config, expiryWarningDays: [30] }, [grant]);
    dailySpend('2026-06-01', '2027-06-30', 1);
    const r = await syncAccount(
      editedDuringCommit(() => put({ pk, sk: 'GRANT#g1', ...grant, expiresAt: '2027-06-01T00:00:00Z' })),
      'acme',
    );
    expect(r.due).toEqual([]);
    expect(await alertKeys()).toEqual([]);
    now = new Date('2027-05-05T09:00:00Z');
    const later = await syncAccount(deps(), 'acme');
    expect(later.due.map((a) => a.key)).toEqual(['expiry:g1:30']);
  });

  it.each([
    [
      'a raw PutItem',
      () => put({ pk, sk: 'GRANT#topup', id: 'topup', amountUsd: 200, effectiveAt: '2026-11-24T08:00:00Z' }),
    ],
    [
      'burnrate grant add',
      async () => {
        const admin = new DynamoAdminStore(ddb.doc, table);
        const accounts = new DynamoAccountStore(ddb.doc, table);
        await addGrant(
          {
            getConfig: (id) => admin.getConfig(id),
            putConfig: (c, e) => admin.putConfig(c, e),
            putGrant: (id, g) => admin.putGrant(id, g),
            loadAccount: (id) => accounts.loadAccount(id),
            listAccounts: () => accounts.listAccounts(),
          },
          'acme',
          { id: 'topup', amountUsd: 200, effectiveAt: '2026-11-24T08:00:00Z' },
        );
      },
    ],
  ])(
    'a grant added by %s: the sync starts over and counts it (no low-balance alert from the balance without it)',
    async (_how, addTopUp) => {
      await seedAccount(ddb.doc, table, { ...config, lowBalanceUsd: [100] }, [
        { id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' },
      ]);
      dailySpend('2026-11-03', '2026-11-30', 10); // 11-24: $300 − $210 = $90 without the top-up
      const r = await syncAccount(editedDuringCommit(addTopUp), 'acme');
      expect(r.figures.balanceMicros).toBe(290_000_000);
      expect(r.due).toEqual([]);
      expect(await alertKeys()).toEqual([]);
      const state = await ddb.doc.send(new GetCommand({ TableName: table, Key: { pk, sk: 'STATE' } }));
      expect(state.Item?.snapshot).toMatchObject({ balanceUsd: 290, alertsDue: [] });
    },
  );

  it('99 grants (one more than the transaction has room to check): an edit of the unchecked one is still seen', async () => {
    const grants = Array.from({ length: 99 }, (_, i) => ({
      id: `g${String(i).padStart(3, '0')}`,
      amountUsd: 10,
      effectiveAt: '2026-11-01T00:00:00Z',
      expiresAt: i === 98 ? '2026-12-10T00:00:00Z' : '2027-11-01T00:00:00Z',
    }));
    await seedAccount(ddb.doc, table, { ...config, expiryWarningDays: [30] }, grants);
    fake.setCosts({});
    const last = grants[98] as Record<string, unknown>;
    const r = await syncAccount(
      editedDuringCommit(() => put({ pk, sk: 'GRANT#g098', ...last, expiresAt: '2027-06-01T00:00:00Z' })),
      'acme',
    );
    expect(r.due).toEqual([]);
    expect(await alertKeys()).toEqual([]);
  });

  it('a sync that dies after writing its keys but before confirming them leaves them armed: the next run records them once', async () => {
    await seedAccount(ddb.doc, table, { ...config, lowBalanceUsd: [100] }, [
      { id: 'g1', amountUsd: 300, effectiveAt: '2026-10-01T00:00:00Z' },
    ]);
    dailySpend('2026-11-02', '2026-11-30', 10); // 11-23: $300 − $210 = $90
    now = new Date('2026-11-23T09:05:00Z'); // Monday: the weekly digest is due too
    const dying = deps(
      slowedDocumentClient(ddb.endpoint, ({ command }) => {
        if (command === 'UpdateItemCommand') throw new Error('process killed');
      }),
    );
    await expect(syncAccount(dying, 'acme')).rejects.toThrow('process killed');
    expect((await alertKeys()).sort()).toEqual([
      'digest:2026-11-23 unconfirmed',
      'low-balance:100 unconfirmed',
    ]);
    expect((await new DynamoAccountStore(ddb.doc, table).loadAccount('acme')).alerts).toEqual([]);
    now = new Date('2026-11-23T09:20:00Z');
    const next = await syncAccount(deps(), 'acme');
    expect(next.due.map((a) => a.key)).toEqual(['low-balance:100']);
    expect(next.pending.map((a) => a.key).sort()).toEqual(['digest:2026-11-23', 'low-balance:100']);
    expect((await alertKeys()).sort()).toEqual(['digest:2026-11-23 pending', 'low-balance:100 pending']);
    now = new Date('2026-11-23T09:35:00Z');
    const third = await syncAccount(deps(), 'acme');
    expect(third.due).toEqual([]);
    expect(third.pending.map((a) => a.key).sort()).toEqual(['digest:2026-11-23', 'low-balance:100']);
  });

  it('a config number with more digits than JavaScript holds is reported as a bad edit, not retried forever', async () => {
    await seedAccount(ddb.doc, table, { ...config, monthlyBudgetUsd: 500 });
    await ddb.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: pk }, sk: { S: 'CONFIG' } },
        UpdateExpression: 'SET monthlyBudgetUsd = :b',
        ExpressionAttributeValues: { ':b': { N: '500.00000000000000001' } },
      }),
    );
    dailySpend('2026-11-01', '2026-11-30', 1);
    const outcome = await runOne(deps(), 'acme');
    expect(outcome.status === 'invalid' && outcome.problems).toEqual([
      'account acme: item CONFIG: monthlyBudgetUsd: 500.00000000000000001 has more digits than burnrate can compare (a JavaScript number holds 15 to 17); write it with fewer',
    ]);
  });
});
