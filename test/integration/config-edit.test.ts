import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DAY_MS, dayKey } from '../../shared/core/time.ts';
import { CONFIG_EDIT_FILTERS } from '../../shared/store/config-edit-stream.ts';
import { accountPk, CONFIG_SK, STATE_SK } from '../../shared/store/keys.ts';
import type { ProcessDeps } from '../../shared/use-cases/process-account.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal, useSesLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';
import { openTableStream, passesFilters } from '../support/table-stream.ts';

/**
 * The edit path end to end: hand edits and CLI edits in DynamoDB Local, its stream read with
 * GetShardIterator/GetRecords, the records passed through the mapping's filter and handed to the
 * config-edit Lambda handler, emails in the SES emulator, a scheduled sync (the fake OpenAI API)
 * before, after and racing it.
 */
const ddb = useDynamoDbLocal();
const ses = useSesLocal();
const OPERATOR = 'oncall@acme.example';
let openai: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;
let stream: Awaited<ReturnType<typeof openTableStream>>;
let handler: (event: DynamoDBStreamEvent, context: Context) => Promise<{ batchItemFailures: unknown[] }>;
let syncDeps: ProcessDeps;
let processAccount: typeof import('../../shared/use-cases/process-account.ts').processAccount;
const saved = { ...process.env };

beforeAll(async () => {
  openai = await startOpenAiFake();
  // $50 spent three days ago on a $120 grant: balance $70.
  openai.setCosts({ [dayKey(Date.now() - 3 * DAY_MS)]: [{ usd: 50 }] });
  table = await ddb.freshTable('config-edit', { stream: true });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    BURNRATE_TABLE: table,
    BURNRATE_SENDER: 'burnrate@acme.example',
    BURNRATE_OPERATOR_EMAIL: OPERATOR,
    BURNRATE_STAGE: 'test',
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_ADMIN_KEY: openai.adminKey,
  });
  delete process.env.BURNRATE_ALERTS_TOPIC_ARN;
  // The handler reads its environment at module load (cold start), as in Lambda.
  ({ handler } = (await import('../../functions/lambda/config-edit.ts')) as unknown as {
    handler: typeof handler;
  });
  const { processDeps } = await import('../../shared/compose.ts');
  const { parseEnvironment } = await import('../../shared/config/environment.ts');
  ({ processAccount } = await import('../../shared/use-cases/process-account.ts'));
  syncDeps = processDeps(parseEnvironment());
  stream = await openTableStream(ddb.client, ddb.endpoint, table);
});
afterAll(async () => {
  stream?.close();
  await openai?.stop();
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, saved);
});

const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

/** What the stream holds since the last read, and the records the mapping's filter lets through. */
async function readStream() {
  const all = await stream.read();
  return { all, edits: all.filter((r) => passesFilters(r, CONFIG_EDIT_FILTERS)) };
}

/** Invokes the handler as Lambda would; returns its answer and everything it logged. */
async function invoke(records: DynamoDBRecord[]) {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await handler({ Records: records }, context);
    return { result, logs: lines.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const account = (id: string) => ({
  id,
  provider: 'openai',
  recipients: [`finance@${id}.example`],
  lowBalanceUsd: [20],
  expiryWarningDays: [],
  digest: 'off',
});
const grant = { id: 'g1', amountUsd: 120, effectiveAt: new Date(Date.now() - 10 * DAY_MS).toISOString() };

const sortKeys = (records: DynamoDBRecord[]) => records.map((r) => r.dynamodb?.Keys?.sk?.S);
const emailsTo = async (to: string) => (await ses.emails()).filter((e) => e.destination.to.includes(to));

async function alertKeys(id: string): Promise<string[]> {
  const { Items = [] } = await ddb.doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
      ExpressionAttributeValues: { ':pk': accountPk(id), ':a': 'ALERT#' },
    }),
  );
  return Items.map((i) => `${String(i.sk).slice('ALERT#'.length)}=${i.status}`).sort();
}

async function setLowBalance(id: string, value: unknown) {
  await ddb.doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: accountPk(id), sk: CONFIG_SK },
      UpdateExpression: 'SET lowBalanceUsd = :v',
      ExpressionAttributeValues: { ':v': value },
    }),
  );
}

/** Seeds an account, checks its seeding records, and syncs it once (no alert: $70 left, threshold $20). */
async function seededAndSynced(id: string) {
  await seedAccount(ddb.doc, table, account(id), [grant]);
  const seeded = await readStream();
  expect(sortKeys(seeded.edits)).toEqual(['CONFIG', 'GRANT#g1']);
  // An account never synced has no stored costs: its first sync evaluates it, not the edit check.
  const first = await invoke(seeded.edits);
  expect(first.result.batchItemFailures).toEqual([]);
  expect(first.logs).toContain('never-synced');
  const synced = await processAccount(syncDeps, id);
  expect(synced.status).toBe('ok');
  const own = await readStream();
  // The sync's own writes are on the stream, and the filter lets none of them through.
  expect(sortKeys(own.all)).toEqual(
    expect.arrayContaining(['STATE', `COST#${dayKey(Date.now() - 3 * DAY_MS)}`]),
  );
  expect(own.edits).toEqual([]);
  expect(await alertKeys(id)).toEqual([]);
}

describe('a hand edit in the console, checked from the stream within a minute', () => {
  it('a bad edit emails the operator naming the item and field; a lowered threshold already crossed emails the alert; re-runs send nothing twice; no provider request', async () => {
    await seededAndSynced('acme');
    await ses.clear();
    const providerRequests = openai.requests.length;
    const version = async () =>
      (await ddb.doc.send(new GetCommand({ TableName: table, Key: { pk: accountPk('acme'), sk: STATE_SK } })))
        .Item?.version;
    const versionBefore = await version();

    // A bad hand edit: a negative threshold.
    await setLowBalance('acme', [-5]);
    const bad = await readStream();
    expect(sortKeys(bad.edits)).toEqual(['CONFIG']);
    const badRun = await invoke(bad.edits);
    // The operator's to fix (emailed), so not a failure the stream would retry.
    expect(badRun.result.batchItemFailures).toEqual([]);
    expect(badRun.logs).toContain('"fields":["lowBalanceUsd"]');
    const [notice, ...more] = await emailsTo(OPERATOR);
    expect(more).toEqual([]);
    expect(notice?.body.text).toMatch(/account acme: lowBalanceUsd\[0\]: /);
    expect(notice?.body.text).toContain('or an edit that makes its items valid is checked');
    expect(notice?.body.text).toContain('keeps using it as it was at the last good sync');
    // Nothing but the notice was written: the account keeps its last committed state.
    expect(await alertKeys('acme')).toEqual(['operator:invalid-config=sent']);
    expect(await version()).toBe(versionBefore);
    // Redelivered (a retry): the operator is not emailed twice; nor by the scheduled sync meeting it.
    expect((await invoke(bad.edits)).result.batchItemFailures).toEqual([]);
    // The scheduled sync runs on the last good config meanwhile (the alerts go on), still one notice.
    const scheduled = await processAccount(syncDeps, 'acme');
    expect(scheduled.status === 'ok' && scheduled.result.invalidConfig).toEqual([
      expect.stringContaining('lowBalanceUsd[0]'),
    ]);
    expect(await emailsTo(OPERATOR)).toHaveLength(1);
    const syncRequests = openai.requests.length;

    // A notice only a sync that reaches the provider can re-arm (as if the data had gone stale).
    const firedAt = new Date().toISOString();
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk('acme'),
          sk: 'ALERT#operator:stale-data',
          key: 'operator:stale-data',
          kind: 'operator:stale-data',
          status: 'sent',
          firedAt,
        },
      }),
    );
    await readStream(); // the ALERT# write: filtered out like the others

    // The fix sets a threshold above the balance: $70 < $100, so low-balance:100 fires.
    await setLowBalance('acme', [100]);
    const good = await readStream();
    const goodRun = await invoke(good.edits);
    expect(goodRun.result.batchItemFailures).toEqual([]);
    const alerts = await emailsTo('finance@acme.example');
    expect(alerts).toHaveLength(1);
    expect(`${alerts[0]?.subject}\n${alerts[0]?.body.text}`).toMatch(/\$100/);
    // Fired and delivered; the invalid-config notice re-armed (the next bad edit is emailed again),
    // the stale-data one not (no provider was reached).
    expect(await alertKeys('acme')).toEqual(['low-balance:100=sent', 'operator:stale-data=sent']);
    // From the stored costs: the provider was not asked by the edit checks (only by the scheduled
    // sync that ran on the last good config meanwhile: its 2 requests).
    expect(openai.requests.length).toBe(syncRequests);
    expect(syncRequests - providerRequests).toBe(2);

    // The same records again (a retry), then the next scheduled sync: nothing is sent twice.
    expect((await invoke(good.edits)).result.batchItemFailures).toEqual([]);
    const next = await processAccount(syncDeps, 'acme');
    expect(next.status === 'ok' && next.result.due).toEqual([]);
    expect(await alertKeys('acme')).toEqual(['low-balance:100=sent']);
    expect(await emailsTo('finance@acme.example')).toHaveLength(1);
    expect(await emailsTo(OPERATOR)).toHaveLength(1);
  }, 120_000);
});

describe('racing the scheduled sync', () => {
  it('the edit check and a sync started together send each alert exactly once', async () => {
    const ids = ['race-a', 'race-b', 'race-c'];
    for (const id of ids) await seededAndSynced(id);
    await ses.clear();
    for (const id of ids) await setLowBalance(id, [100]);
    const { edits } = await readStream();
    expect(edits).toHaveLength(3);
    const [run] = await Promise.all([invoke(edits), ...ids.map((id) => processAccount(syncDeps, id))]);
    expect(run.result.batchItemFailures).toEqual([]);
    for (const id of ids) {
      expect(await emailsTo(`finance@${id}.example`), id).toHaveLength(1);
      expect(await alertKeys(id)).toEqual(['low-balance:100=sent']);
    }
  }, 120_000);
});

describe('racing the scheduled sync, one interleaving forced', () => {
  it('the edit check commits while a sync waits on the provider: the sync starts over and fires nothing again', async () => {
    await seededAndSynced('race-slow');
    await ses.clear();
    await setLowBalance('race-slow', [100]);
    const { edits } = await readStream();
    // The sync loads the account (with the edited config), then waits on the provider.
    openai.injectFaults([
      { kind: 'slow', ms: 1_500 },
      { kind: 'slow', ms: 1_500 },
    ]);
    const before = openai.requests.length;
    const sync = processAccount(syncDeps, 'race-slow');
    for (let i = 0; i < 100 && openai.requests.length === before; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(openai.requests.length).toBeGreaterThan(before);
    const run = await invoke(edits);
    expect(run.logs).toContain('"due":["low-balance:100"]');
    const outcome = await sync;
    openai.clearFaults();
    // Its first commit failed on the STATE version the check bumped; the second attempt found the key disarmed.
    expect(outcome.status === 'ok' && outcome.result.due).toEqual([]);
    expect(await emailsTo('finance@race-slow.example')).toHaveLength(1);
    expect(await alertKeys('race-slow')).toEqual(['low-balance:100=sent']);
  }, 120_000);
});

describe('CLI edits are handled as hand edits', () => {
  it('`account set` lowering a threshold alerts; `grant add` raising the balance re-arms it', async () => {
    await seededAndSynced('cli');
    await ses.clear();
    const set = await cliInProcess(['account', 'set', 'cli', 'lowBalanceUsd=[100]'], { ...process.env });
    expect(set.code).toBe(0);
    const afterSet = await readStream();
    expect(sortKeys(afterSet.edits)).toEqual(['CONFIG']);
    expect((await invoke(afterSet.edits)).result.batchItemFailures).toEqual([]);
    expect(await emailsTo('finance@cli.example')).toHaveLength(1);
    expect(await alertKeys('cli')).toEqual(['low-balance:100=sent']);

    const add = await cliInProcess(
      [
        'grant',
        'add',
        '--account',
        'cli',
        '--amount',
        '500',
        '--effective',
        new Date(Date.now() - DAY_MS).toISOString(),
        '--id',
        'g2',
      ],
      { ...process.env },
    );
    expect(add.code, add.stderr).toBe(0);
    const afterAdd = await readStream();
    expect(sortKeys(afterAdd.edits)).toEqual(['GRANT#g2']);
    const run = await invoke(afterAdd.edits);
    expect(run.logs).toContain('"rearmed":["low-balance:100"]');
    // $570 left: re-armed (it fires again if the balance falls below $100), nothing emailed.
    expect(await alertKeys('cli')).toEqual([]);
    expect(await emailsTo('finance@cli.example')).toHaveLength(1);
  }, 120_000);
});

describe('other edits', () => {
  it('a deleted grant is checked too: the balance it leaves crosses the threshold and alerts', async () => {
    await seedAccount(ddb.doc, table, { ...account('shrunk'), lowBalanceUsd: [100] }, [
      grant,
      { id: 'g2', amountUsd: 100, effectiveAt: grant.effectiveAt },
    ]);
    await readStream();
    expect((await processAccount(syncDeps, 'shrunk')).status).toBe('ok');
    await readStream();
    await ses.clear();
    // $170 left before; the console's "delete item" on the $100 grant leaves $70.
    await ddb.doc.send(
      new DeleteCommand({ TableName: table, Key: { pk: accountPk('shrunk'), sk: 'GRANT#g2' } }),
    );
    const { edits } = await readStream();
    expect(edits.map((r) => `${r.eventName} ${r.dynamodb?.Keys?.sk?.S}`)).toEqual(['REMOVE GRANT#g2']);
    const run = await invoke(edits);
    expect(run.logs).toContain('"fields":["amountUsd","effectiveAt","id"]');
    expect(await emailsTo('finance@shrunk.example')).toHaveLength(1);
    expect(await alertKeys('shrunk')).toEqual(['low-balance:100=sent']);
  }, 120_000);

  it('a disabled account is left alone, as the sync leaves it (a bad edit there is not reported)', async () => {
    await seedAccount(ddb.doc, table, { ...account('off'), enabled: false, lowBalanceUsd: [-1] }, [grant]);
    await ses.clear();
    const { edits } = await readStream();
    const run = await invoke(edits);
    expect(run.result.batchItemFailures).toEqual([]);
    expect(run.logs).toContain('"reason":"disabled"');
    expect(await ses.emails()).toEqual([]);
    expect(await alertKeys('off')).toEqual([]);
  }, 60_000);
});

describe('the emails of an edit check', () => {
  it('name projects as the sync does: the provider names the upkeep listed', async () => {
    const day = dayKey(Date.now() - 3 * DAY_MS);
    openai.setCosts({ [day]: [{ projectId: 'proj_search', usd: 50 }] });
    try {
      await seedAccount(ddb.doc, table, account('named'), [grant]);
      await ddb.doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: accountPk('named'),
            sk: 'PROJECTS',
            listedAt: new Date().toISOString(),
            projects: { proj_search: { name: 'Search API', status: 'active', archived: false } },
          },
        }),
      );
      expect((await processAccount(syncDeps, 'named')).status).toBe('ok');
      await readStream();
      await ses.clear();
      await setLowBalance('named', [100]);
      const { edits } = await readStream();
      expect((await invoke(edits)).result.batchItemFailures).toEqual([]);
      const [email, ...more] = await emailsTo('finance@named.example');
      expect(more).toEqual([]);
      expect(email?.body.text).toContain('Search API');
    } finally {
      openai.setCosts({ [day]: [{ usd: 50 }] });
    }
  }, 60_000);
});
