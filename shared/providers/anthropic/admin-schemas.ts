import * as z from 'zod';
import { wholeCents } from '../limit-schemas.ts';
import { messagesUsageResultSchema } from './schemas.ts';

/**
 * Anthropic Admin API objects for workspaces, the spend-limits beta and API keys, from the official
 * Python SDK's types (GUARD.md §2, §5: `BetaWorkspace`, `BetaSpendLimit`, `SpendLimitDeleteResponse`,
 * `BetaAPIKey`, and its `SyncPage` / `SyncPageCursor` pages). Unknown fields pass; enums the API
 * may grow (`status`, `period`, scope `type`) are plain strings.
 */
const nullableString = z.string().nullish();

export const workspaceSchema = z.object({
  id: z.string().min(1),
  type: z.string().optional(),
  name: z.string(),
  created_at: z.string().optional(),
  /** RFC 3339, or null while the workspace is active. */
  archived_at: nullableString,
});

/** Id-cursor pages (workspaces, API keys): `after_id` = `last_id` while `has_more`. */
const idPage = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    has_more: z.boolean(),
    first_id: nullableString,
    last_id: nullableString,
  });

export const workspaceListSchema = idPage(workspaceSchema);

export const spendLimitSchema = z.object({
  id: z.string().min(1),
  /** Cents as a "non-negative integer decimal string"; null = an explicit "no cap" at this scope. */
  amount: wholeCents.nullable(),
  currency: z.string().refine((c) => c.toUpperCase() === 'USD', {
    error: (issue) => `currency ${JSON.stringify(issue.input)} is not USD`,
  }),
  is_enabled: z.boolean().optional(),
  period: z.string(),
  scope: z.looseObject({ type: z.string(), workspace_id: z.string().nullish() }),
  type: z.string().optional(),
});

/** The spend-limits list pages by an opaque `page` cursor (`next_page`), like the usage report. */
export const spendLimitListSchema = z.object({
  data: z.array(spendLimitSchema),
  has_more: z.boolean().nullish(),
  next_page: z.string().nullish(),
});

export const spendLimitDeletedSchema = z.object({ id: z.string(), type: z.string().optional() });

export const apiKeySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  /** Deprecated for `scope`, but the only field older answers have; null = default workspace. */
  workspace_id: nullableString,
  scope: z.looseObject({ type: z.string(), workspace_id: z.string().nullish() }).nullish(),
});

export const apiKeyListSchema = idPage(apiKeySchema);

/** A usage row grouped by key as well: `api_key_id` null for Workbench usage. */
export const keyUsageResultSchema = messagesUsageResultSchema.extend({ api_key_id: nullableString });

export const keyUsageSchema = z.object({
  data: z.array(
    z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(keyUsageResultSchema) }),
  ),
  has_more: z.boolean(),
  next_page: z.string().nullable(),
});

export type AnthropicSpendLimit = z.infer<typeof spendLimitSchema>;
export type AnthropicApiKey = z.infer<typeof apiKeySchema>;
