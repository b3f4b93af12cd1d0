import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALERT_MESSAGE_SCHEMA,
  type AlertMessage,
  alertMessageJsonSchema,
  alertMessageSchema,
  alertMessageSchemaV2,
  alertMessages,
  messageAttributes,
  parseAlertMessage,
} from '../../shared/chat/alert-message.ts';
import { type AlertCandidate, parseAlertKey } from '../../shared/core/alerts.ts';
import { computeFigures } from '../../shared/core/figures.ts';
import { usdToMicros } from '../../shared/core/money.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';

const config = parseAccountConfig({
  id: 'acme',
  provider: 'anthropic',
  name: 'Acme',
  recipients: ['ops@acme.example'],
  monthlyBudgetUsd: 500,
});
const at = Date.parse('2026-11-24T09:00:00Z');
const figures = computeFigures({
  grants: [
    {
      id: 'g',
      amountMicros: usdToMicros(300),
      effectiveAt: Date.parse('2026-11-01'),
      expiresAt: Date.parse('2026-12-01'),
    },
  ],
  buckets: Array.from({ length: 10 }, (_, i) => {
    const start = at - (at % 86_400_000) - (i + 1) * 86_400_000;
    return { start, end: start + 86_400_000, amountMicros: usdToMicros(12.345) };
  }),
  burnOrder: 'expiring-first',
  at,
});
const keys = [
  'exhausted',
  'low-balance:25',
  'runway:7',
  'expiry:g:7',
  'forecast:2026-11',
  'budget:2026-11:80',
];
const alerts = keys.map((k) => parseAlertKey(k) as AlertCandidate);

describe('the chat message (burnrate.alert/1)', () => {
  it('shared/chat/alert-message.schema.json is the JSON Schema of the zod schema (regenerate it when this fails)', () => {
    const doc = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../shared/chat/alert-message.schema.json'), 'utf8'),
    );
    expect(doc).toEqual(alertMessageJsonSchema());
  });

  it('one message per alert key, each valid, with that key, its kind and the account figures', () => {
    const messages = alertMessages({ config, figures, alerts, emailMessageId: 'ses-1' });
    expect(messages.map((m) => [m.kind, m.keys])).toEqual(alerts.map((a) => [a.kind, [a.key]]));
    for (const m of messages) {
      expect(alertMessageSchema.parse(m)).toEqual(m);
      expect(m).toMatchObject({
        schema: ALERT_MESSAGE_SCHEMA,
        accountId: 'acme',
        accountName: 'Acme',
        provider: 'anthropic',
        at: '2026-11-24T09:00:00.000Z',
        emailMessageId: 'ses-1',
        figures: {
          balanceUsd: 176.55,
          monthToDateUsd: 123.45,
          burnRateUsdPerDay: 12.35,
          monthlyBudgetUsd: 500,
        },
      });
      expect(m.subject).toMatch(/^Acme: /);
      // What AWS Chatbot renders in Slack/Teams: its custom notification fields.
      expect(m).toMatchObject({
        version: '1.0',
        source: 'custom',
        id: `acme/${m.keys[0]}`,
        content: { textType: 'client-markdown', title: m.subject },
      });
      expect(m.content.nextSteps?.[0]).toMatch(/\S/);
      expect(m).not.toHaveProperty('demo');
    }
    expect(messages[1]?.subject).toBe('Acme: balance $176.55 is below $25');
  });

  it('labels demo data, in the subject, the text and a flag', () => {
    const [m] = alertMessages({ config, figures, alerts: alerts.slice(0, 1), demo: true });
    expect(m?.demo).toBe(true);
    expect(m?.subject).toMatch(/^\[DEMO\] Acme: /);
    expect(m?.text).toMatch(/^DEMO DATA/);
  });

  it('rejects a message without the version tag or with an unknown kind', () => {
    const [m] = alertMessages({ config, figures, alerts: alerts.slice(0, 1) });
    expect(alertMessageSchema.safeParse({ ...m, schema: 'burnrate.alert/2' }).success).toBe(false);
    expect(alertMessageSchema.safeParse({ ...m, kind: 'spike?' }).success).toBe(false);
    expect(alertMessageSchema.safeParse({ ...m, kind: 'digest', keys: [] }).success).toBe(true);
  });
});

describe('the chat message for kinds v1 cannot carry (burnrate.alert/2)', () => {
  const projectConfig = parseAccountConfig({
    id: 'acme',
    provider: 'openai',
    name: 'Acme',
    recipients: ['ops@acme.example'],
    projects: { proj_search: { name: 'Search', monthlyBudgetUsd: 100 } },
  });
  const at2 = Date.parse('2026-11-11T09:00:00Z');
  const projectFigures = computeFigures({
    grants: [],
    buckets: Array.from({ length: 10 }, (_, i) => {
      const start = Date.parse('2026-11-01T00:00:00Z') + i * 86_400_000;
      return {
        start,
        end: start + 86_400_000,
        amountMicros: usdToMicros(12),
        byScope: { proj_search: usdToMicros(9), proj_x: usdToMicros(3) },
      };
    }),
    burnOrder: 'expiring-first',
    at: at2,
    todayMicros: 0,
    todayByScope: {},
  });

  it('shared/chat/alert-message-v2.schema.json is the JSON Schema of the v2 zod schema', () => {
    const doc = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../shared/chat/alert-message-v2.schema.json'), 'utf8'),
    );
    expect(doc).toEqual(alertMessageJsonSchema(2));
  });

  it("a project's alert is a v2 message with the project and its figures; account alerts stay v1, unchanged", () => {
    const mixed = ['project-budget:proj_search:2026-11:80', 'budget:2026-11:50'].map(
      (k) => parseAlertKey(k) as AlertCandidate,
    );
    const [project, account] = alertMessages({
      config: projectConfig,
      figures: projectFigures,
      alerts: mixed,
    });
    expect(alertMessageSchemaV2.parse(project)).toEqual(project);
    expect(project).toMatchObject({
      schema: 'burnrate.alert/2',
      kind: 'project-budget',
      keys: ['project-budget:proj_search:2026-11:80'],
      projectId: 'proj_search',
      projectName: 'Search',
      projectFigures: {
        monthToDateUsd: 90,
        burnRateUsdPerDay: 9,
        forecastMonthEndUsd: 270,
        monthlyBudgetUsd: 100,
      },
      subject: 'Acme: Search: 80% of its $100 budget used in 2026-11 ($90.00)',
    });
    expect(messageAttributes(project as AlertMessage)).toEqual({
      accountId: 'acme',
      kind: 'project-budget',
      schema: 'burnrate.alert/2',
      projectId: 'proj_search',
    });
    // A v1 consumer's own validator still accepts every v1 message, and refuses the v2 one.
    expect(alertMessageSchema.parse(account)).toEqual(account);
    expect(alertMessageSchema.safeParse(project).success).toBe(false);
    expect(parseAlertMessage(JSON.parse(JSON.stringify(project)))).toEqual(project);
  });

  it('v2 consumers get new kinds as plain strings (the enum is open)', () => {
    const [project] = alertMessages({
      config: projectConfig,
      figures: projectFigures,
      alerts: [parseAlertKey('project-forecast:proj_search:2026-11') as AlertCandidate],
    });
    expect(alertMessageSchemaV2.safeParse({ ...project, kind: 'some-later-kind' }).success).toBe(true);
  });
});
