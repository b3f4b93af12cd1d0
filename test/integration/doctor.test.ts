import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../shared/core/time.ts';
import type { DoctorReport } from '../../shared/use-cases/doctor.ts';
import { startAnthropicFake } from '../fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';
import { startSesV2Fake } from '../fakes/sesv2-fake.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../functions/cli/bin.mjs');
const ddb = useDynamoDbLocal();
const ses = useSesLocal();

const OPENAI_KEY = 'sk-admin-doctor-good-0123456789';
const ANTHROPIC_KEY = 'sk-ant-admin01-doctor-good-0123456789';
const SCOPELESS_KEY = 'sk-admin-doctor-noscope-0123456789';
const PROJECT_KEY = 'sk-proj-doctor-project-0123456789';
const REVOKED_KEY = 'sk-admin-doctor-revoked-0123456789';
const ALL_KEYS = [OPENAI_KEY, ANTHROPIC_KEY, SCOPELESS_KEY, PROJECT_KEY, REVOKED_KEY];

let openai: Awaited<ReturnType<typeof startOpenAiFake>>;
let anthropic: Awaited<ReturnType<typeof startAnthropicFake>>;
let good: string;
let bad: string;

const acme = { id: 'acme', provider: 'openai', name: 'Acme', recipients: ['ops@acme.example'] };
const claude = {
  id: 'acme-claude',
  provider: 'anthropic',
  name: 'Acme Claude',
  recipients: ['ops@acme.example', 'cfo@acme.example'],
};
const grant = { id: 'g1', amountUsd: 500, effectiveAt: '2026-01-15T00:00:00Z' };

function doctorEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const {
    OPENAI_ADMIN_KEY: _o,
    ANTHROPIC_ADMIN_KEY: _a,
    AWS_ENDPOINT_URL_SES: _s,
    BURNRATE_SENDER: _f,
    BURNRATE_OPERATOR_EMAIL: _e,
    ...rest
  } = process.env;
  const env: Record<string, string> = {
    ...(rest as Record<string, string>),
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: good,
    BURNRATE_SENDER: 'alerts@acme.example',
    BURNRATE_OPERATOR_EMAIL: 'operator@acme.example',
    OPENAI_BASE_URL: openai.baseUrl,
    ANTHROPIC_BASE_URL: anthropic.baseUrl,
    OPENAI_ADMIN_KEY: OPENAI_KEY,
    ANTHROPIC_ADMIN_KEY: ANTHROPIC_KEY,
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function noKeyIn<R extends { stdout: string; stderr: string }>(result: R): R {
  for (const key of ALL_KEYS) expect(result.stdout + result.stderr).not.toContain(key);
  return result;
}

/** The real `burnrate` command in a child process (slow to start on a busy machine: used sparingly). */
async function spawned(args: string[], extra: Record<string, string | undefined> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, 'doctor', ...args], {
      env: doctorEnv(extra),
    });
    return noKeyIn({ code: 0, stdout, stderr });
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return noKeyIn({ code: e.code, stdout: e.stdout, stderr: e.stderr });
  }
}

/** The same CLI entry point (`main`) in this process, with the environment swapped for the call. */
async function doctor(args: string[], extra: Record<string, string | undefined> = {}) {
  return noKeyIn(await cliInProcess(['doctor', ...args], doctorEnv(extra)));
}

const check = (report: DoctorReport, id: string, account?: string) => {
  const found = report.checks.find((c) => c.id === id && c.account === account);
  if (!found) throw new Error(`no check ${id} ${account ?? ''} in ${JSON.stringify(report)}`);
  return found;
};

beforeAll(async () => {
  const now = Date.now();
  const today = now - (now % DAY_MS);
  const history: Record<string, Array<{ usd: number; projectId?: string }>> = {};
  // Spend on each of the last 10 days but yesterday's, which the report has not caught up with.
  for (let i = 2; i <= 10; i++)
    history[new Date(today - i * DAY_MS).toISOString().slice(0, 10)] = [{ usd: 10 + i, projectId: 'proj_a' }];
  const hour = (ms: number) => new Date(ms - (ms % 3_600_000)).toISOString();
  openai = await startOpenAiFake({ adminKey: OPENAI_KEY, mode: 'live', scopelessKey: SCOPELESS_KEY });
  openai.setCosts(history);
  openai.setUsage(
    [hour(now), hour(now - 3_600_000)].flatMap((h) => [
      { hour: h, model: 'gpt-4o-mini', input_tokens: 10_000, output_tokens: 2_000 },
      { hour: h, model: 'gpt-9-experimental', input_tokens: 5_000, output_tokens: 500 },
    ]),
  );
  anthropic = await startAnthropicFake({ adminKey: ANTHROPIC_KEY, mode: 'live' });
  anthropic.setCosts(history);
  good = await ddb.freshTable('doctor-good');
  await seedAccount(ddb.doc, good, acme, [grant]);
  await seedAccount(ddb.doc, good, claude, [grant]);
  bad = await ddb.freshTable('doctor-bad');
  await seedAccount(ddb.doc, bad, { ...acme, lowBalanceUsd: [-5] }, [grant]);
});
afterAll(async () => {
  await openai?.stop();
  await anthropic?.stop();
});

describe('burnrate doctor (spawned CLI against DynamoDB Local, the SES emulator and the provider fakes)', () => {
  it('passes a good setup with exit 0; says what the SES emulator cannot answer; warns of unpriced models', async () => {
    const { code, stdout } = await spawned([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /✓ table: table doctor-good-\d+-\d+: reachable, ACTIVE, keys pk\/sk and index byKind/,
    );
    // The emulator has no GetEmailIdentity, and GetAccount only when configured: said, not failed.
    expect(stdout).toContain(
      '– sender: sender alerts@acme.example: identity and verification: not answered by this endpoint',
    );
    expect(stdout).toContain('GetEmailIdentity: HTTP 404');
    expect(stdout).toContain('– ses-account: SES sandbox and send quota: not answered by this endpoint');
    expect(stdout).toContain('✓ operator: operator email operator@acme.example');
    expect(stdout).toContain('account acme\n');
    expect(stdout).toContain('✓ config: config item and 1 grant(s) valid (openai)');
    expect(stdout).toContain('✓ admin-key: admin key found in environment variable OPENAI_ADMIN_KEY');
    expect(stdout).toContain('✓ admin-key: admin key found in environment variable ANTHROPIC_ADMIN_KEY');
    // 7 whole days back; the latest with spend is 2 days ago (yesterday has none yet).
    expect(stdout).toMatch(/✓ costs: costs for the last 7 days: key accepted, pages parsed, 7 day\(s\) back/);
    const twoDaysAgo = new Date(Date.now() - 2 * DAY_MS).toISOString().slice(0, 10);
    expect(stdout).toContain(`latest day with spend ${twoDaysAgo}, 2 day(s) behind today`);
    expect(stdout).toContain(`    ${twoDaysAgo}  $12.00`);
    expect(stdout).toContain('! usage: usage for the last hour: parsed, priced at $');
    expect(stdout).toContain("cannot price (left out of today's estimate): gpt-9-experimental");
    expect(stdout).not.toContain('gpt-4o-mini');
    expect(stdout).toContain('all checks passed');
  });

  it('prints the documented JSON with --json', async () => {
    const { code, stdout } = await doctor(['--json', '--account', 'acme']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.every((c) => c.account === undefined || c.account === 'acme')).toBe(true);
    expect(check(report, 'costs', 'acme')).toMatchObject({ status: 'pass', ok: true });
    expect(check(report, 'costs', 'acme').details).toHaveLength(7);
    expect(check(report, 'usage', 'acme')).toMatchObject({ status: 'warn', ok: true });
    expect(check(report, 'sender')).toMatchObject({ status: 'unanswered', ok: true });
  });

  it('a project key: exit 1, says so and where to create an admin key', async () => {
    const { code, stdout } = await spawned(['--account', 'acme'], { OPENAI_ADMIN_KEY: PROJECT_KEY });
    expect(code).toBe(1);
    expect(stdout).toContain(
      '✗ costs: costs for the last 7 days: key refused (HTTP 401): not an admin key (a project, user or standard API key)',
    );
    expect(stdout).toContain(
      '    openai: openai costs: HTTP 401: invalid_request_error: Incorrect API key provided.',
    );
    expect(stdout).toContain(
      'fix: this is a project or standard API key, which cannot read costs: create an admin key (sk-admin-…) under Organization settings → Admin keys',
    );
    expect(stdout).toContain('then export OPENAI_ADMIN_KEY=<the admin key>');
    expect(stdout).toContain('✗ usage:');
    expect(stdout).toContain('2 check(s) failed');
  });

  it('a revoked key (401): exit 1, the key was rejected', async () => {
    const { code, stdout } = await doctor(['--json', '--account', 'acme'], { OPENAI_ADMIN_KEY: REVOKED_KEY });
    expect(code).toBe(1);
    const costs = check(JSON.parse(stdout), 'costs', 'acme');
    expect(costs).toMatchObject({ status: 'fail', ok: false });
    expect(costs.summary).toBe(
      'costs for the last 7 days: key refused (HTTP 401): rejected: revoked, mistyped or of another organization',
    );
    expect(costs.fix).toContain('the key was rejected (revoked, mistyped or of another organization)');
  });

  it('a key without the usage scope (live bare-string 403): exit 1, names api.usage.read', async () => {
    const { code, stdout } = await doctor(['--account', 'acme'], { OPENAI_ADMIN_KEY: SCOPELESS_KEY });
    expect(code).toBe(1);
    expect(stdout).toContain(
      '✗ costs: costs for the last 7 days: key refused (HTTP 403): an admin key without the usage read scope',
    );
    expect(stdout).toContain('Missing scopes: api.usage.read');
    expect(stdout).toContain('fix: this admin key lacks the usage read scope (api.usage.read)');
  });

  it('keys from Secrets Manager: names the secret it read and the one it could not', async () => {
    const secrets = await startSecretsManagerFake({ 'burnrate/acme': OPENAI_KEY });
    try {
      const { code, stdout } = await doctor([], {
        OPENAI_ADMIN_KEY: undefined,
        ANTHROPIC_ADMIN_KEY: undefined,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      });
      expect(code).toBe(1);
      expect(stdout).toContain('✓ admin-key: admin key found in Secrets Manager secret burnrate/acme');
      expect(stdout).toContain(
        '✗ admin-key: no admin key: account acme-claude: cannot read secret burnrate/acme-claude',
      );
      expect(stdout).toContain(
        "fix: store it: aws secretsmanager put-secret-value --secret-id burnrate/acme-claude --secret-string '<the admin key>'",
      );
      // The key read from the secret worked against the provider.
      expect(stdout).not.toContain('✗ costs');
    } finally {
      await secrets.stop();
    }
  });

  it('an invalid config item: exit 1 with the messages `account check` gives', async () => {
    const { code, stdout } = await doctor([], { BURNRATE_TABLE: bad });
    expect(code).toBe(1);
    expect(stdout).toContain(
      '✗ config: config item or grants invalid (1 problem(s)); key and provider not checked',
    );
    expect(stdout).toContain('    account acme: lowBalanceUsd[0]: expected a positive number, got -5');
    expect(stdout).toContain('fix: edit the item (npx burnrate account set acme field=value');
    expect(stdout).not.toContain('costs');
  });

  it('an unreachable table: exit 1, names what to check, and does not hang', async () => {
    const port = await closedPort();
    const started = Date.now();
    const { code, stdout } = await doctor([], { AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stdout).toContain('✗ table: table not reachable:');
    expect(stdout).toContain('fix: check AWS credentials and region (AWS_REGION), BURNRATE_TABLE');
    expect(stdout).not.toContain('account acme');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a missing table and a table with other keys: exit 1 with what differs', async () => {
    const missing = await doctor([], { BURNRATE_TABLE: 'no-such-table' });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('✗ table: table no-such-table does not exist');
    expect(missing.stdout).toContain('npx burnrate table create');

    const other = `doctor-other-${process.pid}`;
    await ddb.client.send(
      new CreateTableCommand({
        TableName: other,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const wrong = await doctor([], { BURNRATE_TABLE: other });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('✗ table: table doctor-other');
    expect(wrong.stdout).toContain('key schema: expected pk HASH, sk RANGE, got id HASH');
    expect(wrong.stdout).toContain('index byKind: missing');
  });

  it('unset sender and operator: exit 1 with the variables to set', async () => {
    const { code, stdout } = await doctor(['--account', 'acme'], {
      BURNRATE_SENDER: undefined,
      BURNRATE_OPERATOR_EMAIL: undefined,
    });
    expect(code).toBe(1);
    expect(stdout).toContain('✗ sender: BURNRATE_SENDER is not set');
    expect(stdout).toContain('✗ operator: BURNRATE_OPERATOR_EMAIL is not set');
  });

  it('bad input exits 2: an unknown account, an unknown flag', async () => {
    const unknown = await spawned(['--account', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--account nope: no such account (the table has: acme, acme-claude)');
    expect((await doctor(['--verbose'])).code).toBe(2);
  });
});

describe('burnrate doctor against an SES endpoint that answers identity questions', () => {
  it('an unverified sender: exit 1, click the verification link', async () => {
    const sesv2 = await startSesV2Fake({
      sandbox: false,
      identities: { 'alerts@acme.example': { verified: false, status: 'PENDING' } },
    });
    try {
      const { code, stdout } = await doctor(['--account', 'acme'], { AWS_ENDPOINT_URL_SES: sesv2.endpoint });
      expect(code).toBe(1);
      expect(stdout).toContain(
        '✗ sender: sender alerts@acme.example: identity alerts@acme.example is not verified (PENDING)',
      );
      expect(stdout).toContain('fix: click the verification link SES emailed to alerts@acme.example');
      expect(stdout).toContain(
        '✓ ses-account: SES production access; sent 4 of 50000 in the last 24 h, at most 14/s',
      );
      expect(stdout).toContain('✓ recipients: recipients ops@acme.example: SES has production access');
    } finally {
      await sesv2.stop();
    }
  });

  it('the sandbox: a sender verified through its domain passes; unverified recipients fail with the deploy flag', async () => {
    const sesv2 = await startSesV2Fake({
      sandbox: true,
      identities: {
        'mail.acme.example': { verified: true },
        'ops@acme.example': { verified: true },
        'operator@acme.example': { verified: true },
        'cfo@acme.example': { verified: false },
      },
    });
    try {
      const { code, stdout } = await doctor(['--json'], {
        AWS_ENDPOINT_URL_SES: sesv2.endpoint,
        BURNRATE_SENDER: 'alerts@mail.acme.example',
      });
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as DoctorReport;
      expect(check(report, 'sender').summary).toBe(
        'sender alerts@mail.acme.example: verified (through domain identity mail.acme.example)',
      );
      expect(check(report, 'ses-account')).toMatchObject({ status: 'warn', ok: true });
      expect(check(report, 'ses-account').summary).toContain('sandbox');
      expect(check(report, 'recipients', 'acme')).toMatchObject({ status: 'pass' });
      // ops@ is verified on its own; cfo@ is pending and its domain is no identity.
      const recipients = check(report, 'recipients', 'acme-claude');
      expect(recipients).toMatchObject({ status: 'fail', ok: false });
      expect(recipients.summary).toBe(
        'SES is in the sandbox and these recipients are not verified: cfo@acme.example',
      );
      expect(recipients.fix).toContain('-c sandboxRecipients=cfo@acme.example');
      expect(report.checks.filter((c) => !c.ok)).toHaveLength(1);
    } finally {
      await sesv2.stop();
    }
  });

  it('credentials without ses:GetAccount / ses:GetEmailIdentity: exit 1, names the actions to allow', async () => {
    const sesv2 = await startSesV2Fake({ sandbox: false, identities: {}, denied: true });
    try {
      const { code, stdout } = await doctor(['--json', '--account', 'acme'], {
        AWS_ENDPOINT_URL_SES: sesv2.endpoint,
      });
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as DoctorReport;
      expect(check(report, 'ses-account')).toMatchObject({ status: 'fail' });
      expect(check(report, 'ses-account').summary).toContain('not authorized to perform: ses:GetAccount');
      expect(check(report, 'ses-account').fix).toContain('allow ses:GetAccount');
      expect(check(report, 'sender').fix).toContain('allow ses:GetEmailIdentity');
    } finally {
      await sesv2.stop();
    }
  });

  it('the SES emulator configured with an account (AWS_SES_ACCOUNT) answers the sandbox question', async () => {
    process.env.AWS_SES_ACCOUNT = JSON.stringify({
      DedicatedIpAutoWarmupEnabled: false,
      Details: {
        AdditionalContactEmailAddresses: [],
        ContactLanguage: 'EN',
        MailType: 'TRANSACTIONAL',
        ReviewDetails: { CaseId: 'c1', Status: 'PENDING' },
        UseCaseDescription: '',
        WebsiteURL: '',
      },
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: true,
      SendingEnabled: false,
      SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 },
      SuppressionAttributes: { SuppressedReasons: [] },
    });
    try {
      const { code, stdout } = await doctor(['--account', 'acme']);
      expect(code).toBe(1);
      expect(stdout).toContain('✗ ses-account: SES sending is paused for this account (HEALTHY)');
    } finally {
      delete process.env.AWS_SES_ACCOUNT;
    }
  });
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
