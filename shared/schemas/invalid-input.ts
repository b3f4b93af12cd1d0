import type * as z from 'zod';
import { redactKeys } from '../secrets/redact.ts';

/**
 * Bad input from a person or a file: every problem names the item and the field. Exit code 2.
 * Problems echo what was received ("got …"), so anything shaped like an API key is cut out here,
 * once for every path that reports bad configuration (CLI, logs, the operator's email).
 */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  readonly problems: string[];
  constructor(problems: string[]) {
    const redacted = problems.map((p) => redactKeys(p));
    super(redacted.join('\n'));
    this.problems = redacted;
  }
}

type PathPart = PropertyKey;

/** `['lowBalanceUsd', 1]` → `lowBalanceUsd[1]`; `['grants', 2, 'id']` → `grants[2].id`. */
export function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Renders a received value for a message, short and without secrets' worth of text. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PathPart[]): unknown {
  let v: unknown = input;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

/** One line per zod issue: `<prefix>: <field>: <what was expected>, got <value>`. */
export function formatIssues(
  prefix: string,
  error: z.ZodError,
  input: unknown,
  base: PathPart[] = [],
): string[] {
  return error.issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${prefix}: ${formatPath([...path, key])}: unknown field`);
    }
    // A bad key of a record (an id): show the key itself, not the value under it.
    const value = issue.code === 'invalid_key' ? issue.path.at(-1) : valueAt(input, issue.path);
    const field = formatPath(path) || '(item)';
    if (value === undefined && issue.code === 'invalid_type')
      return [`${prefix}: ${field}: required field is missing`];
    return [`${prefix}: ${field}: ${issue.message}, got ${describeValue(value)}`];
  });
}
