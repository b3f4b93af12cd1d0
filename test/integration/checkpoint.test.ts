import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAdminStore } from '../../shared/store/dynamo-admin-store.ts';
import { accountPk, grantSk } from '../../shared/store/keys.ts';
import { type CheckpointDeps, checkpointAccount } from '../../shared/use-cases/checkpoint.ts';
import { previewAlertEmail } from '../../shared/use-cases/preview.ts';
import { type SyncDeps, syncAccount } from '../../shared/use-cases/sync-account.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { PROVIDERS } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../functions/cli/bin.mjs');
const DAY = 86_400_000;
const ddb = useDynamoDbLocal();
const openai = PROVIDERS.find((p) => p.name === 'openai') as (typeof PROVIDERS)[number];
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;

/** $4.80 a day on every day from 2026-09-01 through `last`. */
function history(last = '2026-11-30') {
  const h: Record<string, Array<{ projectId: string; usd: number }>> = {};
  for (let t = Date.parse('2026-09-01T00:00:00Z'); t <= Date.parse(`${last}T00:00:00Z`); t += DAY)
    h[new Date(t).toISOString().slice(0, 10)] = [{ projectId: 'proj_a', usd: 4.8 }];
  return h;
}

const grants = [
  { id: 'g1', amountUsd: 500, effectiveAt: '2026-01-15T00:00:00Z' },
  { id: 'g2', amountUsd: 300, effectiveAt: '2026-06-01T00:00:00Z' },
  { id: 'promo', amountUsd: 100, effectiveAt: '2026-09-01T00:00:00Z', expiresAt: '2026-12-31T00:00:00Z' },
];

function syncDeps(now: string, overrides: Partial<SyncDeps> = {}): SyncDeps {
  return {
    store: new DynamoAccountStore(ddb.doc, table),
    secrets: new EnvSecretSource({ openai: fake.adminKey }),
    costSource: (_c, adminKey) => openai.client(fake, { adminKey, sleep: async () => {} }),
    now: () => new Date(now),
    ...overrides,
  };
}

function checkpointDeps(now: string): CheckpointDeps {
  const accounts = new DynamoAccountStore(ddb.doc, table);
  const admin = new DynamoAdminStore(ddb.doc, table);
  return {
    store: {
      loadAccount: (id) => accounts.loadAccount(id),
      commitCheckpoint: (c) => admin.commitCheckpoint(c),
    },
    now: () => new Date(now),
  };
}

async function items(id = 'acme') {
  const out = await ddb.doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': accountPk(id) },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

const byKey = (rows: Array<Record<string, unknown>>, sk: string) => rows.find((r) => r.sk === sk);

beforeAll(async () => {
  fake = await startOpenAiFake();
});
afterAll(() => fake.stop());
beforeEach(async () => {
  table = await ddb.freshTable('checkpoint');
  fake.setCosts(history('2026-11-25'));
  fake.setUsage([]);
  await seedAccount(
    ddb.doc,
    table,
    { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'], lowBalanceUsd: [1000] },
    grants,
  );
  // The first sync stores 09-01 .. 11-25 (and today's estimate).
  await syncAccount(syncDeps('2026-11-26T09:00:00Z'), 'acme');
});

describe('checkpoint against DynamoDB Local', () => {
  it('writes every checkpoint in one transaction; the next run gives the checkpointed balance minus later spend', {
    timeout: 60_000,
  }, async () => {
    const before = await items();
    const { report, written } = await checkpointAccount(checkpointDeps('2026-11-26T09:30:00Z'), {
      accountId: 'acme',
      at: '2026-11-26T00:00:00Z',
      figures: ['g1=187.20', 'g2=300', 'promo=0'],
      adds: [],
    });
    expect(written).toBe(true);
    // The ledger (expiring-first) had exactly what the page shows: 86 days × $4.80 = $412.80,
    // promo (expires first) paid 100, g1 the rest.
    expect(report.byOrder).toEqual({ 'expiring-first': 0, 'oldest-first': 200 });
    const after = await items();
    expect(byKey(after, 'GRANT#g1')).toMatchObject({
      remainingUsd: 187.2,
      remainingAsOf: '2026-11-26T00:00:00Z',
    });
    expect(byKey(after, 'GRANT#promo')).toMatchObject({ remainingUsd: 0, expiresAt: '2026-12-31T00:00:00Z' });
    expect(byKey(after, 'STATE')?.version).toBe((byKey(before, 'STATE')?.version as number) + 1);
    expect(byKey(after, 'RECONCILED')).toMatchObject({ at: '2026-11-26T00:00:00Z', driftUsd: 0 });
    // Cost days untouched.
    const costs = (rows: typeof after) => rows.filter((r) => String(r.sk).startsWith('COST#'));
    expect(costs(after)).toEqual(costs(before));

    // Two days later: 11-26 and 11-27 spent $4.80 each after the checkpoint.
    fake.setCosts(history('2026-11-27'));
    fake.requests.length = 0;
    const r = await syncAccount(syncDeps('2026-11-28T09:00:00Z'), 'acme');
    expect(r.figures.balanceMicros).toBe(477_600_000); // 187.20 + 300 + 0 − 9.60
    // Stored costs kept: the sync asks only from its cursor (11-25) minus the 3-day lookback.
    const costsRequest = fake.requests.find((q) => q.path === openai.costsPath);
    expect(costsRequest?.query.get('start_time')).toBe(String(Date.parse('2026-11-22T00:00:00Z') / 1000));
    // The sync's STATE write leaves the reconciled summary alone; the email shows it.
    expect(r.reconciled).toMatchObject({ at: '2026-11-26T00:00:00Z', driftUsd: 0 });
    expect(byKey(await items(), 'RECONCILED')).toMatchObject({ driftUsd: 0 });
    const email = await previewAlertEmail(
      {
        store: new DynamoAccountStore(ddb.doc, table),
        render: renderAlertEmail,
        now: () => new Date('2026-11-28T09:00:00Z'),
      },
      'acme',
    );
    expect(email.text).toContain('Last reconciled');
    expect(email.text).toContain('2026-11-26, drift $0.00');
  });

  it('a sync that loaded before the checkpoint loses its version check, starts over, and nothing is lost', async () => {
    const before = await items();
    const store = new DynamoAccountStore(ddb.doc, table);
    let commits = 0;
    let checkpointed = false;
    const racing: SyncDeps['store'] = {
      loadAccount: (id) => store.loadAccount(id),
      listAccounts: () => store.listAccounts(),
      async commitSync(commit) {
        commits++;
        if (!checkpointed) {
          // The operator's checkpoint lands between this sync's load and its commit.
          checkpointed = true;
          await checkpointAccount(checkpointDeps('2026-11-26T09:30:00Z'), {
            accountId: 'acme',
            at: '2026-11-26T00:00:00Z',
            figures: ['g1=150', 'g2=300', 'promo=10'],
            adds: [],
          });
        }
        return store.commitSync(commit);
      },
    };
    fake.setUsage([
      { hour: '2026-11-26T03:00:00Z', model: openai.model, input_tokens: 400_000, output_tokens: 100_000 },
    ]);
    const r = await syncAccount(syncDeps('2026-11-26T10:00:00Z', { store: racing }), 'acme');
    expect(commits).toBe(2);
    // The retried sync replayed from the checkpoint: 460 minus today's estimate.
    expect(r.figures.balanceMicros).toBe(460_000_000 - openai.estimateMicros);
    const after = await items();
    expect(byKey(after, 'GRANT#g1')).toMatchObject({
      remainingUsd: 150,
      remainingAsOf: '2026-11-26T00:00:00Z',
    });
    expect(byKey(after, 'STATE')?.version).toBe((byKey(before, 'STATE')?.version as number) + 2);
    expect(byKey(after, 'RECONCILED')).toBeDefined();
    const pastCosts = (rows: typeof after) =>
      rows.filter((row) => String(row.sk).startsWith('COST#') && row.sk !== 'COST#2026-11-26');
    expect(pastCosts(after)).toEqual(pastCosts(before));
    expect(byKey(after, 'COST#2026-11-26')).toMatchObject({
      kind: 'estimate',
      amountMicros: openai.estimateMicros,
    });
  });
});

describe('burnrate checkpoint (the CLI against DynamoDB Local)', () => {
  function env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      BURNRATE_TABLE: table,
    };
  }
  /** A spawned `burnrate` process, as an operator runs it. */
  async function cli(args: string[]) {
    const { OPENAI_ADMIN_KEY: _k, ...rest } = process.env;
    try {
      const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { env: { ...rest, ...env() } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  /**
   * The same CLI entry point (commander, exit codes, messages) in this process: a spawn costs
   * seconds on a loaded machine, and the many invalid-input cases only need the exit code and text.
   */
  const inProcess = (args: string[]) => cliInProcess(args, { ...process.env, ...env() });
  const base = [
    'checkpoint',
    '--account',
    'acme',
    '--at',
    '2026-11-25T09:00:00Z',
    '--now',
    '2026-11-26T10:00:00Z',
  ];

  it('invalid input exits 2 naming the problem and writes nothing', { timeout: 240_000 }, async () => {
    const before = await items();
    const cases: Array<[string[], string]> = [
      [
        ['g1=90.17', 'promo=100'],
        'grant g2: no remaining figure given: every grant effective before 2026-11-25T09:00:00Z needs one',
      ],
      [
        ['g1=90.17', 'g2=300', 'promo=100', 'r1=5', '--add', 'r1,5,2026-11-26'],
        '--add r1: effective 2026-11-26T00:00:00Z, after the checkpoint instant 2026-11-25T09:00:00Z',
      ],
      [['g1=-1', 'g2=300', 'promo=100'], 'grant g1: remaining -1: must be >= 0'],
      [['g1=90.17', 'g2=300', 'promo=100', 'nope=1'], 'grant nope: no such grant on account acme'],
    ];
    for (const [i, [args, message]] of cases.entries()) {
      const out = i === 0 ? await cli([...base, ...args]) : await inProcess([...base, ...args]);
      expect(out.code, out.stderr).toBe(2);
      expect(out.stderr).toContain(message);
    }
    expect(await items()).toEqual(before);
  });

  it('--dry-run prints the report and writes nothing; then the real run writes; status shows it', {
    timeout: 240_000,
  }, async () => {
    const before = await items();
    const dry = await cli([...base, 'g1=90.17', 'g2=300', 'promo=100', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      'the billing page matches oldest-first within $0.03; expiring-first is off by $200.03',
    );
    expect(dry.stdout).toContain('dry run: nothing written');
    expect(await items()).toEqual(before);

    const real = await cli([...base, 'g1=90.17', 'g2=300', 'promo=100', '--json']);
    expect(real.code, real.stderr).toBe(0);
    const report = JSON.parse(real.stdout);
    expect(report).toMatchObject({
      bestBurnOrder: 'oldest-first',
      byOrder: { 'expiring-first': 200.03, 'oldest-first': 0.03 },
      written: true,
    });
    expect(report.rows[0]).toEqual({
      grant: 'g1',
      burnrateUsd: 190.2,
      billingPageUsd: 90.17,
      differenceUsd: -100.03,
    });
    expect(byKey(await items(), 'GRANT#g1')).toMatchObject({
      remainingUsd: 90.17,
      remainingAsOf: '2026-11-25T09:00:00Z',
    });

    const status = await inProcess(['status']);
    expect(status.stdout).toMatch(/last reconciled/);
    expect(status.stdout).toContain('2026-11-25, drift $200.03');
    const json = JSON.parse((await inProcess(['status', '--json'])).stdout);
    expect(json[0].reconciled).toMatchObject({
      at: '2026-11-25T09:00:00Z',
      driftUsd: 200.03,
      bestBurnOrder: 'oldest-first',
    });
  });

  it('--balance splits the page total by burn order', { timeout: 120_000 }, async () => {
    const out = await inProcess([...base, '--balance', '390.17']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('--balance split by burn order: g2 $300.00, g1 $90.17, promo $0.00');
    const after = await items();
    expect(byKey(after, 'GRANT#g2')).toMatchObject({ remainingUsd: 300 });
    expect(byKey(after, 'GRANT#g1')).toMatchObject({ remainingUsd: 90.17 });
    expect(byKey(after, 'GRANT#promo')).toMatchObject({ remainingUsd: 0 });
  });
  it('--recharge enters a card charge in the same transaction; grant add and hand edits are checked; grant list and status mark it', {
    timeout: 240_000,
  }, async () => {
    const set = await inProcess(['account', 'set', 'acme', 'autoRecharge={"belowUsd":20,"toUsd":100}']);
    expect(set.code, set.stderr).toBe(0);
    // No checkpoint yet: an entered recharge has nothing to be before.
    const early = await inProcess([
      'grant',
      'add',
      '--account',
      'acme',
      '--id',
      'r0',
      '--amount',
      '25',
      '--effective',
      '2026-11-20T10:00:00Z',
      '--recharge',
    ]);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(
      'account acme: new grant r0.recharge: an entered recharge needs a checkpoint',
    );

    const out = await inProcess([
      ...base,
      'g1=90.17',
      'g2=300',
      'promo=100',
      'r1=20',
      '--recharge',
      'r1,25,2026-11-20T10:00:00Z',
      '--json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.written).toBe(true);
    // The stored ledger modelled no recharge (a $900 balance never fell below $20): the page's charge stands alone.
    expect(report.recharges).toEqual({
      from: '2026-11-20',
      through: '2026-11-25',
      burnrateUsd: 0,
      burnrateCharges: 0,
      billingPageUsd: 25,
      billingPageCharges: 1,
      days: [{ day: '2026-11-20', burnrateUsd: 0, burnrateCharges: 0, billingPageUsd: 25, entered: ['r1'] }],
    });
    expect(byKey(await items(), 'GRANT#r1')).toMatchObject({
      id: 'r1',
      amountUsd: 25,
      effectiveAt: '2026-11-20T10:00:00Z',
      recharge: true,
      remainingUsd: 20,
      remainingAsOf: '2026-11-25T09:00:00Z',
    });
    const list = JSON.parse((await inProcess(['grant', 'list', '--account', 'acme'])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(list.find((g) => g.id === 'r1')).toMatchObject({ recharge: true });

    // After T, recharges are modelled: grant add refuses one, naming it.
    const late = await inProcess([
      'grant',
      'add',
      '--account',
      'acme',
      '--id',
      'r2',
      '--amount',
      '25',
      '--effective',
      '2026-11-25T10:00:00Z',
      '--recharge',
    ]);
    expect(late.code).toBe(2);
    expect(late.stderr).toContain(
      'account acme: new grant r2.recharge: effective "2026-11-25T10:00:00Z", after the checkpoint instant "2026-11-25T09:00:00Z"',
    );
    // The same edit made by hand in the console: account check names the item and the field.
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk('acme'),
          sk: grantSk('r9'),
          id: 'r9',
          amountUsd: 25,
          effectiveAt: '2026-11-25T10:00:00Z',
          recharge: true,
        },
      }),
    );
    const check = await inProcess(['account', 'check']);
    expect(check.code).toBe(2);
    expect(check.stdout).toContain(
      'account acme: grant r9.recharge: effective "2026-11-25T10:00:00Z", after the checkpoint instant',
    );
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk('acme'),
          sk: grantSk('r9'),
          id: 'r9',
          amountUsd: 25,
          effectiveAt: '2026-11-25T10:00:00Z',
          recharge: 'yes',
        },
      }),
    );
    expect((await inProcess(['account', 'check'])).stdout).toContain(
      'account acme: grant r9.recharge: expected true (a card charge auto-recharge made, read off the billing page) or false, got "yes"',
    );
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk('acme'),
          sk: grantSk('r9'),
          id: 'r9',
          amountUsd: 25,
          effectiveAt: '2026-11-25T10:00:00Z',
        },
      }),
    );
    expect((await inProcess(['account', 'check'])).stdout).toContain('account acme: ok');

    // A sync, then status: this month's recharges include the entered one, marked.
    const r = await syncAccount(syncDeps('2026-11-26T10:00:00Z'), 'acme');
    expect(r.figures.rechargedThisMonthMicros).toBe(25_000_000);
    expect(r.figures.rechargesThisMonth).toBe(1);
    const status = await inProcess(['status']);
    expect(status.stdout).toContain('$25.00 in 1 (1 entered)');
    const json = JSON.parse((await inProcess(['status', '--json'])).stdout);
    expect(json[0].grants.find((g: { id: string }) => g.id === 'r1')).toMatchObject({ recharge: true });
    expect(json[0].grants.find((g: { id: string }) => g.id === 'g1')).not.toHaveProperty('recharge');
  });

  it('a grant that expired before T needs no figure: the checkpoint is written, the account stays valid', {
    timeout: 120_000,
  }, async () => {
    // January 2027: promo expired 12-31 and holds nothing at T.
    const out = await inProcess([
      'checkpoint',
      '--account',
      'acme',
      '--at',
      '2027-01-05T00:00:00Z',
      '--now',
      '2027-01-06T00:00:00Z',
      'g1=50',
      'g2=300',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const after = await items();
    expect(byKey(after, 'GRANT#promo')).not.toHaveProperty('remainingUsd');
    expect(byKey(after, 'GRANT#g1')).toMatchObject({
      remainingUsd: 50,
      remainingAsOf: '2027-01-05T00:00:00Z',
    });
    expect((await inProcess(['account', 'check'])).stdout).toContain('account acme: ok');
  });
});
