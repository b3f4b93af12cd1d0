import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processDeps } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { DAY_MS, dayKey, startOfUtcDay } from '../../shared/core/time.ts';
import { accountPk, alertSk, STATE_SK } from '../../shared/store/keys.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * `burnrate run` guards (issue 16, items 4 and 5), through the CLI entry point in this process,
 * against DynamoDB Local, the SES emulator and the fake OpenAI Admin API.
 */
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;

// `--now` ten days before the real clock, whatever the real date: the run replays the past.
const WALL = Date.now();
const PAST = startOfUtcDay(WALL) - 10 * DAY_MS + 9 * 3_600_000;
const PAST_ISO = new Date(PAST).toISOString();
const grant = { id: 'g1', amountUsd: 100, effectiveAt: new Date(PAST - 20 * DAY_MS).toISOString() };
const config = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider: 'openai',
  name: id,
  recipients: [`ops@${id}.example`],
  lowBalanceUsd: [100],
  expiryWarningDays: [],
  digest: 'off',
  ...extra,
});

beforeAll(async () => {
  // The SDK clients (built once per process) read their endpoints and credentials from here.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  fake = await startOpenAiFake();
  // $50 spent three days before --now: the balance is $50 then and still $50 by the real clock.
  fake.setCosts({ [dayKey(PAST - 3 * DAY_MS)]: [{ usd: 50 }] });
});
afterAll(() => fake.stop());

function env(table: string, extra: Record<string, string> = {}) {
  const { OPENAI_ADMIN_KEY: _o, ANTHROPIC_ADMIN_KEY: _a, BURNRATE_SENDER: _s, ...rest } = process.env;
  return {
    ...rest,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: table,
    OPENAI_BASE_URL: fake.baseUrl,
    ...extra,
  };
}

async function item(table: string, accountId: string, sk: string) {
  const out = await ddb.doc.send(
    new GetCommand({ TableName: table, Key: { pk: accountPk(accountId), sk }, ConsistentRead: true }),
  );
  return out.Item;
}

const within = (iso: unknown, from: number, to: number) => {
  const t = Date.parse(String(iso));
  return t >= from && t <= to;
};

describe('an admin key in the environment serves one account per provider', () => {
  it('two enabled OpenAI accounts with OPENAI_ADMIN_KEY set: run refuses with exit 2, says why, and touches nothing', async () => {
    const table = await ddb.freshTable('env-key');
    await seedAccount(ddb.doc, table, config('acme'), [grant]);
    await seedAccount(ddb.doc, table, config('beta'), [grant]);
    await seedAccount(ddb.doc, table, config('off', { enabled: false }), [grant]); // disabled: not counted
    const requests = fake.requests.length;

    const refused = await cliInProcess(
      ['run', '--now', PAST_ISO],
      env(table, { OPENAI_ADMIN_KEY: fake.adminKey }),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "OPENAI_ADMIN_KEY is set, and one environment key serves every openai account: 2 enabled openai accounts are in the table (acme, beta), so one organization's costs would be written into each of them. Sync them one at a time with --account <id>, or unset OPENAI_ADMIN_KEY",
    );
    expect(refused.stderr).not.toContain(fake.adminKey);
    expect(fake.requests.length).toBe(requests);
    expect(await item(table, 'acme', STATE_SK)).toBeUndefined();
    expect(await item(table, 'beta', STATE_SK)).toBeUndefined();

    const one = await cliInProcess(
      ['run', '--account', 'acme', '--now', PAST_ISO, '--json'],
      env(table, { OPENAI_ADMIN_KEY: fake.adminKey }),
    );
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject([
      { accountId: 'acme', status: 'ok', due: ['low-balance:100'] },
    ]);
    expect(await item(table, 'acme', STATE_SK)).toBeDefined();
    expect(await item(table, 'beta', STATE_SK)).toBeUndefined();
  }, 60_000);
});

describe('run --now moves the ledger, never the leases', () => {
  it('claims, sent times and lastSyncAt are wall-clock time; firedAt, the figures and ledgerAt are --now', async () => {
    const table = await ddb.freshTable('now-wall');
    await seedAccount(ddb.doc, table, config('acme'), [grant]);
    await ses.clear();
    const before = Date.now();
    const run = await cliInProcess(
      ['run', '--now', PAST_ISO, '--json'],
      env(table, { OPENAI_ADMIN_KEY: fake.adminKey, BURNRATE_SENDER: 'burnrate@acme.example' }),
    );
    const after = Date.now();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject([{ accountId: 'acme', sent: ['low-balance:100'] }]);

    const alert = await item(table, 'acme', alertSk('low-balance:100'));
    expect(alert).toMatchObject({ status: 'sent', firedAt: PAST_ISO });
    expect(within(alert?.claimedAt, before, after), `claimedAt ${alert?.claimedAt}`).toBe(true);
    expect(within(alert?.sentAt, before, after), `sentAt ${alert?.sentAt}`).toBe(true);
    const state = await item(table, 'acme', STATE_SK);
    expect(within(state?.lastSyncAt, before, after), `lastSyncAt ${state?.lastSyncAt}`).toBe(true);
    expect(state?.ledgerAt).toBe(PAST_ISO);
    expect(state?.snapshot).toMatchObject({ at: PAST_ISO, balanceUsd: 50 });
    expect(await ses.emails()).toHaveLength(1);
  }, 60_000);

  it('a replay that dies between send and mark: a concurrent scheduled run does not take its claim over early', async () => {
    const table = await ddb.freshTable('now-lease');
    await seedAccount(ddb.doc, table, config('acme'), [grant]);
    await ses.clear();
    const processEnv = parseEnvironment(
      env(table, { OPENAI_ADMIN_KEY: fake.adminKey, BURNRATE_SENDER: 'burnrate@acme.example' }),
    );
    // The replay (`run --now` ten days back) sends, then its process dies before marking the key sent.
    const replay = processDeps(processEnv, { now: () => new Date(PAST) });
    const delivery = replay.delivery;
    if (!delivery) throw new Error('expected delivery (BURNRATE_SENDER is set)');
    replay.delivery = {
      ...delivery,
      alerts: {
        claim: (...args) => delivery.alerts.claim(...args),
        release: (...args) => delivery.alerts.release(...args),
        raise: (...args) => delivery.alerts.raise(...args),
        rearm: (...args) => delivery.alerts.rearm(...args),
        markSent: async () => {
          throw new Error('killed between send and mark');
        },
      },
    };
    const died = await processAccount(replay, 'acme');
    expect(died.deliveryError?.message).toContain('killed between send and mark');
    expect(await ses.emails()).toHaveLength(1);
    expect(await item(table, 'acme', alertSk('low-balance:100'))).toMatchObject({ status: 'claimed' });

    // A scheduled run minutes later, on the real clock: the claim is fresh, so it must wait for it.
    const scheduled = await processAccount(processDeps(processEnv), 'acme');
    expect(scheduled.status).toBe('ok');
    expect(scheduled.sent).toEqual([]);
    expect(await ses.emails()).toHaveLength(1);
  }, 60_000);
});
