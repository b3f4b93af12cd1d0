import { describe, expect, it } from 'vitest';
import { computeFigures } from '../../shared/core/figures.ts';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import type { AlertDeliveryStore, OutgoingEmail, ReconciledRecord } from '../../shared/ports.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { deliverAlerts } from '../../shared/use-cases/deliver-alerts.ts';

const config = parseAccountConfig({ id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] });
const figures = computeFigures({
  grants: [
    {
      id: 'g1',
      amountMicros: 10_000_000,
      effectiveAt: Date.parse('2026-11-01T00:00:00Z'),
      expiresAt: Date.parse('2027-11-01T00:00:00Z'),
    },
  ],
  buckets: [],
  burnOrder: 'expiring-first',
  at: Date.parse('2026-11-24T09:00:00Z'),
});
const reconciled: ReconciledRecord = {
  at: '2026-11-20T09:00:00Z',
  driftUsd: 48.1,
  burnOrder: 'expiring-first',
  bestBurnOrder: 'oldest-first',
  byOrder: { 'expiring-first': 48.1, 'oldest-first': 0.03 },
  recordedAt: '2026-11-20T09:05:00Z',
};

describe('the last checkpoint in alert emails', () => {
  it('delivery hands it to the email, which shows one summary row', async () => {
    const claimAll: AlertDeliveryStore = {
      claim: async () => true,
      markSent: async () => {},
      release: async () => {},
      raise: async () => true,
      rearm: async () => {},
    };
    const sent: OutgoingEmail[] = [];
    await deliverAlerts(
      {
        alerts: claimAll,
        mailer: {
          async send(e) {
            sent.push(e);
            return { messageId: 'm1' };
          },
        },
        render: renderAlertEmail,
        renderProject: () => {
          throw new Error('no project group here');
        },
        sender: 'burnrate@acme.example',
        now: () => new Date('2026-11-24T09:00:00Z'),
        newToken: () => 't',
        claimTimeoutMs: 600_000,
      },
      {
        accountId: 'acme',
        config,
        figures,
        pending: [
          { key: 'low-balance:25', kind: 'low-balance', status: 'pending', firedAt: '2026-11-24T09:00:00Z' },
        ],
        costs: [],
        reconciled,
      },
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toMatch(/Last reconciled:?\s+2026-11-20, drift \$48\.10/);
    expect(sent[0]?.html).toContain('2026-11-20, drift $48.10');
  });

  it('no checkpoint yet: no row', () => {
    const email = renderAlertEmail({
      account: config,
      figures,
      alerts: [{ kind: 'low-balance', key: 'low-balance:25', threshold: 25 }],
      dailySpend: [],
      todayIsEstimate: true,
    });
    expect(email.text).not.toContain('Last reconciled');
  });
});
