import * as z from 'zod';
import { displayText, positiveNumber, thresholdList } from './fields.ts';

/**
 * Per-project (OpenAI project, Anthropic workspace) settings on the account item, and the guard
 * that may freeze a runaway project. Keys of `projects` are the provider's ids (`proj_…`,
 * `wrkspc_…`; `default` is Anthropic's default workspace, which has no id).
 */

export const GUARD_MODES = ['off', 'approve', 'auto'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];

const guardMode = z.enum(GUARD_MODES, { error: 'expected "off", "approve" or "auto"' });

/** `guard` on the account: defaults apply (off, $5 headroom). */
export const accountGuardSchema = z.strictObject(
  { mode: guardMode.default('off'), headroomUsd: positiveNumber.default(5) },
  { error: 'expected an object such as { "mode": "approve", "headroomUsd": 5 }' },
);

/** `projects.<id>.guard`: overrides the account's guard field by field. */
export const projectGuardSchema = z.strictObject(
  { mode: guardMode.optional(), headroomUsd: positiveNumber.optional() },
  { error: 'expected an object such as { "mode": "auto" }' },
);

export const recipientList = z
  .array(z.email({ error: 'expected an email address' }), { error: 'expected a list of email addresses' })
  .min(1, { error: 'expected at least one email address' });

/** Every field optional: an entry with only a `name` is fine. */
export const projectEntrySchema = z.strictObject(
  {
    name: displayText.optional(),
    monthlyBudgetUsd: positiveNumber.optional(),
    /** Absent: the account's `budgetAlertPercents`. */
    budgetAlertPercents: thresholdList.optional(),
    /** Absent: the account's `forecastAlert`. */
    forecastAlert: z.boolean({ error: 'expected true or false' }).optional(),
    /** Who gets this project's own email (the account's recipients get every alert anyway). */
    recipients: recipientList.optional(),
    /** The provider's hard monthly spend limit for this project, kept in step by burnrate. */
    hardLimitUsd: positiveNumber.optional(),
    guard: projectGuardSchema.optional(),
  },
  { error: 'expected an object such as { "name": "Search", "monthlyBudgetUsd": 200 }' },
);

/**
 * A project key: the provider's id as it appears in the cost report. Letters, digits, `_` and `-`
 * only (no dots, so `account set projects.<id>.field=…` is unambiguous); not checked against the
 * provider here (`account check` and `doctor` name an unknown id).
 */
const KEY_MESSAGE = 'expected a project or workspace id such as proj_abc, wrkspc_01ab or default';

export const projectKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, { error: KEY_MESSAGE });

export const projectsSchema = z.record(projectKey, projectEntrySchema, {
  error: (issue) =>
    issue.code === 'invalid_key'
      ? KEY_MESSAGE
      : 'expected an object keyed by project id, such as { "proj_abc": { "monthlyBudgetUsd": 200 } }',
});

export type ProjectEntry = z.output<typeof projectEntrySchema>;
export type AccountGuard = z.output<typeof accountGuardSchema>;
