import { describe, expect, it } from 'vitest';
import { alertMessageSchema } from '../../shared/chat/alert-message.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { CountingMetrics } from '../../shared/metrics/emf-metrics.ts';
import type {
  AlertDeliveryStore,
  AlertPublisher,
  AlertRecord,
  DeliveryGroup,
  GroupDeliveryState,
  Mailer,
  OutgoingEmail,
} from '../../shared/ports.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { SEND_RESERVE_MS } from '../../shared/use-cases/deadline.ts';
import {
  AlertDeliveryError,
  type DeliveryDeps,
  deliverAlerts,
} from '../../shared/use-cases/deliver-alerts.ts';

/**
 * In-memory port fakes: the claim rules here mirror the conditional writes of DynamoAlertStore,
 * per recipient group (the account group's state at the top level, others under `groups`).
 */
class MemoryAlerts implements AlertDeliveryStore {
  readonly items = new Map<string, AlertRecord>();
  private state(key: string, group: DeliveryGroup): GroupDeliveryState | undefined {
    const item = this.items.get(key);
    return group === 'account' ? item : item?.groups?.[group];
  }
  private update(key: string, group: DeliveryGroup, next: GroupDeliveryState) {
    const item = this.items.get(key) as AlertRecord;
    if (group === 'account') {
      const { claimedAt: _c, claimToken: _t, sentAt: _s, messageId: _m, ...rest } = item;
      this.items.set(key, { ...rest, ...next });
    } else this.items.set(key, { ...item, groups: { ...item.groups, [group]: next } });
  }
  async claim(
    _a: string,
    key: string,
    token: string,
    now: string,
    staleBefore: string,
    group: DeliveryGroup = 'account',
  ) {
    const s = this.state(key, group);
    const claimable =
      s && (s.status === 'pending' || (s.status === 'claimed' && (s.claimedAt ?? '') < staleBefore));
    if (!s || !claimable) return false;
    this.update(key, group, { status: 'claimed', claimedAt: now, claimToken: token });
    return true;
  }
  async markSent(
    _a: string,
    key: string,
    token: string,
    messageId: string,
    now: string,
    group: DeliveryGroup = 'account',
  ) {
    if (this.state(key, group)?.claimToken === token)
      this.update(key, group, { status: 'sent', sentAt: now, messageId });
  }
  async release(_a: string, key: string, token: string, group: DeliveryGroup = 'account') {
    if (this.state(key, group)?.claimToken === token) this.update(key, group, { status: 'pending' });
  }
  async raise(_a: string, record: AlertRecord) {
    if (this.items.has(record.key)) return false;
    this.items.set(record.key, record);
    return true;
  }
  async rearm(_a: string, key: string) {
    this.items.delete(key);
  }
}

class MemoryPublisher implements AlertPublisher {
  readonly published: Array<{ body: string; attributes: { accountId: string; kind: string } }> = [];
  failing = false;
  async publish(message: { body: string; attributes: { accountId: string; kind: string } }) {
    if (this.failing)
      throw Object.assign(new Error('User is not authorized to perform SNS:Publish'), {
        name: 'AuthorizationError',
      });
    this.published.push(message);
    return { messageId: `sns-${this.published.length}` };
  }
}

class MemoryMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  failures = 0;
  /** Addresses SES refuses (the sandbox: not verified). */
  readonly refused = new Set<string>();
  async send(email: OutgoingEmail) {
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
    }
    const refused = email.to.filter((a) => this.refused.has(a));
    if (refused.length > 0)
      throw Object.assign(new Error(`Email address is not verified: ${refused.join(', ')}`), {
        name: 'MessageRejected',
      });
    this.sent.push(email);
    return { messageId: `msg-${this.sent.length}` };
  }
}

const config = parseAccountConfig({
  id: 'acme',
  provider: 'openai',
  name: 'Acme',
  recipients: ['ops@acme.example'],
});
const figures = computeFigures({
  grants: [],
  buckets: [],
  burnOrder: 'expiring-first',
  at: Date.parse('2026-11-24T09:00:00Z'),
});
const pending = (key: string, kind: string): AlertRecord => ({
  key,
  kind,
  status: 'pending',
  firedAt: '2026-11-24T09:00:00.000Z',
});

function setup(now = '2026-11-24T09:00:00Z') {
  const alerts = new MemoryAlerts();
  const mailer = new MemoryMailer();
  const publisher = new MemoryPublisher();
  const metrics = new CountingMetrics();
  let token = 0;
  const deps: DeliveryDeps = {
    alerts,
    mailer,
    render: (facts) => ({
      subject: `${facts.alerts.map((a) => a.key).join(',')}`,
      html: '<p>x</p>',
      text: 'x',
    }),
    renderProject: (facts) => ({
      subject: `${facts.projectId}: ${facts.alerts.map((a) => a.key).join(',')}`,
      html: '<p>x</p>',
      text: 'x',
    }),
    sender: 'burnrate@acme.example',
    now: () => new Date(now),
    newToken: () => `t${++token}`,
    claimTimeoutMs: 600_000,
    publisher,
    metrics,
  };
  return { alerts, mailer, publisher, metrics, deps };
}

describe('deliverAlerts', () => {
  it('starts no email without SEND_RESERVE_MS left before the deadline: nothing claimed, the keys stay due', async () => {
    const { alerts, mailer, metrics, deps } = setup();
    const due = [pending('exhausted', 'exhausted')];
    alerts.items.set('exhausted', due[0] as AlertRecord);
    const at = Date.parse('2026-11-24T09:00:00Z');
    const input = { accountId: 'acme', config, figures, pending: due, costs: [] };
    const late = await deliverAlerts(deps, { ...input, deadline: at + SEND_RESERVE_MS - 1 });
    expect(late).toMatchObject({ sent: [], deferred: ['exhausted'], failures: [] });
    expect(alerts.items.get('exhausted')).toEqual(due[0]);
    expect(mailer.sent).toHaveLength(0);
    expect(metrics.get('AlertDeliveryFailed')).toBe(0);
    // With the reserve left it sends, and with nothing due it never complains about the time.
    await expect(deliverAlerts(deps, { ...input, deadline: at + SEND_RESERVE_MS })).resolves.toMatchObject({
      sent: ['exhausted'],
    });
    await expect(deliverAlerts(deps, { ...input, pending: [], deadline: at })).resolves.toMatchObject({
      sent: [],
    });
  });

  it('sends one email for all due keys of an account, and marks each sent with the message id', async () => {
    const { alerts, mailer, deps } = setup();
    const due = [pending('budget:2026-11:50', 'budget'), pending('low-balance:25', 'low-balance')];
    for (const a of due) alerts.items.set(a.key, a);
    const out = await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] });
    expect(out).toMatchObject({ sent: ['budget:2026-11:50', 'low-balance:25'], messageId: 'msg-1' });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ from: 'burnrate@acme.example', to: ['ops@acme.example'] });
    expect([...alerts.items.values()].map((a) => [a.status, a.messageId])).toEqual([
      ['sent', 'msg-1'],
      ['sent', 'msg-1'],
    ]);
  });

  it('a second delivery of the same keys sends nothing', async () => {
    const { alerts, mailer, deps } = setup();
    const due = [pending('exhausted', 'exhausted')];
    alerts.items.set('exhausted', due[0] as AlertRecord);
    await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] });
    const again = await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] });
    expect(again.sent).toEqual([]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('a failed send releases the claims, so the next run sends exactly once', async () => {
    const { alerts, mailer, deps } = setup();
    const due = [pending('exhausted', 'exhausted')];
    alerts.items.set('exhausted', due[0] as AlertRecord);
    mailer.failures = 1;
    const failed = await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] });
    expect(failed.failures?.map((e) => e.message)).toEqual([
      'account acme: 1 due alert(s) not delivered (exhausted): Maximum sending rate exceeded.',
    ]);
    expect(alerts.items.get('exhausted')?.status).toBe('pending');
    await deliverAlerts(deps, {
      accountId: 'acme',
      config,
      figures,
      pending: [...alerts.items.values()],
      costs: [],
    });
    expect(mailer.sent).toHaveLength(1);
  });

  it('takes over a claim left by a dead process only after the claim timeout', async () => {
    const stuck: AlertRecord = {
      ...pending('exhausted', 'exhausted'),
      status: 'claimed',
      claimedAt: '2026-11-24T08:55:00.000Z',
      claimToken: 'dead',
    };
    const early = setup('2026-11-24T09:00:00Z');
    early.alerts.items.set('exhausted', stuck);
    expect(
      (await deliverAlerts(early.deps, { accountId: 'acme', config, figures, pending: [stuck], costs: [] }))
        .sent,
    ).toEqual([]);
    const late = setup('2026-11-24T09:06:00Z');
    late.alerts.items.set('exhausted', stuck);
    expect(
      (await deliverAlerts(late.deps, { accountId: 'acme', config, figures, pending: [stuck], costs: [] }))
        .sent,
    ).toEqual(['exhausted']);
  });

  it('publishes one chat message per delivered key, with its kind, after the email, and counts both', async () => {
    const { alerts, publisher, metrics, deps } = setup();
    const due = [pending('budget:2026-11:50', 'budget'), pending('low-balance:25', 'low-balance')];
    for (const a of due) alerts.items.set(a.key, a);
    const out = await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] });
    expect(publisher.published.map((p) => p.attributes)).toEqual([
      { accountId: 'acme', kind: 'budget', schema: 'burnrate.alert/1' },
      { accountId: 'acme', kind: 'low-balance', schema: 'burnrate.alert/1' },
    ]);
    const bodies = publisher.published.map((p) => alertMessageSchema.parse(JSON.parse(p.body)));
    expect(bodies.map((b) => [b.keys, b.emailMessageId])).toEqual([
      [['budget:2026-11:50'], 'msg-1'],
      [['low-balance:25'], 'msg-1'],
    ]);
    expect(out.messages).toEqual(bodies);
    expect(out.published).toEqual(['budget:2026-11:50', 'low-balance:25']);
    expect([metrics.get('AlertsDelivered'), metrics.get('AlertsPublished')]).toEqual([2, 2]);
  });

  it('a failed send publishes nothing, names the account and keys, counts them, and the retry publishes once', async () => {
    const { alerts, mailer, publisher, metrics, deps } = setup();
    const due = [pending('exhausted', 'exhausted'), pending('runway:7', 'runway')];
    for (const a of due) alerts.items.set(a.key, a);
    mailer.failures = 1;
    const error = (
      await deliverAlerts(deps, {
        accountId: 'acme',
        config,
        figures,
        pending: due,
        costs: [],
      })
    ).failures?.[0];
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect((error as AlertDeliveryError).keys).toEqual(['exhausted', 'runway:7']);
    expect((error as Error).message).toBe(
      'account acme: 2 due alert(s) not delivered (exhausted, runway:7): Maximum sending rate exceeded.',
    );
    expect(metrics.get('AlertDeliveryFailed')).toBe(2);
    expect(publisher.published).toEqual([]);
    const pendingNow = [...alerts.items.values()];
    await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: pendingNow, costs: [] });
    await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: pendingNow, costs: [] });
    expect(mailer.sent).toHaveLength(1);
    expect(publisher.published.map((p) => p.attributes.kind)).toEqual(['exhausted', 'runway']);
    expect(metrics.get('AlertsDelivered')).toBe(2);
  });

  it('a refused chat publish is reported and counted; the keys are marked sent so the email is not repeated', async () => {
    const { alerts, mailer, publisher, metrics, deps } = setup();
    const due = [pending('exhausted', 'exhausted')];
    alerts.items.set('exhausted', due[0] as AlertRecord);
    publisher.failing = true;
    const out = await deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] });
    expect(out.sent).toEqual(['exhausted']);
    expect(out.published).toEqual([]);
    expect(out.publishFailed?.keys).toEqual(['exhausted']);
    expect(out.publishFailed?.error.message).toContain('not authorized to perform SNS:Publish');
    expect(metrics.get('AlertPublishFailed')).toBe(1);
    expect(alerts.items.get('exhausted')?.status).toBe('sent');
    publisher.failing = false;
    await deliverAlerts(deps, {
      accountId: 'acme',
      config,
      figures,
      pending: [...alerts.items.values()],
      costs: [],
    });
    expect(mailer.sent).toHaveLength(1);
    expect(publisher.published).toEqual([]);
  });
});

describe('deliverAlerts per recipient group', () => {
  const projects = parseAccountConfig({
    id: 'acme',
    provider: 'openai',
    name: 'Acme',
    recipients: ['ops@acme.example'],
    projects: {
      proj_s: { name: 'Search', monthlyBudgetUsd: 100, recipients: ['search-lead@acme.example'] },
      proj_b: { name: 'Batch', monthlyBudgetUsd: 100, recipients: ['batch-lead@acme.example'] },
    },
  });
  /** A project key as the sync writes it when the project has recipients. */
  const projectKey = (id: string, p: number): AlertRecord => ({
    ...pending(`project-budget:${id}:2026-11:${p}`, 'project-budget'),
    groups: { [`project:${id}`]: { status: 'pending' } },
  });
  const input = (pendingNow: AlertRecord[]) => ({
    accountId: 'acme',
    config: projects,
    figures,
    pending: pendingNow,
    costs: [],
  });

  it('the account gets every key in one email, each project its own keys; each group is marked; chat once per key', async () => {
    const { alerts, mailer, publisher, deps } = setup();
    const due = [pending('exhausted', 'exhausted'), projectKey('proj_s', 80), projectKey('proj_b', 50)];
    for (const a of due) alerts.items.set(a.key, a);
    const out = await deliverAlerts(deps, input(due));
    expect(mailer.sent.map((m) => [m.to, m.subject])).toEqual([
      [['ops@acme.example'], 'exhausted,project-budget:proj_s:2026-11:80,project-budget:proj_b:2026-11:50'],
      [['batch-lead@acme.example'], 'proj_b: project-budget:proj_b:2026-11:50'],
      [['search-lead@acme.example'], 'proj_s: project-budget:proj_s:2026-11:80'],
    ]);
    expect(out.deliveries?.map((d) => [d.group, d.messageId])).toEqual([
      ['account', 'msg-1'],
      ['project:proj_b', 'msg-2'],
      ['project:proj_s', 'msg-3'],
    ]);
    const s = alerts.items.get('project-budget:proj_s:2026-11:80');
    expect([s?.status, s?.messageId, s?.groups?.['project:proj_s']?.status]).toEqual([
      'sent',
      'msg-1',
      'sent',
    ]);
    expect(s?.groups?.['project:proj_s']?.messageId).toBe('msg-3');
    // Chat: one message per key, with the account group's email, carrying the project.
    expect(publisher.published.map((p) => [p.attributes.kind, JSON.parse(p.body).projectName])).toEqual([
      ['exhausted', undefined],
      ['project-budget', 'Search'],
      ['project-budget', 'Batch'],
    ]);
    const again = await deliverAlerts(deps, input([...alerts.items.values()]));
    expect(again.sent).toEqual([]);
    expect(mailer.sent).toHaveLength(3);
  });

  it("one group's refused email holds back no other; its claims are released and the next run sends it once", async () => {
    const { alerts, mailer, publisher, metrics, deps } = setup();
    const due = [projectKey('proj_s', 80), projectKey('proj_b', 50)];
    for (const a of due) alerts.items.set(a.key, a);
    // The account's group goes first, and SES refuses it: the project leads still get theirs.
    mailer.refused.add('ops@acme.example');
    const first = await deliverAlerts(deps, input(due));
    expect(mailer.sent.map((m) => m.to[0])).toEqual(['batch-lead@acme.example', 'search-lead@acme.example']);
    expect(first.sent.sort()).toEqual([
      'project-budget:proj_b:2026-11:50',
      'project-budget:proj_s:2026-11:80',
    ]);
    expect(first.failures?.map((e) => e.message)).toEqual([
      'account acme: 2 due alert(s) not delivered (project-budget:proj_s:2026-11:80, project-budget:proj_b:2026-11:50): Email address is not verified: ops@acme.example',
    ]);
    expect(metrics.get('AlertDeliveryFailed')).toBe(2);
    // Released for the account group, sent for the project's; no chat message without the account's email.
    expect(alerts.items.get('project-budget:proj_s:2026-11:80')).toMatchObject({
      status: 'pending',
      groups: { 'project:proj_s': { status: 'sent', messageId: 'msg-2' } },
    });
    expect(alerts.items.get('project-budget:proj_s:2026-11:80')?.claimToken).toBeUndefined();
    expect(publisher.published).toEqual([]);

    mailer.refused.clear();
    mailer.refused.add('batch-lead@acme.example');
    const second = await deliverAlerts(deps, input([...alerts.items.values()]));
    expect(second.deliveries?.map((d) => [d.group, d.keys])).toEqual([
      ['account', ['project-budget:proj_s:2026-11:80', 'project-budget:proj_b:2026-11:50']],
    ]);
    expect(second.failures).toEqual([]);
    await deliverAlerts(deps, input([...alerts.items.values()]));
    expect(mailer.sent.map((m) => m.to[0])).toEqual([
      'batch-lead@acme.example',
      'search-lead@acme.example',
      'ops@acme.example',
    ]);
    expect(publisher.published).toHaveLength(2);
  });

  it('a project group refused after another went out: only it is retried, once', async () => {
    const { alerts, mailer, deps } = setup();
    const due = [projectKey('proj_s', 80), projectKey('proj_b', 50)];
    for (const a of due) alerts.items.set(a.key, a);
    mailer.refused.add('batch-lead@acme.example');
    const first = await deliverAlerts(deps, input(due));
    expect(first.failures?.map((e) => e.message)).toEqual([
      "account acme: 1 due alert(s) not delivered to project proj_b's recipients (project-budget:proj_b:2026-11:50): Email address is not verified: batch-lead@acme.example",
    ]);
    expect((first.failures ?? [])[0]).toBeInstanceOf(AlertDeliveryError);
    expect(alerts.items.get('project-budget:proj_b:2026-11:50')?.groups?.['project:proj_b']).toEqual({
      status: 'pending',
    });
    mailer.refused.clear();
    await deliverAlerts(deps, input([...alerts.items.values()]));
    await deliverAlerts(deps, input([...alerts.items.values()]));
    expect(mailer.sent.map((m) => m.to[0])).toEqual([
      'ops@acme.example',
      'search-lead@acme.example',
      'batch-lead@acme.example',
    ]);
  });

  it('an item of an earlier version (one top-level status) is the account group: delivered once', async () => {
    const { alerts, mailer, deps } = setup();
    const old: AlertRecord = pending('budget:2026-11:80', 'budget');
    alerts.items.set(old.key, old);
    await deliverAlerts(deps, input([old]));
    await deliverAlerts(deps, input([...alerts.items.values()]));
    expect(mailer.sent.map((m) => m.to)).toEqual([['ops@acme.example']]);
    expect(alerts.items.get(old.key)).toMatchObject({ status: 'sent', messageId: 'msg-1' });
    expect(alerts.items.get(old.key)?.groups).toBeUndefined();
  });

  it('a stored key this version cannot read is reported and counted, never blocks the others', async () => {
    const { alerts, mailer, metrics, deps } = setup();
    const unknown = pending('quota-wall:2026-11', 'quota-wall');
    const due = [unknown, pending('exhausted', 'exhausted'), pending('digest:2026-11-23', 'digest')];
    for (const a of due) alerts.items.set(a.key, a);
    const out = await deliverAlerts(deps, input(due));
    expect(out.sent).toEqual(['exhausted']);
    expect(out.unreadable).toEqual(['quota-wall:2026-11']);
    expect(metrics.get('AlertKeysUnreadable')).toBe(1);
    expect(mailer.sent).toHaveLength(1);
    // Left as it is: not claimed, not marked, not deleted.
    expect(alerts.items.get(unknown.key)).toEqual(unknown);
  });

  it('a project group whose project has lost its recipients is not due; the account group still gets the key', async () => {
    const { alerts, mailer, deps } = setup();
    const key = projectKey('proj_gone', 80);
    alerts.items.set(key.key, key);
    const out = await deliverAlerts(deps, input([key]));
    expect(out.deliveries?.map((d) => d.group)).toEqual(['account']);
    expect(mailer.sent.map((m) => m.to)).toEqual([['ops@acme.example']]);
  });

  it('a group claimed by a run presumed dead is taken over after the claim timeout, the others untouched', async () => {
    const stuck: AlertRecord = {
      ...projectKey('proj_s', 80),
      status: 'sent',
      messageId: 'msg-0',
      groups: {
        'project:proj_s': { status: 'claimed', claimedAt: '2026-11-24T08:55:00.000Z', claimToken: 'dead' },
      },
    };
    const early = setup('2026-11-24T09:00:00Z');
    early.alerts.items.set(stuck.key, stuck);
    expect((await deliverAlerts(early.deps, input([stuck]))).sent).toEqual([]);
    const late = setup('2026-11-24T09:06:00Z');
    late.alerts.items.set(stuck.key, stuck);
    const out = await deliverAlerts(late.deps, input([stuck]));
    expect(out.deliveries?.map((d) => [d.group, d.to])).toEqual([
      ['project:proj_s', ['search-lead@acme.example']],
    ]);
    expect(late.alerts.items.get(stuck.key)?.messageId).toBe('msg-0');
  });
});
