import * as z from 'zod';
import { parseInstant } from '../core/time.ts';
import { KEY_ITSELF, looksLikeKey } from '../secrets/redact.ts';

/** Field schemas shared by the config, grant and simulation schemas, with messages people can act on. */
export const positiveNumber = z
  .number({ error: 'expected a positive number' })
  .positive({ error: 'expected a positive number' });

export const nonNegativeNumber = z
  .number({ error: 'expected a number >= 0' })
  .nonnegative({ error: 'expected a number >= 0' });

/** Thresholds: positive numbers, duplicates dropped (they would name the same alert key). */
export const thresholdList = z
  .array(positiveNumber, { error: 'expected a list of positive numbers' })
  .transform((xs) => [...new Set(xs)]);

/** An ISO 8601 instant (`2026-07-01T00:00:00Z`, with an offset, or a bare UTC date). */
export const instant = z
  .string({ error: 'expected an ISO 8601 instant such as 2026-07-01T00:00:00Z' })
  .refine((s) => parseInstant(s) !== undefined, {
    error: 'expected an ISO 8601 instant such as 2026-07-01T00:00:00Z',
  });

/** Said of a key pasted into a field that is shown in messages and emails (an id, a name). */
export const NOT_A_KEY =
  'this looks like an API key (sk-…): keys belong in Secrets Manager, never in the config item';

export const identifier = z
  .string({ error: 'expected an id (letters, digits, . _ -)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
    error: 'expected an id of letters, digits, dot, underscore or dash (1-128 characters)',
  })
  .refine((s) => !looksLikeKey(s), { error: NOT_A_KEY });

/** Free text shown in emails (the account's name). */
export const displayText = z
  .string({ error: 'expected a text' })
  .min(1, { error: 'expected a non-empty text' })
  .refine((s) => !looksLikeKey(s), { error: NOT_A_KEY });

/** The prefix every admin key's secret shares: the functions' IAM policy allows `secret:burnrate/*` only. */
export const SECRET_PREFIX = 'burnrate/';

/**
 * `adminKeySecret`: the NAME of a Secrets Manager secret under burnrate/. A pasted key is refused
 * with a message saying so (the value itself is never echoed: InvalidInputError redacts it).
 */
export const secretName = z
  .string({ error: 'expected a Secrets Manager secret name such as "burnrate/acme-openai"' })
  .superRefine((s, ctx) => {
    const message = looksLikeKey(s)
      ? `${KEY_ITSELF} (such as "burnrate/acme-openai")`
      : !s.startsWith(SECRET_PREFIX)
        ? `expected a secret name under ${SECRET_PREFIX} such as "burnrate/acme-openai" (burnrate's functions may read only ${SECRET_PREFIX}*)`
        : !/^burnrate\/[A-Za-z0-9/_+=.@-]{1,503}$/.test(s)
          ? 'expected a Secrets Manager secret name: burnrate/ then letters, digits and / _ + = . @ - (at most 512 characters)'
          : undefined;
    if (message) ctx.addIssue({ code: 'custom', message });
  });
