import { describe, expect, it } from 'vitest';
import { candidate } from '../../shared/core/alert-keys.ts';
import { retiredKeyTtls } from '../../shared/core/alert-retirement.ts';
import type { AlertRecord } from '../../shared/ports.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import {
  deliveredEverywhere,
  dueGroups,
  groupRecipients,
  groupsAtFire,
} from '../../shared/use-cases/delivery-groups.ts';

const config = parseAccountConfig({
  id: 'acme',
  provider: 'openai',
  recipients: ['ops@acme.example'],
  projects: {
    proj_s: { monthlyBudgetUsd: 100, recipients: ['lead@acme.example'] },
    proj_n: { monthlyBudgetUsd: 100 },
  },
});
const STALE = '2026-11-24T08:50:00.000Z';
const record = (r: Partial<AlertRecord>): AlertRecord => ({
  key: 'project-budget:proj_s:2026-11:80',
  kind: 'project-budget',
  status: 'pending',
  firedAt: '2026-11-24T09:00:00.000Z',
  ...r,
});

describe('recipient groups of a key', () => {
  it('a project key fires for its project’s group only if that project has recipients; account keys for none', () => {
    const budget = (projectId: string) =>
      candidate({ kind: 'project-budget', projectId, month: '2026-11', threshold: 80 });
    expect(groupsAtFire(budget('proj_s'), config)).toEqual({ 'project:proj_s': { status: 'pending' } });
    expect(groupsAtFire(budget('proj_n'), config)).toBeUndefined();
    expect(groupsAtFire(budget('proj_unknown'), config)).toBeUndefined();
    expect(
      groupsAtFire(candidate({ kind: 'budget', month: '2026-11', threshold: 80 }), config),
    ).toBeUndefined();
    expect(groupRecipients(config, 'account')).toEqual(['ops@acme.example']);
    expect(groupRecipients(config, 'project:proj_s')).toEqual(['lead@acme.example']);
    expect(groupRecipients(config, 'project:proj_n')).toBeUndefined();
  });

  it('due: pending, or claimed before the stale instant, per group, account first', () => {
    const groups = { 'project:proj_s': { status: 'pending' as const } };
    expect(dueGroups(record({ groups }), config, STALE)).toEqual(['account', 'project:proj_s']);
    expect(dueGroups(record({ status: 'sent', groups }), config, STALE)).toEqual(['project:proj_s']);
    const fresh = { status: 'claimed' as const, claimedAt: '2026-11-24T08:55:00.000Z', claimToken: 't' };
    const stale = { ...fresh, claimedAt: '2026-11-24T08:45:00.000Z' };
    expect(dueGroups(record({ status: 'sent', groups: { 'project:proj_s': fresh } }), config, STALE)).toEqual(
      [],
    );
    expect(dueGroups(record({ ...fresh, groups: { 'project:proj_s': stale } }), config, STALE)).toEqual([
      'project:proj_s',
    ]);
    // A sent item keeps claimedAt: it is not due however old.
    expect(
      dueGroups(record({ status: 'sent', claimedAt: '2026-01-01T00:00:00.000Z' }), config, STALE),
    ).toEqual([]);
    // An item of an earlier version: the account group alone.
    expect(dueGroups(record({ key: 'budget:2026-11:80', kind: 'budget' }), config, STALE)).toEqual([
      'account',
    ]);
    // A project that lost its recipients is not waited for.
    expect(
      dueGroups(
        record({ status: 'sent', groups: { 'project:proj_n': { status: 'pending' } } }),
        config,
        STALE,
      ),
    ).toEqual([]);
  });

  it('delivered everywhere only when every group it was fired for has it; only then does a retired key get its TTL', () => {
    const pendingLead = record({
      key: 'project-budget:proj_s:2026-10:80',
      status: 'sent',
      groups: { 'project:proj_s': { status: 'pending' } },
    });
    const sentBoth = { ...pendingLead, groups: { 'project:proj_s': { status: 'sent' as const } } };
    expect(deliveredEverywhere(pendingLead, config)).toBe(false);
    expect(deliveredEverywhere(sentBoth, config)).toBe(true);
    expect(deliveredEverywhere({ ...sentBoth, status: 'claimed' }, config)).toBe(false);
    expect(deliveredEverywhere(record({ status: 'sent' }))).toBe(true);
    // Recipients removed since it fired: the account group's delivery is enough (with the config).
    const lost = { ...pendingLead, groups: { 'project:proj_n': { status: 'pending' as const } } };
    expect(deliveredEverywhere(lost, config)).toBe(true);
    expect(deliveredEverywhere(lost)).toBe(false);
    // October's keys retire on Nov 4: the one still due to the lead gets no TTL.
    const at = Date.parse('2026-11-24T09:00:00Z');
    const ttl = (r: AlertRecord) =>
      retiredKeyTtls([{ key: r.key, status: deliveredEverywhere(r, config) ? 'sent' : 'pending' }], [], at);
    expect(ttl(pendingLead)).toEqual([]);
    expect(ttl(sentBoth)).toHaveLength(1);
  });
});
