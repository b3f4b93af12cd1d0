import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountPk, grantSk } from '../../shared/store/keys.ts';
import { startAnthropicFake } from '../fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../functions/cli/bin.mjs');
const ddb = useDynamoDbLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
const dir = mkdtempSync(join(tmpdir(), 'burnrate-cli-'));
let table = `cli-${process.pid}`;

function env(extra: Record<string, string> = {}) {
  const { OPENAI_ADMIN_KEY: _k, AWS_ENDPOINT_URL_SES: _s, ...rest } = process.env;
  return {
    ...rest,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: table,
    ...extra,
  };
}

async function cli(args: string[], extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { env: env(extra), cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

/** The operator CLI and a two-provider run, against fakes answering as the spec says and as the live APIs do. */
describe.each(MODES)(
  'with %s-mode provider fakes',
  (mode) => {
    beforeAll(async () => {
      table = `cli-${process.pid}-${mode}`;
      fake = await startOpenAiFake({ mode });
      const h: Record<string, Array<{ usd: number }>> = {};
      for (let i = 1; i <= 30; i++)
        h[new Date(Date.parse('2026-11-24T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10)] = [
          { usd: 10 },
        ];
      fake.setCosts(h);
    });
    afterAll(() => fake.stop());

    describe('operator CLI against DynamoDB Local (spawned processes)', () => {
      const config = {
        id: 'acme',
        provider: 'openai',
        name: 'Acme',
        recipients: ['ops@acme.example'],
        lowBalanceUsd: [100],
      };

      it('creates the table, puts, gets, edits and checks accounts; nothing invalid is written', async () => {
        expect((await cli(['table', 'create'])).stdout).toContain(`table ${table}: created`);
        expect((await cli(['table', 'create'])).stdout).toContain('already exists');

        expect(
          (await cli(['account', 'validate', file('bad.json', { ...config, lowBalanceUsd: [-5] })])).code,
        ).toBe(2);
        const bad = await cli(['account', 'put', file('bad.json', { ...config, lowBalanceUsd: [-5] })]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('account acme: lowBalanceUsd[0]: expected a positive number, got -5');
        expect((await cli(['account', 'get', 'acme'])).code).toBe(2); // not written

        expect((await cli(['account', 'put', file('acme.json', config)])).stdout).toContain(
          'account acme: written',
        );
        expect(JSON.parse((await cli(['account', 'get', 'acme'])).stdout)).toEqual(config);

        const set = await cli(['account', 'set', 'acme', 'lowBalanceUsd=[300,50]', 'monthlyBudgetUsd=800']);
        expect(set.code).toBe(0);
        expect(JSON.parse((await cli(['account', 'get', 'acme'])).stdout)).toMatchObject({
          lowBalanceUsd: [300, 50],
          monthlyBudgetUsd: 800,
        });

        const invalidSet = await cli(['account', 'set', 'acme', 'monthlyBudgetUsd=-1']);
        expect(invalidSet.code).toBe(2);
        expect(invalidSet.stderr).toContain(
          'account acme: monthlyBudgetUsd: expected a positive number, got -1',
        );
        expect(JSON.parse((await cli(['account', 'get', 'acme'])).stdout).monthlyBudgetUsd).toBe(800);
      });

      it('adds and lists grants, checked against the other grants', async () => {
        const add = await cli([
          'grant',
          'add',
          '--account',
          'acme',
          '--amount',
          '500',
          '--effective',
          '2026-10-01',
          '--id',
          'g1',
        ]);
        expect(add.code).toBe(0);
        const dup = await cli([
          'grant',
          'add',
          '--account',
          'acme',
          '--amount',
          '5',
          '--effective',
          '2026-10-02',
          '--id',
          'g1',
        ]);
        expect(dup.code).toBe(2);
        expect(dup.stderr).toContain('duplicate grant id "g1"');
        const badDate = await cli([
          'grant',
          'add',
          '--account',
          'acme',
          '--amount',
          '5',
          '--effective',
          '2026-13-01',
        ]);
        expect(badDate.code).toBe(2);
        expect(badDate.stderr).toContain('grant.effectiveAt: expected an ISO 8601 instant');
        expect(JSON.parse((await cli(['grant', 'list', '--account', 'acme'])).stdout)).toEqual([
          { id: 'g1', amountUsd: 500, effectiveAt: '2026-10-01' },
        ]);
      });

      it('account check names a problem made by a hand edit in the console', async () => {
        await ddb.doc.send(
          new PutCommand({
            TableName: table,
            Item: {
              pk: accountPk('acme'),
              sk: grantSk('g2'),
              id: 'g2',
              amountUsd: 'lots',
              effectiveAt: '2026-10-01',
            },
          }),
        );
        const check = await cli(['account', 'check']);
        expect(check.code).toBe(2);
        expect(check.stdout).toContain(
          'account acme: grant g2.amountUsd: expected a positive number, got "lots"',
        );
        await ddb.doc.send(
          new PutCommand({
            TableName: table,
            Item: {
              pk: accountPk('acme'),
              sk: grantSk('g2'),
              id: 'g2',
              amountUsd: 50,
              effectiveAt: '2026-10-01',
            },
          }),
        );
        expect((await cli(['account', 'check'])).stdout).toContain('account acme: ok');
      });

      it('run syncs, status shows the figures, preview renders the email', async () => {
        const run = await cli(['run', '--now', '2026-11-24T09:00:00Z', '--json'], {
          OPENAI_BASE_URL: fake.baseUrl,
          OPENAI_ADMIN_KEY: fake.adminKey,
        });
        expect(run.code).toBe(0);
        const [outcome] = JSON.parse(run.stdout);
        // 550 of grants, 30 days × $10 before 11-24 (from 10-25; g1/g2 start 10-01, costs before 10-25 are 0)
        expect(outcome).toMatchObject({
          accountId: 'acme',
          status: 'ok',
          figures: { balanceUsd: 250 },
          due: ['low-balance:300'],
        });
        expect(run.stderr).toContain('BURNRATE_SENDER is not set');
        const status = await cli(['status']);
        expect(status.stdout).toMatch(/acme\s+\$250\.00\s+\$10\.00\s+25 d/);
        const statusJson = JSON.parse((await cli(['status', '--json'])).stdout);
        expect(statusJson[0]).toMatchObject({
          accountId: 'acme',
          balanceUsd: 250,
          pendingAlerts: ['low-balance:300'],
          // The per-project figures of the snapshot (this spend has no project: all unattributed).
          projects: [
            {
              id: '(none)',
              name: 'unattributed',
              configured: false,
              monthToDateUsd: 230,
              burnRateUsdPerDay: 10,
            },
          ],
        });
        const out = join(dir, 'preview.html');
        const preview = await cli(['preview', '--account', 'acme', '--kind', 'low-balance', '--out', out]);
        expect(preview.stdout).toContain('Acme: balance $');
        expect(existsSync(out)).toBe(true);
        expect((await cli(['preview', '--account', 'acme', '--kind', 'nonsense', '--out', out])).code).toBe(
          2,
        );
      });
    });

    describe('two providers side by side in one burnrate run', () => {
      it('an OpenAI and an Anthropic account each get their own balance and alerts', async () => {
        const anthropic = await startAnthropicFake({ mode });
        try {
          const h: Record<string, Array<{ projectId: string | null; usd: number }>> = {};
          for (let i = 1; i <= 30; i++)
            h[new Date(Date.parse('2026-11-24T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10)] = [
              { projectId: 'wrkspc_1', usd: 2.5 },
            ];
          anthropic.setCosts(h);
          const beta = {
            id: 'beta',
            provider: 'anthropic',
            name: 'Beta',
            recipients: ['ops@beta.example'],
            lowBalanceUsd: [50],
          };
          expect((await cli(['account', 'put', file('beta.json', beta)])).code).toBe(0);
          expect(
            (
              await cli([
                'grant',
                'add',
                '--account',
                'beta',
                '--amount',
                '100',
                '--effective',
                '2026-10-15',
                '--id',
                'b1',
              ])
            ).code,
          ).toBe(0);
          const run = await cli(['run', '--now', '2026-11-24T09:00:00Z', '--json'], {
            OPENAI_BASE_URL: fake.baseUrl,
            OPENAI_ADMIN_KEY: fake.adminKey,
            ANTHROPIC_BASE_URL: anthropic.baseUrl,
            ANTHROPIC_ADMIN_KEY: anthropic.adminKey,
          });
          expect(run.code, run.stderr).toBe(0);
          const outcomes = Object.fromEntries(
            (JSON.parse(run.stdout) as Array<{ accountId: string }>).map((o) => [o.accountId, o]),
          );
          // acme (OpenAI): unchanged from the run above. beta (Anthropic): 100 − 30 days × $2.50 = 25 < 50.
          expect(outcomes.acme).toMatchObject({ status: 'ok', figures: { balanceUsd: 250 }, due: [] });
          expect(outcomes.beta).toMatchObject({
            status: 'ok',
            figures: { balanceUsd: 25, burnRateUsdPerDay: 2.5 },
            due: ['low-balance:50'],
          });
          const status = JSON.parse((await cli(['status', '--json'])).stdout) as Array<{
            accountId: string;
            latestDayByScope: unknown;
          }>;
          expect(status.find((r) => r.accountId === 'beta')?.latestDayByScope).toEqual({
            day: '2026-11-23',
            byScope: { wrkspc_1: 2_500_000 },
          });
        } finally {
          await anthropic.stop();
        }
      });
    });
  },
  120_000,
); // each test spawns several CLI processes; room for a loaded machine

describe('burnrate run: the live-mode fakes give the same balances and alerts as the spec-mode fakes', () => {
  /** 90 days at micro-dollar precision over two scopes: what the live fakes turn into strings and exponents. */
  function history(scopes: [string, string]) {
    const h: Record<string, Array<{ projectId: string; usd: number }>> = {};
    for (let i = 1; i <= 90; i++) {
      const usd = Math.round((3 + i * 0.0137 + (i % 7) * 0.31) * 1e6) / 1e6;
      h[new Date(Date.parse('2026-11-25T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10)] = [
        { projectId: scopes[0], usd },
        { projectId: scopes[1], usd: Math.round(usd * 0.37 * 1e6) / 1e6 },
      ];
    }
    return h;
  }

  async function runBoth(mode: 'spec' | 'live') {
    // Its own table, passed explicitly: nothing else in this file writes to it.
    const own = await ddb.freshTable(`same-${mode}`);
    const openai = await startOpenAiFake({ mode });
    const anthropic = await startAnthropicFake({ mode });
    try {
      openai.setCosts(history(['proj_a', 'proj_b']));
      anthropic.setCosts(history(['wrkspc_a', 'wrkspc_b']));
      for (const [id, provider] of [
        ['acme', 'openai'],
        ['beta', 'anthropic'],
      ] as const) {
        const config = {
          id,
          provider,
          recipients: [`ops@${id}.example`],
          lowBalanceUsd: [600, 100],
          monthlyBudgetUsd: 150,
          lowRunwayDays: 60,
        };
        await seedAccount(ddb.doc, own, config, [
          { id: 'g1', amountUsd: 400, effectiveAt: '2026-08-01', expiresAt: '2026-12-01' },
          { id: 'g2', amountUsd: 600, effectiveAt: '2026-10-01', expiresAt: '2027-10-01' },
        ]);
      }
      const keys = {
        BURNRATE_TABLE: own,
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_ADMIN_KEY: openai.adminKey,
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
        ANTHROPIC_ADMIN_KEY: anthropic.adminKey,
      };
      const runs = [];
      const started = Date.now();
      // A first sync, then an incremental one two days later (the lookback re-reads stored days).
      for (const now of ['2026-11-23T09:00:00Z', '2026-11-25T09:00:00Z']) {
        const run = await cli(['run', '--now', now, '--json'], keys);
        expect(run.code, run.stderr).toBe(0);
        runs.push(
          (JSON.parse(run.stdout) as Array<Record<string, unknown>>).map(
            ({ accountId, status, figures, due }) => ({
              accountId,
              status,
              figures,
              due,
            }),
          ),
        );
      }
      const rows = JSON.parse((await cli(['status', '--json'], { BURNRATE_TABLE: own })).stdout) as Array<
        Record<string, unknown>
      >;
      // lastSyncAt is when the run really happened (not --now): it differs between the two passes.
      const status = rows.map(({ lastSyncAt, ...row }) => {
        expect(Date.parse(String(lastSyncAt))).toBeGreaterThanOrEqual(started);
        return row;
      });
      return { runs, status };
    } finally {
      await openai.stop();
      await anthropic.stop();
    }
  }

  it('two runs over 90 days of two accounts: identical figures, alerts and status', async () => {
    const spec = await runBoth('spec');
    const live = await runBoth('live');
    expect(spec.runs[0]).toHaveLength(2);
    expect(spec.runs.flat().every((o) => o.status === 'ok')).toBe(true);
    expect(spec.runs.flat().some((o) => (o.due as string[]).length > 0)).toBe(true);
    expect(live).toEqual(spec);
  }, 240_000);
});

describe('npm start (spawned)', () => {
  const start = (args: string[], cwd: string) =>
    spawn(process.execPath, [BIN, 'start', ...args], {
      cwd,
      env: { ...env(), AWS_ENDPOINT_URL_DYNAMODB: '', BURNRATE_TABLE: 'burnrate' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  function collect(child: ChildProcess) {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
    });
    child.stderr?.on('data', (c) => {
      out += c;
    });
    return () => out;
  }

  it('--once from an empty state completes, prints the table and leaves the demo emails', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'burnrate-start-'));
    const child = start(['--once'], cwd);
    const output = collect(child);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, output()).toBe(0);
    expect(output()).toContain('DEMO: seeded account demo-openai');
    expect(output()).toMatch(
      /account\s+balance\s+burn\/day\s+runway\s+next expiry\s+at risk\s+auto-recharge\s+alerts sent/,
    );
    expect(output()).toMatch(/demo-openai\s+\$[\d,.]+\s+\$[\d.]+/);
    // The guard's demo: Batch jobs runs away and the first pass freezes it (auto), before its email.
    expect(output()).toMatch(
      /email: \[DEMO\] DEMO Acme \(simulated data\): Frozen Batch jobs at \$[\d.]+ \(hard limit\); requests now get 429/,
    );
    expect(output()).toContain(
      'guard: froze proj_batch of demo-openai; undo: npx burnrate guard release --account demo-openai --project proj_batch',
    );
    expect(output()).toMatch(/guard: undo proj_batch on the page: http:\/\/127\.0\.0\.1:\d+\/\?t=/);
    expect(readdirSync(join(cwd, '.burnrate', 'emails')).length).toBeGreaterThan(0);
    expect(output()).not.toContain('✗'); // the demo passes the doctor checks, which print only failures
    const pid = Number(/\(pid (\d+)\)/.exec(output())?.[1]);
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it('prints the failed doctor checks at startup, and only those', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'burnrate-start-'));
    const child = spawn(process.execPath, [BIN, 'start', '--once'], {
      cwd,
      env: { ...env(), AWS_ENDPOINT_URL_DYNAMODB: '', OPENAI_ADMIN_KEY: 'sk-admin-not-a-demo-key-1234' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(child);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, output()).toBe(0);
    expect(output()).toContain('✗ accounts: no accounts in the table');
    expect(output()).toContain('    fix: add one: npx burnrate account put acme.json');
    expect(output()).not.toMatch(/^✓ /m);
    expect(output()).not.toContain('sk-admin-not-a-demo-key-1234');
  }, 90_000);

  it('without Java, says exactly how to install it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'burnrate-start-'));
    const child = spawn(process.execPath, [BIN, 'start', '--once'], {
      cwd,
      env: { ...env(), AWS_ENDPOINT_URL_DYNAMODB: '', PATH: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(child);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output()).toContain(
      'DynamoDB Local needs Java 17+: install it with `sudo apt-get install -y default-jre-headless` (Debian/Ubuntu) or `brew install openjdk` (macOS)',
    );
  }, 30_000);

  it('Ctrl-C (SIGINT) stops everything it started', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'burnrate-start-'));
    const child = start(['--interval', '60'], cwd);
    const output = collect(child);
    for (let i = 0; i < 500 && !output().includes('Ctrl-C stops'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(output()).toContain('Ctrl-C stops');
    const pid = Number(/\(pid (\d+)\)/.exec(output())?.[1]);
    expect(() => process.kill(pid, 0)).not.toThrow();
    // The guard's approval page is served on 127.0.0.1 while it runs (a link-less visit gets its 400 page).
    const guardUrl = /Guard page: (http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1] as string;
    const page = await fetch(`${guardUrl}/`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('This page opens from a link');
    expect(readFileSync(join(cwd, '.burnrate', 'guard-signing-key'), 'utf8')).toMatch(
      /^[A-Za-z0-9_-]{43}\n$/,
    );
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  }, 90_000);
});
