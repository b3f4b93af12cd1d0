import * as z from 'zod';
import { wholeCents } from '../limit-schemas.ts';

/**
 * OpenAI Admin API objects for projects and hard spend limits (openai/openai-openapi @ f85dbe2:
 * `Project`, `ProjectListResponse`, `{Organization,Project}SpendLimitResource`, `…DeletedResource`;
 * shared/providers/GUARD.md §1, §3). Only what the spec marks required is required; enums the spec
 * declares open (`status`, `currency`, `interval`, `enforcement.status`) are plain strings; unknown
 * fields pass.
 */
export const projectSchema = z.object({
  id: z.string().min(1),
  object: z.string(),
  created_at: z.number().int(),
  name: z.string().nullish(),
  archived_at: z.number().int().nullish(),
  /** "active" or "archived" as documented; kept whatever it says. */
  status: z.string().nullish(),
});

export const projectListSchema = z.object({
  object: z.literal('list'),
  data: z.array(projectSchema),
  /** Not used: the spec's own example spells it `proj-abc` beside the id `proj_abc`. */
  first_id: z.string().nullish(),
  last_id: z.string().nullish(),
  has_more: z.boolean(),
});

export const spendLimitSchema = z.object({
  object: z.string(),
  /** Cents. 0 with `inactive` is how a GET may say "no limit" (GUARD.md §3.2). */
  threshold_amount: wholeCents,
  currency: z.string().refine((c) => c.toUpperCase() === 'USD', {
    error: (issue) => `currency ${JSON.stringify(issue.input)} is not USD`,
  }),
  interval: z.string(),
  enforcement: z.object({ status: z.string() }),
});

export const spendLimitDeletedSchema = z.object({ object: z.string(), deleted: z.boolean() });

export type OpenAiProject = z.infer<typeof projectSchema>;
export type OpenAiSpendLimit = z.infer<typeof spendLimitSchema>;
