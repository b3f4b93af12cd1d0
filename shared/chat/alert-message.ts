import * as z from 'zod';
import type { AlertCandidate, AlertKind } from '../core/alerts.ts';
import { forecastMonthEnd, type OutputFigures, toOutputFigures } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { microsToUsd, ratioToUsd } from '../core/money.ts';
import { scopeBurnRate } from '../core/projects.ts';
import { describeAlert } from '../email/alert-text.ts';
import type { GuardFacts } from '../email/guard-text.ts';
import { displayName } from '../email/project-summary.ts';
import { projectFigures } from '../email/project-text.ts';
import { DEMO_NOTE } from '../email/render-alert-email.ts';
import type { AccountConfig } from '../schemas/account-config.ts';

/**
 * The version tag every chat message carries. Versioning rule (README, "Alerts in chat"):
 * `burnrate.alert/1` is frozen: its kinds, fields and strictness never change, so a consumer built
 * on it keeps working. A kind v1 cannot carry (a project's alerts, and any later kind) is published
 * as `burnrate.alert/2`: v1's fields plus the project's, with `kind` an open string. v2 only ever
 * grows (new kinds, new optional fields), and its consumers must ignore what they do not know; a
 * change that would break them is v3. Every message's SNS attribute `schema` carries the tag, so a
 * subscription filter policy `{"schema": ["burnrate.alert/1"]}` keeps a v1 consumer on v1 alone.
 */
export const ALERT_MESSAGE_SCHEMA = 'burnrate.alert/1';
export const ALERT_MESSAGE_SCHEMA_V2 = 'burnrate.alert/2';

/** The kinds v1 carries: every account alert kind of v1's time, and the weekly digest. */
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

/** Kinds published as v2 only (v1 is frozen). A new alert kind goes here. */
const V2_KINDS = [
  'project-budget',
  'project-forecast',
  'hard-limit',
  'project-hard-limit',
  'hard-limit-unmanaged',
  'project-hard-limit-unmanaged',
  'guard',
  'guard-reminder',
] as const satisfies ReadonlyArray<AlertKind>;
type V1Kind = (typeof MESSAGE_KINDS)[number];
// Fails to compile when the ledger gains an alert kind neither list names.
const _everyKind: Exclude<AlertKind, V1Kind | (typeof V2_KINDS)[number]> extends never ? true : never = true;
void _everyKind;
const isV1Kind = (kind: string): kind is V1Kind => (MESSAGE_KINDS as readonly string[]).includes(kind);

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

/**
 * `burnrate.alert/2`: v1's fields, `kind` open (known values: every v1 kind, project-budget,
 * project-forecast), and the project an alert is about.
 */
export const alertMessageSchemaV2 = alertMessageSchema.extend({
  schema: z.literal(ALERT_MESSAGE_SCHEMA_V2),
  kind: z
    .string()
    .min(1)
    .describe(
      `the alert kind of \`keys[0]\`: one of ${[...MESSAGE_KINDS, ...V2_KINDS].join(', ')} today; more may come: ignore kinds you do not know`,
    ),
  projectId: z
    .string()
    .min(1)
    .optional()
    .describe(
      'the provider id of the project (OpenAI) or workspace (Anthropic; `default` for the default one)',
    ),
  projectName: z
    .string()
    .min(1)
    .optional()
    .describe("the project's name (config, else the provider's, else its id)"),
  projectFigures: z
    .object({
      monthToDateUsd: usd,
      burnRateUsdPerDay: usd,
      forecastMonthEndUsd: usd,
      monthlyBudgetUsd: usd.optional(),
    })
    .optional()
    .describe("the project's own figures (its part of the account's spend)"),
});

export type AlertMessageV1 = z.infer<typeof alertMessageSchema>;
export type AlertMessageV2 = z.infer<typeof alertMessageSchemaV2>;
export type AlertMessage = AlertMessageV1 | AlertMessageV2;

/** Reads a published message of either version (what a consumer in TypeScript would do). */
export function parseAlertMessage(value: unknown): AlertMessage {
  const tag = (value as { schema?: unknown } | null)?.schema;
  return tag === ALERT_MESSAGE_SCHEMA_V2
    ? alertMessageSchemaV2.parse(value)
    : alertMessageSchema.parse(value);
}

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
  /** Project names the provider lists (the config's own names win). */
  projectNames?: ReadonlyMap<string, string> | undefined;
  /** What the guard did this run and its links (the guard kinds' texts). */
  guard?: GuardFacts | undefined;
}): AlertMessage[] {
  const { config, figures } = input;
  const out = toOutputFigures(figures, new Date(figures.at).toISOString());
  const name = config.name ?? config.id;
  return input.alerts.map((alert): AlertMessage => {
    const t = describeAlert(alert, figures, config, input.projectNames, input.guard);
    const subject = `${input.demo ? '[DEMO] ' : ''}${name}: ${t.headline}`;
    const common = {
      accountId: config.id,
      accountName: name,
      provider: config.provider,
      at: out.at,
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
    if (isV1Kind(alert.kind)) return { schema: ALERT_MESSAGE_SCHEMA, kind: alert.kind, ...common };
    const project = 'projectId' in alert ? alert.projectId : undefined;
    return {
      schema: ALERT_MESSAGE_SCHEMA_V2,
      kind: alert.kind,
      ...common,
      ...(project !== undefined && projectPart(figures, config, project, input.projectNames)),
    };
  });
}

function projectPart(
  figures: Figures,
  config: AccountConfig,
  projectId: string,
  names: ReadonlyMap<string, string> | undefined,
): Pick<AlertMessageV2, 'projectId' | 'projectName' | 'projectFigures'> {
  const s = projectFigures(figures, config, projectId);
  const rate = scopeBurnRate(s);
  const forecast = forecastMonthEnd(s);
  const budget = config.projects?.[projectId]?.monthlyBudgetUsd;
  return {
    projectId,
    projectName: displayName(config, projectId, names),
    projectFigures: {
      monthToDateUsd: microsToUsd(s.monthToDateMicros),
      burnRateUsdPerDay: rate ? ratioToUsd(rate.num, rate.den) : 0,
      forecastMonthEndUsd: ratioToUsd(forecast.num, forecast.den),
      ...(budget !== undefined && { monthlyBudgetUsd: budget }),
    },
  };
}

/** The SNS message attributes of a message: what subscription filter policies can route on. */
export function messageAttributes(m: AlertMessage): {
  accountId: string;
  kind: string;
  schema: string;
  projectId?: string;
} {
  return {
    accountId: m.accountId,
    kind: m.kind,
    schema: m.schema,
    ...('projectId' in m && m.projectId !== undefined && { projectId: m.projectId }),
  };
}

/** The JSON Schema of the message, as documented in shared/chat/alert-message.schema.json (v2: -v2). */
export function alertMessageJsonSchema(version: 1 | 2 = 1): object {
  return version === 1
    ? { title: ALERT_MESSAGE_SCHEMA, ...z.toJSONSchema(alertMessageSchema, { target: 'draft-2020-12' }) }
    : {
        title: ALERT_MESSAGE_SCHEMA_V2,
        ...z.toJSONSchema(alertMessageSchemaV2, { target: 'draft-2020-12' }),
      };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = process.argv[2] === '2' ? 2 : 1;
  process.stdout.write(`${JSON.stringify(alertMessageJsonSchema(version), null, 2)}\n`);
}
