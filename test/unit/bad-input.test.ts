import { describe, expect, it } from 'vitest';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { simulateFile } from '../../shared/use-cases/simulate-file.ts';
import { baseAccount } from '../support/scenario.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  throw new Error('expected the input to be rejected');
}

describe('config item: each bad edit is rejected with a message naming the item and the field', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'negative threshold',
      { lowBalanceUsd: [100, -5] },
      'account acme: lowBalanceUsd[1]: expected a positive number, got -5',
    ],
    [
      'threshold as text',
      { lowBalanceUsd: ['100'] },
      'account acme: lowBalanceUsd[0]: expected a positive number, got "100"',
    ],
    [
      'zero budget',
      { monthlyBudgetUsd: 0 },
      'account acme: monthlyBudgetUsd: expected a positive number, got 0',
    ],
    [
      'budget as text',
      { monthlyBudgetUsd: '500' },
      'account acme: monthlyBudgetUsd: expected a positive number, got "500"',
    ],
    ['unknown field', { lowBalance: [5] }, 'account acme: lowBalance: unknown field'],
    [
      'empty recipients',
      { recipients: [] },
      'account acme: recipients: expected at least one email address, got []',
    ],
    [
      'malformed recipient',
      { recipients: ['ops@acme.example', 'not-an-address'] },
      'account acme: recipients[1]: expected an email address, got "not-an-address"',
    ],
    [
      'recipients not a list',
      { recipients: 'ops@acme.example' },
      'account acme: recipients: expected a list of email addresses, got "ops@acme.example"',
    ],
    [
      'unknown burn order',
      { burnOrder: 'newest-first' },
      'account acme: burnOrder: expected "expiring-first" or "oldest-first", got "newest-first"',
    ],
    [
      'unknown provider',
      { provider: 'gemini' },
      'account acme: provider: expected one of "openai", "anthropic", got "gemini"',
    ],
    [
      'forecastAlert as text',
      { forecastAlert: 'yes' },
      'account acme: forecastAlert: expected true or false, got "yes"',
    ],
    [
      'negative runway',
      { lowRunwayDays: -1 },
      'account acme: lowRunwayDays: expected a positive number, got -1',
    ],
    [
      'expiry days not a list',
      { expiryWarningDays: 7 },
      'account acme: expiryWarningDays: expected a list of positive numbers, got 7',
    ],
    [
      'percent negative',
      { budgetAlertPercents: [50, -80] },
      'account acme: budgetAlertPercents[1]: expected a positive number, got -80',
    ],
    [
      'unknown digest setting',
      { digest: 'daily' },
      'account acme: digest: expected "weekly" or "off", got "daily"',
    ],
    ['digest as a boolean', { digest: false }, 'account acme: digest: expected "weekly" or "off", got false'],
    [
      'autoRecharge: toUsd not above belowUsd',
      { autoRecharge: { belowUsd: 20, toUsd: 10 } },
      'account acme: autoRecharge.toUsd: expected a number greater than belowUsd (20), got 10',
    ],
    [
      'autoRecharge: toUsd equal to belowUsd',
      { autoRecharge: { belowUsd: 20, toUsd: 20 } },
      'account acme: autoRecharge.toUsd: expected a number greater than belowUsd (20), got 20',
    ],
    [
      'autoRecharge: both forms',
      { autoRecharge: { belowUsd: 20, toUsd: 100, amountUsd: 50 } },
      'account acme: autoRecharge.amountUsd: expected either toUsd (restore the balance to it) or amountUsd (add a fixed amount), not both, got 50',
    ],
    [
      'autoRecharge: neither form',
      { autoRecharge: { belowUsd: 20 } },
      'account acme: autoRecharge.toUsd: expected toUsd (restore the balance to it) or amountUsd (add a fixed amount), got nothing',
    ],
    [
      'autoRecharge: belowUsd zero',
      { autoRecharge: { belowUsd: 0, toUsd: 100 } },
      'account acme: autoRecharge.belowUsd: expected a positive number, got 0',
    ],
    [
      'autoRecharge: belowUsd missing',
      { autoRecharge: { toUsd: 100 } },
      'account acme: autoRecharge.belowUsd: required field is missing',
    ],
    [
      'autoRecharge: amount as text',
      { autoRecharge: { belowUsd: 20, amountUsd: '50' } },
      'account acme: autoRecharge.amountUsd: expected a positive number, got "50"',
    ],
    [
      'autoRecharge: negative limit',
      { autoRecharge: { belowUsd: 20, amountUsd: 50, monthlyLimitUsd: -1 } },
      'account acme: autoRecharge.monthlyLimitUsd: expected a positive number, got -1',
    ],
    [
      'autoRecharge: amount above the monthly limit',
      { autoRecharge: { belowUsd: 20, amountUsd: 50, monthlyLimitUsd: 40 } },
      'account acme: autoRecharge.monthlyLimitUsd: expected at least one recharge (amountUsd = 50), or the account could never recharge, got 40',
    ],
    [
      'autoRecharge: restore size above the monthly limit',
      { autoRecharge: { belowUsd: 20, toUsd: 100, monthlyLimitUsd: 79.99 } },
      'account acme: autoRecharge.monthlyLimitUsd: expected at least one recharge (toUsd − belowUsd = 80), or the account could never recharge, got 79.99',
    ],
    [
      'autoRecharge: unknown field',
      { autoRecharge: { belowUsd: 20, toUsd: 100, max: 5 } },
      'account acme: autoRecharge.max: unknown field',
    ],
    [
      'autoRecharge: not an object',
      { autoRecharge: true },
      'account acme: autoRecharge: expected an object such as {"belowUsd": 20, "toUsd": 100}, got true',
    ],
  ];

  it('accepts both autoRecharge forms, and a limit equal to one recharge', () => {
    for (const autoRecharge of [
      { belowUsd: 20, toUsd: 100, monthlyLimitUsd: 80 },
      { belowUsd: 20, amountUsd: 50, monthlyLimitUsd: 50 },
      { belowUsd: 0.5, amountUsd: 5 },
    ])
      expect(parseAccountConfig({ ...baseAccount, autoRecharge }).autoRecharge).toEqual(autoRecharge);
  });

  it('a grant id starting with "auto-" is rejected (kept for modelled recharges)', () => {
    const file = {
      account: baseAccount,
      grants: [{ id: 'auto-2026-03-01', amountUsd: 10, effectiveAt: '2026-03-01T00:00:00Z' }],
      costs: [],
      runs: [],
    };
    expect(problemsOf(() => simulateFile(JSON.stringify(file), 'f.json'))).toEqual([
      'simulation file: grants[0].id: ids starting with "auto-" are kept for the recharge grants burnrate models; choose another id, got "auto-2026-03-01"',
    ]);
  });

  it.each(cases)('%s', (_name, edit, message) => {
    expect(problemsOf(() => parseAccountConfig({ ...baseAccount, ...edit }))).toContain(message);
  });

  it('a missing required field', () => {
    const { recipients: _, ...rest } = baseAccount;
    expect(problemsOf(() => parseAccountConfig(rest))).toEqual([
      'account acme: recipients: required field is missing',
    ]);
  });

  it('a bad id is named without trusting it', () => {
    expect(problemsOf(() => parseAccountConfig({ ...baseAccount, id: 'has space' }))[0]).toMatch(
      /^account has space: id: expected an id/,
    );
    expect(problemsOf(() => parseAccountConfig({ ...baseAccount, id: 42 }))[0]).toMatch(
      /^account item: id: /,
    );
  });

  it('applies the spec defaults', () => {
    expect(parseAccountConfig(baseAccount)).toMatchObject({
      burnOrder: 'expiring-first',
      budgetAlertPercents: [50, 80, 100],
      forecastAlert: true,
      lowBalanceUsd: [],
      expiryWarningDays: [30, 7, 1],
      enabled: true,
      digest: 'weekly',
    });
  });
});

describe('simulation file: each bad file is rejected with a message naming the field', () => {
  const grant = { id: 'g1', amountUsd: 100, effectiveAt: '2026-01-01T00:00:00Z' };
  const day = (d: string, amountUsd = 1) => ({
    start: `${d}T00:00:00Z`,
    end: `${nextDay(d)}T00:00:00Z`,
    amountUsd,
  });
  const base = {
    account: baseAccount,
    grants: [grant],
    costs: [day('2026-03-01')],
    runs: ['2026-03-02T00:00:00Z'],
  };
  const run = (file: unknown) => problemsOf(() => simulateFile(JSON.stringify(file), 'f.json'));

  const cases: Array<[string, unknown, string | RegExp]> = [
    [
      'duplicate grant ids',
      { ...base, grants: [grant, { ...grant }] },
      'simulation file: grants[1].id: duplicate grant id "g1" (also grants[0])',
    ],
    [
      'expiry before effect',
      { ...base, grants: [{ ...grant, expiresAt: '2025-12-31T00:00:00Z' }] },
      /grants\[0\]\.expiresAt: must be after effectiveAt/,
    ],
    [
      'expiry equal to effect',
      { ...base, grants: [{ ...grant, expiresAt: grant.effectiveAt }] },
      /grants\[0\]\.expiresAt: must be after effectiveAt/,
    ],
    [
      'zero grant amount',
      { ...base, grants: [{ ...grant, amountUsd: 0 }] },
      'simulation file: grants[0].amountUsd: expected a positive number, got 0',
    ],
    [
      'half a checkpoint',
      { ...base, grants: [{ ...grant, remainingUsd: 5 }] },
      /grants\[0\]\.remainingAsOf: a checkpoint needs both/,
    ],
    [
      'checkpoint before effect',
      { ...base, grants: [{ ...grant, remainingUsd: 5, remainingAsOf: '2025-06-01T00:00:00Z' }] },
      /grants\[0\]\.remainingAsOf: must be at or after effectiveAt/,
    ],
    [
      'negative checkpoint',
      { ...base, grants: [{ ...grant, remainingUsd: -1, remainingAsOf: '2026-02-01T00:00:00Z' }] },
      'simulation file: grants[0].remainingUsd: expected a number >= 0, got -1',
    ],
    [
      'two checkpoint instants',
      {
        ...base,
        grants: [
          { ...grant, remainingUsd: 5, remainingAsOf: '2026-02-01T00:00:00Z' },
          { ...grant, id: 'g2', remainingUsd: 5, remainingAsOf: '2026-02-02T00:00:00Z' },
        ],
      },
      /grants\[1\]\.remainingAsOf: every checkpoint of an account must share one instant/,
    ],
    [
      'grant before T without checkpoint',
      {
        ...base,
        grants: [
          { ...grant, remainingUsd: 5, remainingAsOf: '2026-02-01T00:00:00Z' },
          { ...grant, id: 'g2' },
        ],
      },
      /grants\[1\]\.remainingUsd: grant is effective before the checkpoint instant/,
    ],
    [
      'overlapping buckets',
      {
        ...base,
        costs: [
          day('2026-03-01'),
          { start: '2026-03-01T00:00:00Z', end: '2026-03-03T00:00:00Z', amountUsd: 1 },
        ],
      },
      /costs\[1\]: overlaps costs\[0\]/,
    ],
    [
      'negative cost',
      { ...base, costs: [day('2026-03-01', -2)] },
      'simulation file: costs[0].amountUsd: expected a number >= 0, got -2',
    ],
    [
      'bucket not on day edges',
      { ...base, costs: [{ start: '2026-03-01T06:00:00Z', end: '2026-03-02T06:00:00Z', amountUsd: 1 }] },
      /costs\[0\]: buckets must be whole UTC days/,
    ],
    [
      'bucket ending before it starts',
      { ...base, costs: [{ start: '2026-03-02T00:00:00Z', end: '2026-03-01T00:00:00Z', amountUsd: 1 }] },
      /costs\[0\]\.end: must be after start/,
    ],
    [
      'runs out of order',
      { ...base, runs: ['2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z'] },
      /runs\[1\]: runs must be in non-decreasing order/,
    ],
    [
      'impossible date',
      { ...base, runs: ['2026-02-30T00:00:00Z'] },
      'simulation file: runs[0]: expected an ISO 8601 instant such as 2026-07-01T00:00:00Z, got "2026-02-30T00:00:00Z"',
    ],
    ['unknown top-level field', { ...base, extra: 1 }, 'simulation file: extra: unknown field'],
    [
      'bad account inside the file',
      { ...base, account: { ...baseAccount, lowBalanceUsd: [-5] } },
      'simulation file: account.lowBalanceUsd[0]: expected a positive number, got -5',
    ],
    [
      'unknown grant field',
      { ...base, grants: [{ ...grant, amount: 5 }] },
      'simulation file: grants[0].amount: unknown field',
    ],
    [
      'missing runs',
      { account: baseAccount, grants: [], costs: [] },
      'simulation file: runs: required field is missing',
    ],
  ];

  it.each(cases)('%s', (_name, file, message) => {
    const problems = run(file);
    if (typeof message === 'string') expect(problems).toContain(message);
    else
      expect(
        problems.some((p) => message.test(p)),
        problems.join('\n'),
      ).toBe(true);
  });

  it('not JSON at all', () => {
    expect(problemsOf(() => simulateFile('{"account":', 'f.json'))[0]).toMatch(/^f\.json: not valid JSON/);
  });

  it('accepts the same file with runs in equal order', () => {
    expect(
      simulateFile(JSON.stringify({ ...base, runs: ['2026-03-02T00:00:00Z', '2026-03-02T00:00:00Z'] }), 'f')
        .runs,
    ).toHaveLength(2);
  });
});

function nextDay(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
