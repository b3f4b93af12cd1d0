import { describe, expect, it } from 'vitest';
import {
  guardFor,
  parseAccountConfig,
  projectName,
  projectPolicies,
} from '../../shared/schemas/account-config.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';

const base = { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] } as const;

function problems(raw: unknown): string[] {
  try {
    parseAccountConfig(raw);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  return [];
}

describe('projects, hardLimitUsd and guard on the config item', () => {
  it("accepts the issue's example, an entry with only a name, and Anthropic's default workspace", () => {
    const config = parseAccountConfig({
      ...base,
      hardLimitUsd: 1000,
      projects: {
        proj_abc: {
          name: 'Search',
          monthlyBudgetUsd: 200,
          budgetAlertPercents: [80, 100],
          forecastAlert: true,
          recipients: ['search-lead@acme.example'],
          hardLimitUsd: 250,
        },
        proj_named: { name: 'Only a name' },
        default: { monthlyBudgetUsd: 50 },
      },
    });
    expect(config.hardLimitUsd).toBe(1000);
    expect(Object.keys(config.projects ?? {})).toEqual(['proj_abc', 'proj_named', 'default']);
  });

  it('names every bad field, inside projects too, and the bad key itself', () => {
    expect(
      problems({
        ...base,
        hardLimitUsd: 0,
        guard: { mode: 'always', headroomUsd: -1 },
        projects: {
          'proj abc': {},
          proj_a: { monthlyBudgetUsd: -5, recipients: [], colour: 'red', guard: { mode: 'x' } },
          proj_b: 7,
        },
      }),
    ).toEqual([
      'account acme: hardLimitUsd: expected a positive number, got 0',
      'account acme: projects.proj abc: expected a project or workspace id such as proj_abc, wrkspc_01ab or default, got "proj abc"',
      'account acme: projects.proj_a.monthlyBudgetUsd: expected a positive number, got -5',
      'account acme: projects.proj_a.recipients: expected at least one email address, got []',
      'account acme: projects.proj_a.guard.mode: expected "off", "approve" or "auto", got "x"',
      'account acme: projects.proj_a.colour: unknown field',
      'account acme: projects.proj_b: expected an object such as { "name": "Search", "monthlyBudgetUsd": 200 }, got 7',
      'account acme: guard.mode: expected "off", "approve" or "auto", got "always"',
      'account acme: guard.headroomUsd: expected a positive number, got -1',
    ]);
    expect(problems({ ...base, projects: [] })).toEqual([
      'account acme: projects: expected an object keyed by project id, such as { "proj_abc": { "monthlyBudgetUsd": 200 } }, got []',
    ]);
    // Dots are refused so that `account set projects.<id>.field=…` is never ambiguous.
    expect(problems({ ...base, projects: { 'proj.a': {} } })[0]).toContain(
      'projects.proj.a: expected a project',
    );
  });

  it('projects inherit budgetAlertPercents and forecastAlert from the account unless they set their own', () => {
    const config = parseAccountConfig({
      ...base,
      budgetAlertPercents: [90],
      forecastAlert: false,
      projects: {
        proj_b: { monthlyBudgetUsd: 10, forecastAlert: true },
        proj_a: { budgetAlertPercents: [50, 50, 100] },
      },
    });
    expect(projectPolicies(config)).toEqual([
      {
        id: 'proj_a',
        name: undefined,
        monthlyBudgetUsd: undefined,
        budgetAlertPercents: [50, 100],
        forecastAlert: false,
        recipients: [],
        hardLimitUsd: undefined,
      },
      {
        id: 'proj_b',
        name: undefined,
        monthlyBudgetUsd: 10,
        budgetAlertPercents: [90],
        forecastAlert: true,
        recipients: [],
        hardLimitUsd: undefined,
      },
    ]);
    expect(projectPolicies(parseAccountConfig(base))).toEqual([]);
  });

  it('the guard is off by default; a project overrides the account field by field', () => {
    const off = parseAccountConfig(base);
    expect(guardFor(off, 'proj_x')).toEqual({ mode: 'off', headroomUsd: 5 });
    const config = parseAccountConfig({
      ...base,
      guard: { mode: 'approve', headroomUsd: 20 },
      projects: {
        proj_auto: { guard: { mode: 'auto' } },
        proj_off: { guard: { mode: 'off', headroomUsd: 1 } },
      },
    });
    expect(guardFor(config, 'proj_auto')).toEqual({ mode: 'auto', headroomUsd: 20 });
    expect(guardFor(config, 'proj_off')).toEqual({ mode: 'off', headroomUsd: 1 });
    expect(guardFor(config, 'proj_unlisted')).toEqual({ mode: 'approve', headroomUsd: 20 });
    expect(parseAccountConfig({ ...base, guard: {} }).guard).toEqual({ mode: 'off', headroomUsd: 5 });
  });

  it("a project's name is its config name, else the provider's, else its id", () => {
    const config = parseAccountConfig({ ...base, projects: { proj_a: { name: 'Search' }, proj_b: {} } });
    expect(projectName(config, 'proj_a', 'search-prod')).toBe('Search');
    expect(projectName(config, 'proj_b', 'Batch jobs')).toBe('Batch jobs');
    expect(projectName(config, 'proj_c')).toBe('proj_c');
  });
});
