import * as z from 'zod';
import type {
  AccountStateRecord,
  AlertRecord,
  AuditRecord,
  CostDayRecord,
  FreezeRecord,
  GuardAuditRecord,
  LimitsRecord,
  ProjectsRecord,
  ReconciledRecord,
} from '../ports.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';

/** An item burnrate wrote (or someone edited) that no longer reads back: names the item and the field. */
export class StoredItemError extends InvalidInputError {}

/** Items burnrate writes itself are still validated when read back: people can edit them too. */
const micros = z.number().int({ error: 'expected an integer number of micro-dollars' });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a day YYYY-MM-DD' });

export const costDaySchema = z.strictObject({
  day,
  amountMicros: micros.nonnegative({ error: 'expected micro-dollars >= 0' }),
  byScope: z.record(z.string(), micros),
  kind: z.enum(['actual', 'estimate']),
  fetchedAt: z.string(),
}) satisfies z.ZodType<CostDayRecord>;

export const stateSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  costsFrom: day.optional(),
  costsThrough: day.optional(),
  lastSyncAt: z.string().optional(),
  ledgerAt: z.string().optional(),
  snapshot: z.record(z.string(), z.unknown()).optional(),
  goodConfig: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<AccountStateRecord>;

const deliveryFields = {
  status: z.enum(['pending', 'claimed', 'sent']),
  claimedAt: z.string().optional(),
  claimToken: z.string().optional(),
  sentAt: z.string().optional(),
  messageId: z.string().optional(),
};

/** One recipient group's delivery state (`groups.project:<id>`); the top level is the account group's. */
const groupStateSchema = z.strictObject(deliveryFields);

const alertFields = {
  key: z.string().min(1),
  kind: z.string().min(1),
  firedAt: z.string(),
  ...deliveryFields,
  ttl: z.number().int().positive().optional(),
  groups: z
    .record(
      z.string().regex(/^project:[^:\s]+$/, { error: 'expected a group key project:<id>' }),
      groupStateSchema,
    )
    .optional(),
};

export const alertSchema = z.strictObject(alertFields) satisfies z.ZodType<AlertRecord>;

/**
 * An ALERT# item as stored: a recorded key (above), or one a sync wrote and has not confirmed yet
 * (`unconfirmed`, with the writing attempt's token; see sync-commit.ts).
 */
export const storedAlertSchema = z.strictObject({
  ...alertFields,
  status: z.enum(['unconfirmed', 'pending', 'claimed', 'sent']),
  attempt: z.string().optional(),
});

const burnOrder = z.enum(['expiring-first', 'oldest-first']);

export const reconciledSchema = z.strictObject({
  at: z.string(),
  driftUsd: z.number().nonnegative(),
  burnOrder,
  bestBurnOrder: burnOrder,
  byOrder: z.record(z.string(), z.number()),
  recordedAt: z.string(),
}) satisfies z.ZodType<ReconciledRecord>;

export const projectsItemSchema = z.strictObject({
  listedAt: z.string(),
  projects: z.record(
    z.string(),
    z.strictObject({ name: z.string(), status: z.string(), archived: z.boolean() }),
  ),
}) satisfies z.ZodType<ProjectsRecord>;

const cents = z.number().int({ error: 'expected whole cents' }).nonnegative();
const limitState = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('none') }),
  z.strictObject({ state: z.literal('set'), thresholdCents: cents, enforcement: z.string() }),
]);
const reading = z.strictObject({
  provider: limitState.optional(),
  readAt: z.string().optional(),
  unavailable: z.string().optional(),
  error: z.string().optional(),
});

export const limitsItemSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  settings: z.strictObject({ organization: cents.optional(), projects: z.record(z.string(), cents) }),
  checkedAt: z.string().optional(),
  retry: z.boolean().optional(),
  organization: reading.optional(),
  projects: z.record(z.string(), reading),
  intent: z
    .strictObject({
      at: z.string(),
      writes: z.array(
        z.strictObject({
          projectId: z.string().optional(),
          cents,
          previousCents: cents.nullable(),
          source: z.enum(['config', 'freeze']),
        }),
      ),
    })
    .optional(),
  notices: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<LimitsRecord>;

/** A FREEZE#<projectId> item (the guard's): read back strictly, since the keeper and Undo trust it. */
export const freezeItemSchema = z.strictObject({
  version: z.number().int().positive(),
  projectId: z.string().min(1),
  incident: z.string().min(1),
  mode: z.enum(['approve', 'auto', 'manual']),
  status: z.enum(['proposed', 'intent', 'frozen', 'already-limited', 'failed', 'released']),
  proposedAt: z.string(),
  hourStart: z.string().optional(),
  hourSpendMicros: micros.optional(),
  monthToDateMicros: micros,
  headroomCents: cents,
  lever: z.enum(['limit', 'keys']).optional(),
  prior: limitState.optional(),
  thresholdCents: cents.min(1).optional(),
  keyIds: z.array(z.string().min(1)).optional(),
  requestedBy: z.string().optional(),
  requestedAt: z.string().optional(),
  appliedAt: z.string().optional(),
  enforcement: z.string().optional(),
  releasedAt: z.string().optional(),
  releasedBy: z.string().optional(),
  error: z.string().optional(),
  failedAt: z.string().optional(),
  reportedOn: day.optional(),
}) satisfies z.ZodType<FreezeRecord>;

/** An AUDIT# item: a hard-limit change (the upkeep) or a step of the guard. */
export const auditItemSchema = z.union([
  z.object({
    at: z.string(),
    scope: z.string(),
    action: z.literal('hard-limit-set'),
    by: z.literal('burnrate'),
    previousCents: cents.nullable(),
    cents,
    source: z.enum(['config', 'freeze']),
    enforcement: z.string().optional(),
  }) satisfies z.ZodType<AuditRecord>,
  z.object({
    at: z.string(),
    scope: z.string(),
    action: z.enum([
      'guard-proposed',
      'guard-approved',
      'guard-applied',
      'guard-already-limited',
      'guard-failed',
      'guard-released',
      'guard-reminded',
    ]),
    by: z.string(),
    incident: z.string(),
    detail: z.string(),
    previousCents: cents.nullable().optional(),
    cents: cents.optional(),
    keyIds: z.array(z.string()).optional(),
  }) satisfies z.ZodType<GuardAuditRecord>,
]);
