import { describe, expect, it } from 'vitest';
import { alertMessageSchema } from '../../shared/chat/alert-message.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { CountingMetrics } from '../../shared/metrics/emf-metrics.ts';
import type {
  AlertDeliveryStore,
  AlertPublisher,
  AlertRecord,
  Mailer,
  OutgoingEmail,
} from '../../shared/ports.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { OutOfTimeError, SEND_RESERVE_MS } from '../../shared/use-cases/deadline.ts';
import {
  AlertDeliveryError,
  type DeliveryDeps,
  deliverAlerts,
} from '../../shared/use-cases/deliver-alerts.ts';

/** In-memory port fakes: the claim rules here mirror the conditional writes of DynamoAlertStore. */
class MemoryAlerts implements AlertDeliveryStore {
  readonly items = new Map<string, AlertRecord>();
  async claim(_a: string, key: string, token: string, now: string, staleBefore: string) {
    const item = this.items.get(key);
    const claimable =
      item &&
      (item.status === 'pending' || (item.status === 'claimed' && (item.claimedAt ?? '') < staleBefore));
    if (!item || !claimable) return false;
    this.items.set(key, { ...item, status: 'claimed', claimedAt: now, claimToken: token });
    return true;
  }
  async markSent(_a: string, key: string, token: string, messageId: string, now: string) {
    const item = this.items.get(key);
    if (item?.claimToken === token)
      this.items.set(key, {
        key,
        kind: item.kind,
        firedAt: item.firedAt,
        status: 'sent',
        sentAt: now,
        messageId,
      });
  }
  async release(_a: string, key: string, token: string) {
    const item = this.items.get(key);
    if (item?.claimToken === token)
      this.items.set(key, { key, kind: item.kind, firedAt: item.firedAt, status: 'pending' });
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
  async send(email: OutgoingEmail) {
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
    }
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
    const error = await deliverAlerts(deps, { ...input, deadline: at + SEND_RESERVE_MS - 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutOfTimeError);
    expect((error as OutOfTimeError).keys).toEqual(['exhausted']);
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
    await expect(
      deliverAlerts(deps, { accountId: 'acme', config, figures, pending: due, costs: [] }),
    ).rejects.toThrow('Maximum sending rate');
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
    const error = await deliverAlerts(deps, {
      accountId: 'acme',
      config,
      figures,
      pending: due,
      costs: [],
    }).catch((e: unknown) => e);
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
