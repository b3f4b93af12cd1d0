import * as z from 'zod';
import { usdToMicros } from '../core/money.ts';
import { addOneYear, parseInstant } from '../core/time.ts';
import type { Grant } from '../core/types.ts';
import { looksLikeKey } from '../secrets/redact.ts';
import { instant, NOT_A_KEY, nonNegativeNumber, positiveNumber } from './fields.ts';
import { formatIssues, InvalidInputError } from './invalid-input.ts';

/**
 * A grant as people write it (USD, ISO instants), with an optional checkpoint; `recharge: true`
 * marks a card charge auto-recharge made before the checkpoint (an entered recharge).
 */
export const grantInputSchema = z.strictObject({
  id: z
    .string({ error: 'expected a grant id' })
    .regex(/^[^\s\p{Cc}]{1,128}$/u, { error: 'expected a grant id (1-128 characters, no spaces)' })
    .refine((id) => !id.startsWith('auto-'), {
      error: 'ids starting with "auto-" are kept for the recharge grants burnrate models; choose another id',
    })
    .refine((id) => !looksLikeKey(id), { error: NOT_A_KEY }),
  amountUsd: positiveNumber,
  effectiveAt: instant,
  expiresAt: instant.optional(),
  remainingUsd: nonNegativeNumber.optional(),
  remainingAsOf: instant.optional(),
  recharge: z
    .boolean({
      error: 'expected true (a card charge auto-recharge made, read off the billing page) or false',
    })
    .optional(),
});

export type GrantInput = z.infer<typeof grantInputSchema>;

/**
 * Parses a list of grants and checks the rules that span fields and grants: expiry after effect,
 * checkpoint inside the grant's life, one checkpoint instant T per account, every grant effective
 * before T and not expired by T carrying a checkpoint (otherwise spend before T would be counted
 * twice; one expired by then holds nothing at T and is replayed like any grant), and entered
 * recharges only on an account with a checkpoint, effective at or before T (later recharges are
 * modelled). `where(i)` names grant i in messages, e.g. `grants[2]`.
 */
export function parseGrants(raw: unknown, prefix: string, where: (i: number) => string): Grant[] {
  if (!Array.isArray(raw)) throw new InvalidInputError([`${prefix}: grants: expected a list of grants`]);
  const problems: string[] = [];
  const grants: Grant[] = [];
  const seen = new Map<string, number>();
  raw.forEach((item, i) => {
    const result = grantInputSchema.safeParse(item);
    if (!result.success) {
      problems.push(...formatIssues(prefix, result.error, item, [where(i)]));
      return;
    }
    const g = result.data;
    const at = `${prefix}: ${where(i)}`;
    const first = seen.get(g.id);
    if (first !== undefined) problems.push(`${at}.id: duplicate grant id "${g.id}" (also ${where(first)})`);
    seen.set(g.id, i);
    const grant = toGrant(g);
    if (grant.expiresAt <= grant.effectiveAt) {
      problems.push(`${at}.expiresAt: must be after effectiveAt (${g.effectiveAt}), got "${g.expiresAt}"`);
    }
    if ((g.remainingUsd === undefined) !== (g.remainingAsOf === undefined)) {
      const missing = g.remainingUsd === undefined ? 'remainingUsd' : 'remainingAsOf';
      problems.push(`${at}.${missing}: a checkpoint needs both remainingUsd and remainingAsOf`);
    } else if (grant.checkpoint) {
      const { asOf } = grant.checkpoint;
      if (asOf < grant.effectiveAt || asOf >= grant.expiresAt) {
        problems.push(
          `${at}.remainingAsOf: must be at or after effectiveAt and before expiresAt, got "${g.remainingAsOf}"`,
        );
      }
    }
    grants.push(grant);
  });
  if (problems.length === 0) problems.push(...checkpointProblems(grants, raw as GrantInput[], prefix, where));
  if (problems.length > 0) throw new InvalidInputError(problems);
  return grants;
}

function checkpointProblems(
  grants: Grant[],
  raw: GrantInput[],
  prefix: string,
  where: (i: number) => string,
) {
  const problems: string[] = [];
  const withCheckpoint = grants.findIndex((g) => g.checkpoint);
  const t = grants[withCheckpoint]?.checkpoint?.asOf;
  const tText = raw[withCheckpoint]?.remainingAsOf;
  grants.forEach((g, i) => {
    const at = `${prefix}: ${where(i)}`;
    if (g.recharge && t === undefined) {
      problems.push(
        `${at}.recharge: an entered recharge needs a checkpoint on the account (it must be effective at or ` +
          'before the checkpoint instant): without one burnrate models every recharge, so this card charge ' +
          'would count twice; drop "recharge" or the grant, or take a checkpoint (burnrate checkpoint … --recharge)',
      );
    } else if (g.recharge && t !== undefined && g.effectiveAt > t) {
      problems.push(
        `${at}.recharge: effective "${raw[i]?.effectiveAt}", after the checkpoint instant "${tText}": ` +
          'recharges after the checkpoint are modelled (autoRecharge), so this card charge would count twice; delete this grant',
      );
    }
    if (t === undefined) return;
    if (g.checkpoint && g.checkpoint.asOf !== t) {
      problems.push(
        `${at}.remainingAsOf: every checkpoint of an account must share one instant ` +
          `(${where(withCheckpoint)} has "${tText}"), got "${raw[i]?.remainingAsOf}"`,
      );
    } else if (!g.checkpoint && g.effectiveAt < t && g.expiresAt > t) {
      problems.push(
        `${at}.remainingUsd: grant is effective before the checkpoint instant ` +
          `"${tText}", so it needs a checkpoint too (remainingUsd and remainingAsOf)`,
      );
    }
  });
  return problems;
}

export function toGrant(g: GrantInput): Grant {
  const effectiveAt = parseInstant(g.effectiveAt) as number;
  const grant: Grant = {
    id: g.id,
    amountMicros: usdToMicros(g.amountUsd),
    effectiveAt,
    expiresAt: g.expiresAt === undefined ? addOneYear(effectiveAt) : (parseInstant(g.expiresAt) as number),
  };
  if (g.recharge) grant.recharge = true;
  if (g.remainingUsd !== undefined && g.remainingAsOf !== undefined) {
    grant.checkpoint = {
      remainingMicros: usdToMicros(g.remainingUsd),
      asOf: parseInstant(g.remainingAsOf) as number,
    };
  }
  return grant;
}
