import * as z from 'zod';
import type { AlertCandidate, AlertKind } from '../core/alerts.ts';
import { type OutputFigures, toOutputFigures } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { describeAlert } from '../email/alert-text.ts';
import { DEMO_NOTE } from '../email/render-alert-email.ts';
import type { AccountConfig } from '../schemas/account-config.ts';

/** The version tag every chat message carries; bump the number on an incompatible change. */
export const ALERT_MESSAGE_SCHEMA = 'burnrate.alert/1';

/** Every alert kind of the ledger, and the weekly digest. */
const MESSAGE_KINDS = [
  'exhausted',
  'low-balance',
  'runway',
  'expiry',
  'forecast',
  'budget',
  'recharge-limit',
  'spike',
  'digest',
] as const satisfies ReadonlyArray<AlertKind | 'digest'>;
// Fails to compile when the ledger gains an alert kind this list does not name.
const _everyKind: Exclude<AlertKind, (typeof MESSAGE_KINDS)[number]> extends never ? true : never = true;
void _everyKind;

const usd = z.number().describe('US dollars, rounded to cents');

/**
 * The one JSON message published to the alerts SNS topic for every delivered alert key (and every
 * digest): the single definition of the chat format. shared/chat/alert-message.schema.json is generated
 * from it (`npx tsx shared/chat/alert-message.ts > shared/chat/alert-message.schema.json`) and a test
 * keeps the two equal.
 */
export const alertMessageSchema = z
  .object({
    schema: z.literal(ALERT_MESSAGE_SCHEMA),
    accountId: z.string().min(1),
    accountName: z.string().min(1).describe('the config item name, or the id when it has none'),
    provider: z.enum(['openai', 'anthropic']),
    at: z.iso.datetime().describe('when the figures were computed (ISO 8601, UTC)'),
    kind: z.enum(MESSAGE_KINDS).describe('the alert kind of `keys[0]`, or digest'),
    keys: z
      .array(z.string().min(1))
      .describe('the alert key this message is about (one per message); empty for a digest'),
    subject: z.string().min(1).describe('one line: the account and the headline with its number'),
    text: z.string().min(1).describe('plain text: the figure, the threshold, what to do next'),
    figures: z.object({
      balanceUsd: usd,
      overdraftUsd: usd,
      monthToDateUsd: usd,
      burnRateUsdPerDay: usd,
      runwayDays: z.number().nullable().describe('null: no burn, the balance lasts indefinitely'),
      forecastMonthEndUsd: usd,
      monthlyBudgetUsd: usd.optional(),
    }),
    emailMessageId: z.string().optional().describe('the SES message id of the email it went out with'),
    demo: z.literal(true).optional().describe('present on simulated data (npm start demo)'),
    // AWS Chatbot (Amazon Q Developer in chat applications) renders only messages in its custom
    // notification format, so every message is also one: Slack or Teams show `content`.
    version: z.literal('1.0').describe('AWS Chatbot custom notification format version'),
    source: z.literal('custom').describe('AWS Chatbot: a custom notification'),
    id: z.string().min(1).describe('<accountId>/<key> (or <accountId>/digest/<at>)'),
    content: z.object({
      textType: z.literal('client-markdown'),
      title: z.string().min(1),
      description: z.string().min(1),
      nextSteps: z.array(z.string()).optional(),
      keywords: z.array(z.string()).optional(),
    }),
    metadata: z
      .object({
        threadId: z.string().optional(),
        summary: z.string().optional(),
        eventType: z.string().optional(),
      })
      .optional(),
  })
  .strict();

export type AlertMessage = z.infer<typeof alertMessageSchema>;

/** One message per alert key of a delivered email: the kind and text of that key alone. */
/** The figures every chat message carries (alerts and digests alike). */
export function messageFigures(out: OutputFigures, config: AccountConfig): AlertMessage['figures'] {
  return {
    balanceUsd: out.balanceUsd,
    overdraftUsd: out.overdraftUsd,
    monthToDateUsd: out.monthToDateUsd,
    burnRateUsdPerDay: out.burnRateUsdPerDay,
    runwayDays: out.runwayDays,
    forecastMonthEndUsd: out.forecastMonthEndUsd,
    ...(config.monthlyBudgetUsd !== undefined && { monthlyBudgetUsd: config.monthlyBudgetUsd }),
  };
}

export function alertMessages(input: {
  config: AccountConfig;
  figures: Figures;
  alerts: readonly AlertCandidate[];
  emailMessageId?: string | undefined;
  demo?: boolean | undefined;
}): AlertMessage[] {
  const { config, figures } = input;
  const out = toOutputFigures(figures, new Date(figures.at).toISOString());
  const name = config.name ?? config.id;
  return input.alerts.map((alert) => {
    const t = describeAlert(alert, figures, config);
    const subject = `${input.demo ? '[DEMO] ' : ''}${name}: ${t.headline}`;
    return {
      schema: ALERT_MESSAGE_SCHEMA,
      accountId: config.id,
      accountName: name,
      provider: config.provider,
      at: out.at,
      kind: alert.kind,
      keys: [alert.key],
      subject,
      text: [...(input.demo ? [DEMO_NOTE] : []), t.detail, t.action].join('\n'),
      figures: messageFigures(out, config),
      ...(input.emailMessageId && { emailMessageId: input.emailMessageId }),
      ...(input.demo && { demo: true as const }),
      version: '1.0' as const,
      source: 'custom' as const,
      id: `${config.id}/${alert.key}`,
      content: {
        textType: 'client-markdown' as const,
        title: subject,
        description: [...(input.demo ? [DEMO_NOTE] : []), t.detail].join('\n'),
        nextSteps: [t.action],
        keywords: ['burnrate', config.id, alert.kind],
      },
      metadata: { threadId: `burnrate/${config.id}`, summary: subject, eventType: `burnrate.${alert.kind}` },
    };
  });
}

/** The JSON Schema of the message, as documented in shared/chat/alert-message.schema.json. */
export function alertMessageJsonSchema(): object {
  return {
    title: ALERT_MESSAGE_SCHEMA,
    ...z.toJSONSchema(alertMessageSchema, { target: 'draft-2020-12' }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(alertMessageJsonSchema(), null, 2)}\n`);
}
