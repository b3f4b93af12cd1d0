import { describe, expect, it } from 'vitest';
import type { CostSource, DailyCost } from '../../shared/ports.ts';
import { type DoctorDeps, formatDoctorReport, runDoctor } from '../../shared/use-cases/doctor.ts';

const NOW = new Date('2026-11-25T10:30:00Z');
const config = { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] };

/** The use case over in-memory ports: the lag and formatting rules, independent of any endpoint. */
function deps(days: DailyCost[], unknownModels: string[] = []): DoctorDeps {
  const source: CostSource = {
    dailyCosts: async () => days,
    usageEstimate: async (range) => ({
      amountMicros: 1_234_567,
      byScope: {},
      byScopeModel: {},
      unknownModels,
      hours: [],
      ...range,
    }),
  };
  return {
    now: () => NOW,
    table: { inspect: async () => ({ exists: true, tableName: 't', status: 'ACTIVE', problems: [] }) },
    store: {
      listAccounts: async () => [{ id: 'acme', enabled: true }],
      loadAccount: async (id) => ({ accountId: id, config, grants: [], costs: [], alerts: [] }),
    },
    keys: {
      adminKey: async () => 'sk-admin-unit',
      location: () => 'environment variable OPENAI_ADMIN_KEY',
      storeHint: () => 'export OPENAI_ADMIN_KEY=<the admin key>',
    },
    costSource: () => source,
    ses: {
      account: async () => ({ answered: false, reason: 'GetAccount: HTTP 404: no such operation' }),
      identity: async () => ({ answered: false, reason: 'GetEmailIdentity: HTTP 404: no such operation' }),
    },
    sender: 'alerts@acme.example',
    operatorEmail: undefined,
  };
}

const day = (d: string, usd: number): DailyCost => ({ day: d, amountMicros: usd * 1e6, byScope: {} });

describe('runDoctor (in-memory ports)', () => {
  it('reports the latest day with spend and its lag; beyond 2 days it warns', async () => {
    const fresh = await runDoctor(deps([day('2026-11-22', 5), day('2026-11-23', 7), day('2026-11-24', 0)]));
    const costs = fresh.checks.find((c) => c.id === 'costs');
    expect(costs?.status).toBe('pass');
    expect(costs?.summary).toContain(
      '$12.00 in all; latest day with spend 2026-11-23, 2 day(s) behind today (2026-11-25)',
    );

    const stale = await runDoctor(deps([day('2026-11-21', 5), day('2026-11-22', 0), day('2026-11-24', 0)]));
    expect(stale.checks.find((c) => c.id === 'costs')).toMatchObject({ status: 'warn', ok: true });

    const idle = await runDoctor(deps([day('2026-11-24', 0)]));
    expect(idle.checks.find((c) => c.id === 'costs')?.summary).toContain('no spend in those days');
  });

  it('warns of unpriced models without failing', async () => {
    const report = await runDoctor(deps([day('2026-11-24', 1)], ['gpt-9']));
    expect(report.checks.find((c) => c.id === 'usage')).toMatchObject({ status: 'warn', ok: true });
  });

  it('prints only the ✗ lines (with account and fix) for npm start, and everything otherwise', async () => {
    const report = await runDoctor(deps([day('2026-11-24', 1)]));
    expect(report.ok).toBe(false); // BURNRATE_OPERATOR_EMAIL unset
    const quiet = formatDoctorReport(report, { only: ['fail'] });
    expect(quiet).toBe(
      '✗ operator: BURNRATE_OPERATOR_EMAIL is not set: nobody hears about invalid config items, rejected keys or stale data\n' +
        '    fix: set BURNRATE_OPERATOR_EMAIL to the operator address (the operatorEmail passed at deploy)\n',
    );
    const full = formatDoctorReport(report);
    expect(full).toContain('✓ admin-key: admin key found in environment variable OPENAI_ADMIN_KEY');
    expect(full).toContain(
      '– sender: sender alerts@acme.example: identity and verification: not answered by this endpoint',
    );
    expect(full).not.toContain('sk-admin-unit');
    expect(full.trimEnd().endsWith('1 check(s) failed')).toBe(true);
    expect(
      formatDoctorReport({ ok: true, checks: report.checks.filter((c) => c.ok) }, { only: ['fail'] }),
    ).toBe('');
  });
});
