import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../shared/local/fakes/anthropic-fake.ts';
import { startOpenAiFake } from '../../shared/local/fakes/openai-fake.ts';
import type { DoctorReport } from '../../shared/use-cases/doctor.ts';
import type { ProjectList } from '../../shared/use-cases/list-projects.ts';
import { cliInProcess } from '../support/cli-in-process.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
const DAY = 86_400_000;
const NOW = '2026-11-24T09:00:00Z';

/**
 * The CLI over the upkeep's items, against DynamoDB Local and the OpenAI fake: `run` lists names
 * and keeps limits before it syncs; `project list` shows them; `account check` and `doctor` name a
 * configured project id the provider does not list, with the nearest listed id.
 */
describe.each(MODES)('project list, account check and doctor (%s)', (mode) => {
  let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
  let table: string;
  const env = () => ({
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BURNRATE_TABLE: table,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_ADMIN_KEY: fake.adminKey,
  });
  const cli = (...args: string[]) => cliInProcess(args, env());

  beforeEach(async () => {
    fake = await startOpenAiFake({ mode });
    fake.setProjects([
      { id: 'proj_D3fau1tPr0ject', name: 'Default project' },
      { id: 'proj_search', name: 'Search' },
      { id: 'proj_batch', name: 'Batch jobs' },
      { id: 'proj_0ld', name: 'Old experiments', archived: true },
    ]);
    const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
    for (let i = 1; i <= 23; i++)
      costs[new Date(Date.parse('2026-11-24T00:00:00Z') - i * DAY).toISOString().slice(0, 10)] = [
        { projectId: 'proj_search', usd: 6 },
        { projectId: 'proj_batch', usd: 4 },
      ];
    fake.setCosts(costs);
    table = await ddb.freshTable('projcli');
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      recipients: ['ops@acme.example'],
      hardLimitUsd: 1000,
      projects: {
        proj_search: { name: 'Search (ours)', monthlyBudgetUsd: 200, hardLimitUsd: 250 },
        proj_bacth: { monthlyBudgetUsd: 50 },
      },
    });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('run keeps the limits first; project list shows names, figures and the limits as read', async () => {
    const run = await cli('run', '--now', NOW, '--json');
    expect(run.stderr).not.toContain('sk-admin');
    const [outcome] = JSON.parse(run.stdout) as Array<{ upkeep: { raised: string[]; unknown: string[] } }>;
    expect(outcome?.upkeep.raised.sort()).toEqual([
      'hard-limit:1795510800:100000:none',
      'project-hard-limit:proj_search:1795510800:25000:none',
    ]);
    expect(outcome?.upkeep.unknown).toEqual([]); // proj_bacth has no hardLimitUsd: nothing to keep
    expect(fake.spendLimitOf('proj_search')?.cents).toBe(25_000);

    const json = await cli('project', 'list', '--account', 'acme', '--json');
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as ProjectList;
    const search = list.rows.find((r) => r.id === 'proj_search');
    // Nov 1..23 at $6 a day: $138; forecast $138 + 7 × $6 (the 7 days Nov 24..30, today's $0 estimate) = $180.
    expect(search).toMatchObject({
      name: 'Search (ours)',
      status: 'active',
      configured: true,
      monthToDateUsd: 138,
      budgetUsd: 200,
      forecastUsd: 180,
      hardLimit: {
        keptUsd: 250,
        providerUsd: 250,
        enforcement: 'enforcing',
        readAt: '2026-11-24T09:00:00.000Z',
      },
    });
    expect(list.rows.find((r) => r.id === 'proj_batch')).toMatchObject({
      name: 'Batch jobs',
      monthToDateUsd: 92,
    });
    expect(list.rows.find((r) => r.id === 'proj_0ld')).toMatchObject({ status: 'archived' });
    expect(list.rows.find((r) => r.id === 'proj_bacth')).toMatchObject({
      status: 'not listed',
      configured: true,
    });
    expect(list.organization).toMatchObject({ keptUsd: 1000, providerUsd: 1000 });

    // status shows names: the config's own wins over the provider's.
    const status = await cli('status');
    expect(status.stdout).toContain(
      'acme by project on 2026-11-23: Search (ours) (proj_search) $6.00, Batch jobs (proj_batch) $4.00',
    );
    const statusJson = JSON.parse((await cli('status', '--json')).stdout) as Array<{
      projectNames: Record<string, string>;
    }>;
    expect(statusJson[0]?.projectNames).toMatchObject({ proj_search: 'Search', proj_batch: 'Batch jobs' });

    const text = await cli('project', 'list', '--account', 'acme');
    expect(text.stdout).toMatch(
      /proj_search\s+Search \(ours\)\s+active\s+\$138\.00\s+\$200\.00\s+\$180\.00\s+\$250\.00\s+enforcing\s+\$250\.00/,
    );
    expect(text.stdout).toContain(
      'organization hard limit: $1,000.00 (enforcing), kept at $1,000.00 by burnrate',
    );

    // Changed behind burnrate's back: the stored reading still says $250; --live reads $300 now.
    fake.setSpendLimit('proj_search', 30_000);
    const live = JSON.parse(
      (await cli('project', 'list', '--account', 'acme', '--json', '--live')).stdout,
    ) as ProjectList;
    expect(live.rows.find((r) => r.id === 'proj_search')?.hardLimit.providerUsd).toBe(300);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2); // --live never writes
  });

  it('account check and doctor name a configured id the provider does not list, with the nearest id', async () => {
    await cli('run', '--now', NOW);
    const check = await cli('account', 'check');
    expect(check.code).toBe(2);
    expect(check.stdout).toContain(
      'account acme: projects.proj_bacth: not a project of this organization as the provider lists them (did you mean proj_batch?)',
    );
    const doctor = await cli('doctor', '--account', 'acme', '--json');
    const report = JSON.parse(doctor.stdout) as DoctorReport;
    const projects = report.checks.find((c) => c.id === 'projects');
    expect(projects).toMatchObject({ status: 'fail', account: 'acme' });
    expect(projects?.summary).toContain('projects.proj_bacth: not a project of this organization');
    expect(projects?.summary).toContain('did you mean proj_batch?');
    const limits = report.checks.find((c) => c.id === 'spend-limits');
    expect(limits?.status).toBe('pass');
    expect(limits?.details).toEqual([
      'organization: provider $1,000.00 (enforcing), config $1,000.00: in step',
      'project Search (ours) (proj_search): provider $250.00 (enforcing), config $250.00: in step',
    ]);
    expect(doctor.stdout + doctor.stderr).not.toContain(fake.adminKey);
  });
});

describe('doctor on Anthropic without the spend-limits beta', () => {
  it('is ✗ for a configured hardLimitUsd, saying to set it in the Console; no hardLimitUsd: no failure', async () => {
    const fake = await startAnthropicFake({ mode: 'live' }); // spendLimits: 'forbidden' by default
    try {
      const table = await ddb.freshTable('nobeta');
      const account = { id: 'claude', provider: 'anthropic', recipients: ['ops@acme.example'] };
      await seedAccount(ddb.doc, table, { ...account, hardLimitUsd: 500 });
      await seedAccount(ddb.doc, table, { ...account, id: 'claude-nolimit' });
      const env = {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        BURNRATE_TABLE: table,
        ANTHROPIC_BASE_URL: fake.baseUrl,
        ANTHROPIC_ADMIN_KEY: fake.adminKey,
      };
      const report = JSON.parse((await cliInProcess(['doctor', '--json'], env)).stdout) as DoctorReport;
      const limits = (id: string) => report.checks.find((c) => c.id === 'spend-limits' && c.account === id);
      expect(limits('claude')).toMatchObject({ status: 'fail', ok: false });
      expect(limits('claude')?.summary).toContain('the key cannot manage the hard limits of organization');
      expect(limits('claude')?.summary).toContain('set it in the Console');
      expect(limits('claude')?.fix).toContain('Claude Console (Settings → Limits)');
      expect(limits('claude-nolimit')?.ok).toBe(true);
    } finally {
      await fake.stop();
    }
  });
});
