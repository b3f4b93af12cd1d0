import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { guardLinkMaker } from '../../shared/guard/compose-guard.ts';
import { DynamoUsedTokens } from '../../shared/guard/dynamo-used-tokens.ts';
import { type GuardDeps, handleGuardRequest } from '../../shared/guard/handler.ts';
import { startLocalGuard } from '../../shared/guard/local-guard.ts';
import { type LocalGuardServer, startGuardServer } from '../../shared/guard/local-server.ts';
import { StaticSigningKey } from '../../shared/guard/signing-key.ts';
import { issueToken, signingKeyBytes } from '../../shared/guard/token.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { TTL_ATTRIBUTE } from '../../shared/store/table.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { FakeGuardActions, INCIDENT, NOW } from '../support/guard-fakes.ts';

const SECRET = 'integration-signing-key-0123456789-abcdef';
const KEY = signingKeyBytes(SECRET, 'test');
const ddb = useDynamoDbLocal();
let table: string;
let tokens: DynamoUsedTokens;
let actions: FakeGuardActions;
let server: LocalGuardServer;

beforeAll(async () => {
  server = await startGuardServer((req) => {
    const deps: GuardDeps = {
      key: new StaticSigningKey(SECRET, 'test'),
      usedTokens: tokens,
      actions,
      now: () => NOW,
    };
    return handleGuardRequest(req, deps);
  });
});
afterAll(() => server?.stop());
beforeEach(async () => {
  table = await ddb.freshTable('guard');
  // These tests run on a fixed clock in the past (NOW), so a used link's `ttl` (a day past its
  // expiry) is already over by the real clock, and DynamoDB Local, like DynamoDB, deletes such items
  // (within a second here): the single-use record would vanish mid-test. In production the ttl is
  // always a day in the future. So this table keeps its items.
  await ddb.client.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: false },
    }),
  );
  tokens = new DynamoUsedTokens(ddb.doc, table);
  actions = new FakeGuardActions();
});

const link = (action: 'freeze' | 'release' = 'freeze') =>
  issueToken({ accountId: 'acme', projectId: 'proj_search', incident: INCIDENT, action, now: NOW }, KEY);
const partition = async () =>
  (
    await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ACCOUNT#acme' },
      }),
    )
  ).Items ?? [];
const press = (token: string, action = 'freeze') =>
  fetch(`${server.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token, action }).toString(),
  });

describe('single use on DynamoDB Local', () => {
  it('consumes a nonce once with a conditional put: the item holds no token, only what it was and a ttl', async () => {
    const { claims } = link();
    const use = { ...claims, usedAt: '2026-11-24T15:45:00.000Z' };
    expect(await tokens.usedAt('acme', claims.nonce)).toBeUndefined();
    expect(await tokens.consume(use)).toEqual({ consumed: true });
    expect(await tokens.consume({ ...use, usedAt: '2026-11-24T15:46:00.000Z' })).toEqual({
      consumed: false,
      usedAt: '2026-11-24T15:45:00.000Z',
    });
    expect(await tokens.usedAt('acme', claims.nonce)).toBe('2026-11-24T15:45:00.000Z');
    expect(await partition()).toEqual([
      {
        pk: 'ACCOUNT#acme',
        sk: `TOKEN#${claims.nonce}`,
        action: 'freeze',
        projectId: 'proj_search',
        incident: INCIDENT,
        usedAt: '2026-11-24T15:45:00.000Z',
        // A day after the link expires (2026-11-25T15:42:10Z).
        ttl: Date.parse('2026-11-26T15:42:10Z') / 1000,
      },
    ]);
  });

  it('unconsume frees only its own use, and the account store still loads a partition with used links', async () => {
    const { claims } = link();
    await tokens.consume({ ...claims, usedAt: '2026-11-24T15:45:00.000Z' });
    await tokens.unconsume('acme', claims.nonce, '2026-11-24T15:44:00.000Z');
    expect(await tokens.usedAt('acme', claims.nonce)).toBe('2026-11-24T15:45:00.000Z');
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'ACCOUNT#acme', sk: 'GRANT#g', id: 'g', amountUsd: 10, effectiveAt: '2026-11-01' },
      }),
    );
    const loaded = await new DynamoAccountStore(ddb.doc, table).loadAccount('acme');
    expect(loaded.grants).toHaveLength(1);
    await tokens.unconsume('acme', claims.nonce, '2026-11-24T15:45:00.000Z');
    expect(await tokens.usedAt('acme', claims.nonce)).toBeUndefined();
  });
});

describe('the page over HTTP (the server npm start runs), with DynamoDB Local', () => {
  it('GET and HEAD, repeated, write nothing and act on nothing', async () => {
    const { token } = link();
    for (let i = 0; i < 3; i++) {
      const page = await fetch(`${server.url}/?t=${token}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Freeze Search now?');
      const head = await fetch(`${server.url}/?t=${token}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('cache-control')).toBe('no-store');
    }
    expect(await partition()).toEqual([]);
    expect(actions.count('freeze') + actions.count('release')).toBe(0);
  });

  it('ten presses at once: exactly one freezes, the other nine are told the link was already used', async () => {
    const { token } = link();
    const responses = await Promise.all(Array.from({ length: 10 }, () => press(token)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(410)]);
    const pages = await Promise.all(responses.map((r) => r.text()));
    expect(
      pages.filter((p) => p.includes('This link was already used at 2026-11-24 15:42 UTC')),
    ).toHaveLength(9);
    expect(actions.count('freeze')).toBe(1);
    expect((await partition()).map((i) => i.sk)).toEqual([expect.stringMatching(/^TOKEN#/)]);
  });
});

describe('npm start: the local guard page', () => {
  it('generates the key into the state dir, points BURNRATE_GUARD_URL at 127.0.0.1, and verifies the links made with them', async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const env: NodeJS.ProcessEnv = { BURNRATE_TABLE: table, AWS_REGION: 'us-east-1' };
    const lines: string[] = [];
    const local = await startLocalGuard(join(mkdtempSync(join(tmpdir(), 'guard-')), '.burnrate'), env, (l) =>
      lines.push(l),
    );
    try {
      expect(env.BURNRATE_GUARD_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[0]).toContain(`Guard page: ${env.BURNRATE_GUARD_URL}`);
      expect(lines[0]).not.toContain(env.BURNRATE_GUARD_KEY as string);
      const links = await guardLinkMaker(parseEnvironment(env))(
        { accountId: 'acme', projectId: 'proj_search', incident: INCIDENT },
        new Date(),
      );
      expect(links?.freeze.startsWith(`${env.BURNRATE_GUARD_URL}/?t=`)).toBe(true);
      // The link verifies and reaches the wired use case, which knows no such incident here (404).
      const page = await fetch(links?.freeze as string);
      expect(page.status).toBe(404);
      const token = new URL(links?.freeze as string).searchParams.get('t') as string;
      const forged = token.replace(/.(?=\.)/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await fetch(`${env.BURNRATE_GUARD_URL}/?t=${forged}`)).status).toBe(403);
      expect(await partition()).toEqual([]);
    } finally {
      await local.stop();
    }
  });
});
