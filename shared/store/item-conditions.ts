import { isDeepStrictEqual } from 'node:util';
import { accountConfigSchema } from '../schemas/account-config.ts';
import { grantInputSchema } from '../schemas/grant.ts';

type Row = Record<string, unknown>;

/** Every field a config item or a grant item may hold (the schemas are strict: nothing else is valid). */
export const CONFIG_FIELDS: readonly string[] = Object.keys(accountConfigSchema.shape);
export const GRANT_FIELDS: readonly string[] = Object.keys(grantInputSchema.shape);

/**
 * A condition that holds only while the item is stored exactly as it was read: it exists, every
 * attribute read still has its value (`=` compares lists in order and maps by content, also on
 * DynamoDB Local), and each of `fields` that was absent is still absent. Nothing has to be bumped,
 * so it sees a hand edit in the console as well as a CLI write. An attribute added outside `fields`
 * goes unseen, but the schemas are strict: such an item is invalid, and the next run reports it.
 * Size: ~17 characters per attribute and ~31 per absent field, well under the 4 KB expression limit
 * for the ~16 fields of a config item.
 */
export function unchangedCondition(read: Row, fields: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts = ['attribute_exists(pk)'];
  Object.entries(read).forEach(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:v${i}`] = value;
    parts.push(`#a${i} = :v${i}`);
  });
  fields
    .filter((f) => !(f in read))
    .forEach((field, i) => {
      names[`#n${i}`] = field;
      parts.push(`attribute_not_exists(#n${i})`);
    });
  return {
    ConditionExpression: parts.join(' AND '),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
}

/** Whether two items read at different times hold the same attributes and values. */
export const sameItem = (a: Row, b: Row): boolean => isDeepStrictEqual(a, b);

/**
 * Numbers in a raw item (DynamoDB's `{ N: "…" }` wire form) that a JavaScript number cannot hold
 * exactly (DynamoDB keeps 38 digits, a double about 15 to 17): such a value reads back as a rounded
 * number, so a condition comparing it with what was read can never hold. Paths like `amountUsd`,
 * `lowBalanceUsd[1]`.
 */
export function impreciseNumbers(raw: Record<string, unknown>, path = ''): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const at = path === '' ? name : /^\d+$/.test(name) ? `${path}[${name}]` : `${path}.${name}`;
    const v = value as { N?: string; L?: unknown[]; M?: Record<string, unknown> };
    if (typeof v?.N === 'string' && !sameNumber(v.N, String(Number(v.N)))) out.push(`${at}: ${v.N}`);
    if (Array.isArray(v?.L)) out.push(...impreciseNumbers({ ...v.L }, at));
    if (v?.M && typeof v.M === 'object') out.push(...impreciseNumbers(v.M, at));
  }
  return out;
}

/** Numeric equality of two decimal texts (`500.0` = `500` = `5e2`), exactly. */
function sameNumber(a: string, b: string): boolean {
  const norm = (text: string) => {
    const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m) return text;
    const [, sign = '', whole = '', frac = '', exp = '0'] = m;
    const digits = `${whole}${frac}`.replace(/^0+/, '');
    if (digits === '') return '0';
    const scale = Number(exp) - frac.length + (digits.length - digits.replace(/0+$/, '').length);
    return `${sign}${digits.replace(/0+$/, '')}e${scale}`;
  };
  return norm(a) === norm(b);
}
