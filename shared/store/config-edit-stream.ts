import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { accountIdOfPk, CONFIG_SK, GRANT_PREFIX } from './keys.ts';

/**
 * The table's stream as the config-edit function sees it. Lambda's event filter passes only the
 * items people edit, so the writes burnrate makes itself (STATE, ALERT#, COST#, LIMITS, PROJECTS,
 * RECONCILED, TOKEN#, AUDIT#) never invoke it (nor cost an invocation):
 * - the CONFIG item and GRANT# items created or changed (console, `account set`, `grant add`,
 *   `checkpoint`);
 * - a GRANT# item deleted (the balance changes). A deleted CONFIG item is not an edit to check:
 *   the account is gone, and the sync no longer lists it.
 * Patterns in Lambda's filter grammar (the same as EventBridge's), OR-ed; the stream record's
 * `dynamodb.Keys` are in attribute-value form.
 */
export const CONFIG_EDIT_FILTERS = [
  {
    eventName: ['INSERT', 'MODIFY'],
    dynamodb: { Keys: { sk: { S: [CONFIG_SK, { prefix: GRANT_PREFIX }] } } },
  },
  { eventName: ['REMOVE'], dynamodb: { Keys: { sk: { S: [{ prefix: GRANT_PREFIX }] } } } },
] as const;

const attributes = z.record(z.string(), z.unknown());
const streamRecordSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    Keys: z.object({ pk: z.object({ S: z.string() }), sk: z.object({ S: z.string() }) }),
    NewImage: attributes.optional(),
    OldImage: attributes.optional(),
  }),
});

export interface ItemEdit {
  accountId: string;
  /** The edited item's sort key: `CONFIG` or `GRANT#<id>`. */
  item: string;
  event: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** Names of the attributes that differ between the old and the new image (never their values). */
  fields: string[];
}

/** What a stream record says was edited; throws (naming the field) on a record of another shape. */
export function parseItemEdit(record: unknown): ItemEdit {
  const r = streamRecordSchema.parse(record);
  const pk = r.dynamodb.Keys.pk.S;
  const accountId = accountIdOfPk(pk);
  if (accountId === undefined)
    throw new Error(`stream record: dynamodb.Keys.pk: not an account key, got "${pk}"`);
  const before = r.dynamodb.OldImage ?? {};
  const after = r.dynamodb.NewImage ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => name !== 'pk' && name !== 'sk' && !isDeepStrictEqual(before[name], after[name]))
    .sort();
  return { accountId, item: r.dynamodb.Keys.sk.S, event: r.eventName, fields };
}
