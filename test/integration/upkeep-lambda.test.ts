import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let table: string;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await startOpenAiFake({ mode: 'live' });
  fake.setProjects([{ id: 'proj_search', name: 'Search' }]);
  table = await ddb.freshTable('upkeep-fn');
  const base = { recipients: ['ops@acme.example'], hardLimitUsd: 100 };
  await seedAccount(ddb.doc, table, { id: 'a-openai', provider: 'openai', ...base });
  // No ANTHROPIC_ADMIN_KEY in this environment: this account's upkeep fails.
  await seedAccount(ddb.doc, table, { id: 'b-anthropic', provider: 'anthropic', ...base });
  await seedAccount(ddb.doc, table, { id: 'c-openai', provider: 'openai', ...base, enabled: false });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: table,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_ADMIN_KEY: fake.adminKey,
    BURNRATE_STAGE: 'test',
  });
  delete process.env.ANTHROPIC_ADMIN_KEY;
  delete process.env.BURNRATE_SENDER;
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, saved);
  await fake.stop();
});

const context = (remainingMs: number) =>
  ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

describe('the upkeep Lambda handler (hourly)', () => {
  it('works through every enabled account; one failing account never holds back the others', async () => {
    vi.resetModules();
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { handler } = await import('../../functions/lambda/upkeep.ts');
      expect(await handler({}, context(600_000))).toEqual({
        accounts: 2,
        done: 1,
        notDue: 0,
        failed: 1,
        deferred: 0,
      });
      expect(fake.spendLimitOf('organization')?.cents).toBe(10_000);
      const emf = stdout.mock.calls.map(([line]) => String(line)).find((l) => l.includes('"_aws"'));
      expect(emf).toContain('"UpkeepFailed":1');
      // The next hour: nothing is due for the account that is done; the failing one tries again.
      expect(await handler({}, context(600_000))).toMatchObject({ done: 0, notDue: 1, failed: 1 });
      // With too little time left no account is started: they stay due for the next run.
      expect(await handler({}, context(30_000))).toMatchObject({ deferred: 2 });
    } finally {
      stdout.mockRestore();
    }
  });
});
