import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { accountPk, costSk } from '../../shared/store/keys.ts';
import type { GuardTrail } from '../../shared/use-cases/guard-trail.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

/**
 * `burnrate guard freeze|release|list` against DynamoDB Local and the OpenAI fake, on the real clock
 * (as a person runs it): today's stored estimate has Search at $12.34, so a freeze is $17.34.
 */
const ddb = useDynamoDbLocal();

describe.each(MODES)('burnrate guard (openai, %s)', (mode) => {
  let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
  let table: string;
  const cli = (...args: string[]) =>
    cliInProcess(args, {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      BURNRATE_TABLE: table,
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_ADMIN_KEY: fake.adminKey,
    });
  const writes = () => fake.requests.filter((r) => r.method !== 'GET');

  beforeEach(async () => {
    fake = await startOpenAiFake({ mode });
    fake.setProjects([{ id: 'proj_search', name: 'Search (provider)' }]);
    table = await ddb.freshTable('guardcli');
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      recipients: ['ops@acme.example'],
      projects: { proj_search: { name: 'Search' } },
    });
    const today = new Date().toISOString().slice(0, 10);
    await ddb.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: accountPk('acme'),
          sk: costSk(today),
          day: today,
          amountMicros: 12_340_000,
          byScope: { proj_search: 12_340_000 },
          kind: 'estimate',
          fetchedAt: new Date().toISOString(),
        },
      }),
    );
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('freeze --dry-run says what it would do and writes nothing; freeze, list, release', async () => {
    const dry = await cli('guard', 'freeze', '--account', 'acme', '--project', 'proj_search', '--dry-run');
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain("Would set Search's hard monthly limit to $17.34");
    expect(writes()).toHaveLength(0);

    const frozen = await cli('guard', 'freeze', '--account', 'acme', '--project', 'proj_search');
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toContain(
      'frozen: Frozen Search at $17.34 (hard limit); requests now get 429 project_spend_limit_exceeded within minutes.',
    );
    expect(fake.spendLimitOf('proj_search')?.cents).toBe(1_734);

    const list = await cli('guard', 'list', '--account', 'acme');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/project:proj_search\s+approved\s+cli/);
    expect(list.stdout).toMatch(
      /project:proj_search\s+applied\s+cli\s+set Search's hard monthly limit to \$17\.34 \(it had no hard limit\)/,
    );
    expect(list.stdout).toMatch(
      /Search \(proj_search\): Search frozen since \d\d:\d\d UTC at \$17\.34 \(hard limit\)/,
    );

    // status says so until it is released (no sync has run: the FREEZE item alone).
    const status = await cli('status');
    expect(status.stdout).toMatch(/acme: Search frozen since \d\d:\d\d UTC at \$17\.34 \(hard limit\)/);

    const released = await cli('guard', 'release', '--account', 'acme', '--project', 'proj_search');
    expect(released.stdout).toContain('released: Released Search: its hard limit is removed again');
    expect(fake.spendLimitOf('proj_search')).toBeUndefined();
    expect((await cli('status')).stdout).not.toContain('frozen since');
    expect(writes().map((r) => r.method)).toEqual(['POST', 'DELETE']);

    const json = JSON.parse((await cli('guard', 'list', '--account', 'acme', '--json')).stdout) as GuardTrail;
    expect(json.steps.map((s) => s.step)).toEqual(['approved', 'applied', 'released']);
    expect(json.freezes).toEqual([
      expect.objectContaining({
        projectId: 'proj_search',
        status: 'released',
        incident: expect.stringMatching(/^manual:proj_search:\d+$/),
      }),
    ]);
  });

  it('exit 1 when the provider refuses the write, exit 2 for a project burnrate does not know', async () => {
    fake.injectFaults([{ kind: '401' }], '/v1/organization/projects/proj_search/spend_limit', 'POST');
    const refused = await cli('guard', 'freeze', '--account', 'acme', '--project', 'proj_search');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^failed: Freezing Search failed: .*401/);
    const typo = await cli('guard', 'freeze', '--account', 'acme', '--project', 'proj_saerch');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--project proj_saerch: not a project burnrate knows for account acme');
    expect(writes()).toHaveLength(1);
  });
});
