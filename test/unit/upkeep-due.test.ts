import { describe, expect, it } from 'vitest';
import type { AccountItems } from '../../shared/ports.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { projectNames, unknownProjectIds } from '../../shared/use-cases/project-names.ts';
import { upkeepDue } from '../../shared/use-cases/upkeep-account.ts';

const config = parseAccountConfig({
  id: 'acme',
  provider: 'openai',
  recipients: ['ops@acme.example'],
  hardLimitUsd: 1000,
  projects: { proj_abc: { hardLimitUsd: 250 } },
});
const at = (iso: string) => Date.parse(iso);
const items = (over: Partial<AccountItems> = {}): AccountItems => ({
  accountId: 'acme',
  grants: [],
  costs: [],
  alerts: [],
  ...over,
});
const checked = {
  version: 2,
  settings: { organization: 100_000, projects: { proj_abc: 25_000 } },
  checkedAt: '2026-11-24T00:10:00.000Z',
  projects: {},
};
const listed = { listedAt: '2026-11-24T00:10:00.000Z', projects: {} };

describe('upkeepDue: when the upkeep does provider work', () => {
  it('everything on a first run', () => {
    expect(upkeepDue(items(), config, at('2026-11-24T00:10:00Z'))).toEqual({ names: true, limits: true });
  });

  it('nothing again the same UTC day; both on the next', () => {
    const done = items({ limits: checked, projects: listed });
    expect(upkeepDue(done, config, at('2026-11-24T23:59:59Z'))).toEqual({ names: false, limits: false });
    expect(upkeepDue(done, config, at('2026-11-25T00:00:00Z'))).toEqual({ names: true, limits: true });
  });

  it('limits (not names) after the hard-limit settings change, after a failure, and with an open intent', () => {
    const now = at('2026-11-24T12:00:00Z');
    const changed = parseAccountConfig({ ...config, hardLimitUsd: 900 });
    expect(upkeepDue(items({ limits: checked, projects: listed }), changed, now)).toEqual({
      names: false,
      limits: true,
    });
    const removed = parseAccountConfig({ ...config, projects: { proj_abc: {} } });
    expect(upkeepDue(items({ limits: checked, projects: listed }), removed, now).limits).toBe(true);
    expect(
      upkeepDue(items({ limits: { ...checked, retry: true }, projects: listed }), config, now).limits,
    ).toBe(true);
    const intent = { at: '2026-11-24T00:10:00.000Z', writes: [] };
    expect(upkeepDue(items({ limits: { ...checked, intent }, projects: listed }), config, now).limits).toBe(
      true,
    );
  });

  it('a change elsewhere in the config item (a budget, a name) does not make limits due', () => {
    const other = parseAccountConfig({
      ...config,
      monthlyBudgetUsd: 300,
      projects: { proj_abc: { name: 'S', hardLimitUsd: 250 } },
    });
    expect(
      upkeepDue(items({ limits: checked, projects: listed }), other, at('2026-11-24T12:00:00Z')).limits,
    ).toBe(false);
  });
});

describe('project names and unknown ids', () => {
  const listing = {
    listedAt: '2026-11-24T00:10:00.000Z',
    projects: {
      proj_search: { name: 'Search', status: 'active', archived: false },
      proj_batch: { name: 'Batch jobs', status: 'active', archived: false },
      proj_old: { name: 'Old', status: 'archived', archived: true },
    },
  };

  it('projectNames maps every listed id, archived ones too, to its name; nothing before a listing', () => {
    expect(projectNames({ projects: listing })).toEqual(
      new Map([
        ['proj_search', 'Search'],
        ['proj_batch', 'Batch jobs'],
        ['proj_old', 'Old'],
      ]),
    );
    expect(projectNames({})).toEqual(new Map());
  });

  it('names each configured id the provider does not list with the nearest listed id', () => {
    expect(unknownProjectIds(['proj_search', 'proj_bacth', 'proj_serch'], listing)).toEqual([
      { id: 'proj_bacth', nearest: 'proj_batch' },
      { id: 'proj_serch', nearest: 'proj_search' },
    ]);
    expect(unknownProjectIds(['proj_x'], undefined)).toBeUndefined();
  });
});
