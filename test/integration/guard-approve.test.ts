import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoUsedTokens } from '../../shared/guard/dynamo-used-tokens.ts';
import { GuardUseCase } from '../../shared/guard/guard-use-case.ts';
import { handleGuardRequest } from '../../shared/guard/handler.ts';
import { guardLinks } from '../../shared/guard/links.ts';
import { type LocalGuardServer, startGuardServer } from '../../shared/guard/local-server.ts';
import { StaticSigningKey } from '../../shared/guard/signing-key.ts';
import { signingKeyBytes } from '../../shared/guard/token.ts';
import { accountPk } from '../../shared/store/keys.ts';
import { proposeIncident } from '../../shared/use-cases/guard-proposal.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import {
  GUARD_SETUPS,
  type GuardFake,
  guardDepsFor,
  limitsOf,
  loopRows,
  seedGuardCosts,
  startGuardFake,
} from '../support/guard-setup.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * `approve` mode end to end: the approval page served over HTTP by the real handler and the real
 * guard use case, on DynamoDB Local and the fake provider. Opening the link changes nothing; the
 * button freezes; the result page's Undo releases.
 */
const ddb = useDynamoDbLocal();
const SECRET = 'approve-test-signing-key-0123456789abcdef';
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const CASES = GUARD_SETUPS.filter((s) => s.name !== 'anthropic with the beta').flatMap((s) =>
  MODES.map((mode) => ({ ...s, mode })),
);

describe.each(CASES)('approve mode through the page ($name, $mode)', (s) => {
  let fake: GuardFake;
  let table: string;
  let server: LocalGuardServer;
  let now = T('15:45');
  const incident = `guard:${s.project}:2026-11-24`;
  const writes = () => fake.requests.filter((r) => r.method !== 'GET');
  const partition = async () =>
    (
      await ddb.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': accountPk('acme') },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const press = (token: string, action: 'freeze' | 'release') =>
    fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ t: token, action }).toString(),
    });
  const tokenOf = (url: string) => new URL(url).searchParams.get('t') as string;

  beforeEach(async () => {
    now = T('15:45');
    fake = await startGuardFake(s, s.mode, () => now);
    fake.setUsage(loopRows(s, T('15:20'), T('15:35')));
    table = await ddb.freshTable('approve');
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: s.provider,
      name: 'Acme production',
      recipients: ['ops@acme.example'],
      projects: { [s.project]: { name: 'Search', guard: { mode: 'approve' } } },
    });
    await seedGuardCosts(ddb.doc, table, 'acme', s.project);
    const deps = guardDepsFor(s, fake, ddb.doc, table, () => new Date(now));
    await proposeIncident(deps, {
      accountId: 'acme',
      current: undefined,
      target: {
        projectId: s.project,
        incident,
        mode: 'approve',
        hourStart: T('15:00'),
        hourSpendMicros: 30_000_000,
      },
      monthToDateMicros: 50_200_000,
      headroomUsd: 5,
      at: new Date(T('15:30')).toISOString(),
      projectName: 'Search',
    });
    server = await startGuardServer((req) =>
      handleGuardRequest(req, {
        key: new StaticSigningKey(SECRET, 'test'),
        usedTokens: new DynamoUsedTokens(ddb.doc, table),
        actions: new GuardUseCase(deps),
        now: () => new Date(now),
      }),
    );
  });
  afterEach(async () => {
    await server.stop();
    await fake.stop();
  });

  it('does nothing until the button: GETs and HEADs of the link write nothing and ask the provider nothing; the POST freezes, Undo releases', async () => {
    const links = guardLinks(
      { accountId: 'acme', projectId: s.project, incident, baseUrl: server.url, now: new Date(T('15:30')) },
      signingKeyBytes(SECRET, 'test'),
    );
    const before = await partition();
    for (const method of ['GET', 'HEAD', 'GET']) {
      const page = await fetch(links.freeze, { method });
      expect(page.status).toBe(200);
      if (method === 'GET') {
        const html = await page.text();
        expect(html).toContain('Freeze Search now?');
        expect(html).toContain('$30.00');
      }
    }
    expect(fake.requests).toHaveLength(0);
    expect(await partition()).toEqual(before);

    const result = await press(tokenOf(links.freeze), 'freeze');
    expect(result.status).toBe(200);
    const html = await result.text();
    expect(html).toContain('Search is frozen');
    if (s.lever === 'limit') {
      expect(html).toContain(
        'Frozen Search at $55.20 (hard limit); requests now get 429 project_spend_limit_exceeded',
      );
      const have = await limitsOf(s, fake).get({ type: 'project', id: s.project });
      expect(have).toMatchObject({ state: 'set', thresholdCents: 5_520 });
    } else {
      expect(html).toContain('2 API key(s) switched off');
    }
    const written = writes().length;
    expect(written).toBe(s.lever === 'limit' ? 1 : 2);

    // The result page's Undo: a fresh single-use link of its own.
    const undo = /name="t" value="([^"]+)"><input type="hidden" name="action" value="release"/.exec(
      html,
    )?.[1];
    expect(undo).toBeDefined();
    now = T('16:10');
    const released = await press((undo as string).replaceAll('&#39;', "'"), 'release');
    expect(released.status).toBe(200);
    expect(await released.text()).toContain('Search is released');
    if (s.lever === 'limit')
      expect(await limitsOf(s, fake).get({ type: 'project', id: s.project })).toEqual({ state: 'none' });
    else expect('apiKeyStatus' in fake && fake.apiKeyStatus('apikey_loop1')).toBe('active');

    // The freeze link is used up and says where the project stands now; pressing it again writes nothing.
    const again = await press(tokenOf(links.freeze), 'freeze');
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('Search was released');
    const audit = (await partition()).filter((i) => String(i.sk).startsWith('AUDIT#')).map((i) => i.action);
    expect(audit.sort()).toEqual(['guard-applied', 'guard-approved', 'guard-proposed', 'guard-released']);
  });
});
