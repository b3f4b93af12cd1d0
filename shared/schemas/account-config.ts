import * as z from 'zod';
import type { AlertPolicy } from '../core/types.ts';
import { identifier, positiveNumber, thresholdList } from './fields.ts';
import { formatIssues, InvalidInputError } from './invalid-input.ts';

export const PROVIDERS = ['openai', 'anthropic'] as const;

/**
 * The config item an operator edits by hand in the DynamoDB console: the spec's fields, plus
 * `enabled` (skip the account without deleting it) and `adminKeySecret` (Secrets Manager name).
 */
export const accountConfigSchema = z.strictObject({
  id: identifier,
  provider: z.enum(PROVIDERS, { error: `expected one of ${PROVIDERS.map((p) => `"${p}"`).join(', ')}` }),
  name: z.string({ error: 'expected a text' }).min(1, { error: 'expected a non-empty text' }).optional(),
  recipients: z
    .array(z.email({ error: 'expected an email address' }), { error: 'expected a list of email addresses' })
    .min(1, { error: 'expected at least one email address' }),
  burnOrder: z
    .enum(['expiring-first', 'oldest-first'], { error: 'expected "expiring-first" or "oldest-first"' })
    .default('expiring-first'),
  monthlyBudgetUsd: positiveNumber.optional(),
  budgetAlertPercents: thresholdList.default([50, 80, 100]),
  forecastAlert: z.boolean({ error: 'expected true or false' }).default(true),
  lowBalanceUsd: thresholdList.default([]),
  lowRunwayDays: positiveNumber.optional(),
  expiryWarningDays: thresholdList.default([30, 7, 1]),
  enabled: z.boolean({ error: 'expected true or false' }).default(true),
  /** The weekly digest email (first run on or after Monday 09:00 UTC); "off" stops it. */
  digest: z.enum(['weekly', 'off'], { error: 'expected "weekly" or "off"' }).default('weekly'),
  adminKeySecret: z
    .string({ error: 'expected a Secrets Manager secret name' })
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected a Secrets Manager secret name' })
    .optional(),
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
  };
}
