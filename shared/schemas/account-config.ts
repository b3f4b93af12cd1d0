import * as z from 'zod';
import type { GuardPolicy } from '../core/guard.ts';
import { microsToUsd, usdToMicros } from '../core/money.ts';
import { UNATTRIBUTED } from '../core/projects.ts';
import type { AlertPolicy, AutoRecharge } from '../core/types.ts';
import { displayText, identifier, positiveNumber, secretName, thresholdList } from './fields.ts';
import { formatIssues, InvalidInputError } from './invalid-input.ts';
import {
  type AccountGuard,
  accountGuardSchema,
  type GuardMode,
  type ProjectEntry,
  projectsSchema,
  recipientList,
} from './project-config.ts';

export const PROVIDERS = ['openai', 'anthropic'] as const;

const spikeAlertObject = z.strictObject(
  { factor: positiveNumber.default(5), minUsd: positiveNumber.default(10) },
  { error: 'expected false or an object such as { "factor": 5, "minUsd": 10 }' },
);
type SpikeAlert = false | z.output<typeof spikeAlertObject>;

/**
 * `spikeAlert`: false turns the runaway-spend alert off; an object sets its factor and minUsd
 * (each defaulting to 5 and 10). Parsed by hand so a bad field is named (`spikeAlert.factor`)
 * instead of a union's "invalid input".
 */
const spikeAlert = z
  .custom<false | z.input<typeof spikeAlertObject>>(() => true)
  .optional()
  .transform((value, ctx): SpikeAlert => {
    if (value === false) return false;
    const result = spikeAlertObject.safeParse(value === undefined ? {} : value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue(issue as never);
    return z.NEVER;
  });

/**
 * The provider's auto-recharge: `{ belowUsd, toUsd, monthlyLimitUsd? }` (restore the balance to
 * toUsd) or `{ belowUsd, amountUsd, monthlyLimitUsd? }` (add amountUsd), never both.
 */
export const autoRechargeSchema = z
  .strictObject(
    {
      belowUsd: positiveNumber,
      toUsd: positiveNumber.optional(),
      amountUsd: positiveNumber.optional(),
      monthlyLimitUsd: positiveNumber.optional(),
    },
    { error: 'expected an object such as {"belowUsd": 20, "toUsd": 100}' },
  )
  .superRefine((a, ctx) => {
    // A field already rejected on its own (wrong type, not positive) gets no second message.
    const fields = [a.belowUsd, a.toUsd, a.amountUsd, a.monthlyLimitUsd];
    if (fields.some((x) => x !== undefined && !(typeof x === 'number' && x > 0 && Number.isFinite(x))))
      return;
    if (a.toUsd !== undefined && a.amountUsd !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['amountUsd'],
        message:
          'expected either toUsd (restore the balance to it) or amountUsd (add a fixed amount), not both',
      });
      return;
    }
    if (a.toUsd === undefined && a.amountUsd === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['toUsd'],
        message: 'expected toUsd (restore the balance to it) or amountUsd (add a fixed amount)',
      });
      return;
    }
    const below = usdToMicros(a.belowUsd);
    if (a.toUsd !== undefined && usdToMicros(a.toUsd) <= below) {
      ctx.addIssue({
        code: 'custom',
        path: ['toUsd'],
        message: `expected a number greater than belowUsd (${a.belowUsd})`,
      });
      return;
    }
    const size =
      a.amountUsd !== undefined ? usdToMicros(a.amountUsd) : usdToMicros(a.toUsd as number) - below;
    if (a.monthlyLimitUsd !== undefined && size > usdToMicros(a.monthlyLimitUsd)) {
      const what = a.amountUsd !== undefined ? 'amountUsd' : 'toUsd − belowUsd';
      ctx.addIssue({
        code: 'custom',
        path: ['monthlyLimitUsd'],
        message: `expected at least one recharge (${what} = ${microsToUsd(size)}), or the account could never recharge`,
      });
    }
  });

/**
 * The config item an operator edits by hand in the DynamoDB console: the spec's fields, plus
 * `enabled` (skip the account without deleting it) and `adminKeySecret` (Secrets Manager name).
 */
export const accountConfigSchema = z.strictObject({
  id: identifier,
  provider: z.enum(PROVIDERS, { error: `expected one of ${PROVIDERS.map((p) => `"${p}"`).join(', ')}` }),
  name: displayText.optional(),
  recipients: recipientList,
  burnOrder: z
    .enum(['expiring-first', 'oldest-first'], { error: 'expected "expiring-first" or "oldest-first"' })
    .default('expiring-first'),
  monthlyBudgetUsd: positiveNumber.optional(),
  budgetAlertPercents: thresholdList.default([50, 80, 100]),
  forecastAlert: z.boolean({ error: 'expected true or false' }).default(true),
  lowBalanceUsd: thresholdList.default([]),
  lowRunwayDays: positiveNumber.optional(),
  expiryWarningDays: thresholdList.default([30, 7, 1]),
  autoRecharge: autoRechargeSchema.optional(),
  enabled: z.boolean({ error: 'expected true or false' }).default(true),
  /** The weekly digest email (first run on or after Monday 09:00 UTC); "off" stops it. */
  digest: z.enum(['weekly', 'off'], { error: 'expected "weekly" or "off"' }).default('weekly'),
  spikeAlert,
  adminKeySecret: secretName.optional(),
  /** The provider's hard monthly spend limit for the whole organization, kept in step by burnrate. */
  hardLimitUsd: positiveNumber.optional(),
  /** Budgets, owners and hard limits per project (OpenAI) or workspace (Anthropic), by provider id. */
  projects: projectsSchema.optional(),
  /** Freezing a runaway project through the provider's hard limit: off (default), approve or auto. */
  guard: accountGuardSchema.optional(),
});

export type AccountConfig = z.infer<typeof accountConfigSchema>;
export type AccountConfigInput = z.input<typeof accountConfigSchema>;

/** How to name an account in a message before we know its id is valid. */
export function accountLabel(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? `account ${id}` : 'account item';
}

/** Validates a config item; `base` prefixes field paths when the item sits inside a file. */
export function parseAccountConfig(
  raw: unknown,
  prefix = accountLabel(raw),
  base: string[] = [],
): AccountConfig {
  const result = accountConfigSchema.safeParse(raw);
  if (!result.success) throw new InvalidInputError(formatIssues(prefix, result.error, raw, base));
  return result.data;
}

export function toAlertPolicy(config: AccountConfig): AlertPolicy {
  return {
    burnOrder: config.burnOrder,
    monthlyBudgetUsd: config.monthlyBudgetUsd,
    budgetAlertPercents: config.budgetAlertPercents,
    forecastAlert: config.forecastAlert,
    lowBalanceUsd: config.lowBalanceUsd,
    lowRunwayDays: config.lowRunwayDays,
    expiryWarningDays: config.expiryWarningDays,
    spike: config.spikeAlert,
    autoRecharge: toAutoRecharge(config.autoRecharge),
    projects: projectPolicies(config).map((p) => ({
      id: p.id,
      scope: scopeOfProject(config.provider, p.id),
      monthlyBudgetUsd: p.monthlyBudgetUsd,
      budgetAlertPercents: p.budgetAlertPercents,
      forecastAlert: p.forecastAlert,
    })),
  };
}

/**
 * Where a configured project's spend is booked in the cost split: its id, except Anthropic's
 * default workspace (`default` in the config), which the reports give as `workspace_id: null`.
 */
export function scopeOfProject(provider: AccountConfig['provider'], projectId: string): string {
  return provider === 'anthropic' && projectId === 'default' ? UNATTRIBUTED : projectId;
}

/** The config id of a scope in the cost split (the inverse of scopeOfProject). */
export function projectOfScope(provider: AccountConfig['provider'], scope: string): string {
  return provider === 'anthropic' && scope === UNATTRIBUTED ? 'default' : scope;
}

/** The config's auto-recharge in core units (micro-dollars). */
export function toAutoRecharge(a: AccountConfig['autoRecharge']): AutoRecharge | undefined {
  if (!a) return undefined;
  const limit = a.monthlyLimitUsd === undefined ? undefined : usdToMicros(a.monthlyLimitUsd);
  const below = usdToMicros(a.belowUsd);
  return a.toUsd !== undefined
    ? { belowMicros: below, toMicros: usdToMicros(a.toUsd), monthlyLimitMicros: limit }
    : { belowMicros: below, amountMicros: usdToMicros(a.amountUsd as number), monthlyLimitMicros: limit };
}

/** A project's alert settings with the account's defaults applied (core units stay USD here). */
export interface ProjectPolicy {
  id: string;
  name?: string | undefined;
  monthlyBudgetUsd?: number | undefined;
  budgetAlertPercents: number[];
  forecastAlert: boolean;
  recipients: string[];
  hardLimitUsd?: number | undefined;
}

/** The configured projects, sorted by id, with `budgetAlertPercents`/`forecastAlert` inherited. */
export function projectPolicies(config: AccountConfig): ProjectPolicy[] {
  return Object.entries(config.projects ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, p]: [string, ProjectEntry]) => ({
      id,
      name: p.name,
      monthlyBudgetUsd: p.monthlyBudgetUsd,
      budgetAlertPercents: p.budgetAlertPercents ?? config.budgetAlertPercents,
      forecastAlert: p.forecastAlert ?? config.forecastAlert,
      recipients: p.recipients ?? [],
      hardLimitUsd: p.hardLimitUsd,
    }));
}

/** The guard that applies to a project: the project's override field by field over the account's. */
export function guardFor(config: AccountConfig, projectId: string): { mode: GuardMode; headroomUsd: number } {
  const base: AccountGuard = config.guard ?? { mode: 'off', headroomUsd: 5 };
  const own = config.projects?.[projectId]?.guard;
  return { mode: own?.mode ?? base.mode, headroomUsd: own?.headroomUsd ?? base.headroomUsd };
}

/**
 * The guard's policy for the core's trigger (core/guard.ts): the spike rule's policy, each project's
 * mode, and which scopes of the hour's split can be frozen at all: not spend without a project
 * (OpenAI), and not Anthropic's default workspace (`(none)` too), which has no id for a limit.
 */
export function toGuardPolicy(config: AccountConfig): GuardPolicy {
  return {
    spike: config.spikeAlert,
    modeOf: (id) => guardFor(config, id).mode,
    projectOfScope: (scope) => (scope === UNATTRIBUTED ? undefined : scope),
  };
}

/** A project's display name: its config name, else the name the provider lists, else its id. */
export function projectName(config: AccountConfig, projectId: string, listed?: string): string {
  return config.projects?.[projectId]?.name ?? listed ?? projectId;
}
