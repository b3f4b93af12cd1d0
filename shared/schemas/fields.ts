import * as z from 'zod';
import { parseInstant } from '../core/time.ts';

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

export const identifier = z
  .string({ error: 'expected an id (letters, digits, . _ -)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
    error: 'expected an id of letters, digits, dot, underscore or dash (1-128 characters)',
  });
