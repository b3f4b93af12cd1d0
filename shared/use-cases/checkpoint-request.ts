import { type Micros, usdToMicros } from '../core/money.ts';
import { parseInstant } from '../core/time.ts';
import { type GrantInput, grantInputSchema } from '../schemas/grant.ts';
import { formatIssues } from '../schemas/invalid-input.ts';

/** What `burnrate checkpoint` was given, as typed (see CheckpointRequest), parsed and checked field by field. */
export interface ParsedRequest {
  at: number;
  figures: Array<{ id: string; remainingMicros: Micros }>;
  /** `--add` and `--recharge` grants in the order given; a `--recharge` one carries `recharge: true`. */
  adds: GrantInput[];
  balanceMicros?: Micros;
  balanceText?: string;
  problems: string[];
}

export interface RawRequest {
  at?: string | undefined;
  figures: readonly string[];
  adds: readonly string[];
  recharges?: readonly string[] | undefined;
  balance?: string | undefined;
}

const FIGURE = /^([^=\s]+)=\$?([-+]?[\d,]*\.?\d+)(?:@(\S+))?$/;

/** `2026-11-25T09:00:00Z` (no milliseconds unless there are some). */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The flag a grant being added came in with: `--add r1` or `--recharge r1`. */
export function addedName(g: { id: string; recharge?: boolean | undefined }): string {
  return `${g.recharge ? '--recharge' : '--add'} ${g.id}`;
}

export function parseRequest(request: RawRequest, now: number): ParsedRequest {
  const problems: string[] = [];
  const parsedFigures: Array<{ id: string; remainingMicros: Micros; value: number; instant?: string }> = [];
  for (const text of request.figures) {
    const m = FIGURE.exec(text.trim());
    if (!m) {
      problems.push(`${text}: expected GRANT=REMAINING in USD, e.g. g1=61.37`);
      continue;
    }
    const [, id = '', amount = '', instant] = m;
    const value = Number(amount.replaceAll(',', ''));
    if (!Number.isFinite(value)) {
      problems.push(`grant ${id}: remaining "${amount}": expected a number of USD`);
      continue;
    }
    if (value < 0) {
      problems.push(`grant ${id}: remaining ${value}: must be >= 0 (copy the figure the billing page shows)`);
      continue;
    }
    const first = parsedFigures.find((f) => f.id === id);
    if (first) {
      problems.push(`grant ${id}: two remaining figures given (${first.value} and ${value})`);
      continue;
    }
    parsedFigures.push({ id, remainingMicros: usdToMicros(value), value, ...(instant && { instant }) });
  }

  // One instant for all: --at, or else the one the figures carry, or else now.
  let at = now;
  let atSource = 'now';
  if (request.at !== undefined) {
    const t = parseInstant(request.at);
    if (t === undefined) {
      problems.push(`--at: expected an ISO 8601 instant such as 2026-11-25T09:00:00Z, got "${request.at}"`);
    } else {
      at = t;
      atSource = '--at';
    }
  }
  for (const f of parsedFigures) {
    if (f.instant === undefined) continue;
    const t = parseInstant(f.instant);
    if (t === undefined) {
      problems.push(`grant ${f.id}: @${f.instant}: expected an ISO 8601 instant`);
    } else if (atSource === 'now' && request.at === undefined) {
      at = t;
      atSource = `grant ${f.id}`;
    } else if (t !== at) {
      problems.push(
        `grant ${f.id}: figure read at ${f.instant}, but ${atSource} is ${isoInstant(at)}: ` +
          'every figure must be read at one instant (the checkpoint instant)',
      );
    }
  }
  if (at > now) problems.push(`--at: ${isoInstant(at)} is in the future (now ${isoInstant(now)})`);

  const adds: GrantInput[] = [];
  const additions = [
    ...request.adds.map((text) => ({ text, recharge: false })),
    ...(request.recharges ?? []).map((text) => ({ text, recharge: true })),
  ];
  for (const { text, recharge } of additions) {
    const parsed = parseAddition(text, recharge);
    if (typeof parsed === 'string' || Array.isArray(parsed)) problems.push(...[parsed].flat());
    else adds.push(parsed);
  }

  let balanceMicros: Micros | undefined;
  if (request.balance !== undefined) {
    const value = Number(request.balance.replace(/^\$/, '').replaceAll(',', ''));
    if (request.balance.trim() === '' || !Number.isFinite(value) || value < 0) {
      problems.push(`--balance: expected the page's total in USD (>= 0), got "${request.balance}"`);
    } else if (parsedFigures.length > 0) {
      problems.push(
        `--balance: gives the page's total (Anthropic); per-grant figures (${parsedFigures
          .map((f) => f.id)
          .join(', ')}) cannot come with it: give one or the other`,
      );
    } else {
      balanceMicros = usdToMicros(value);
    }
  }
  return {
    at,
    figures: parsedFigures.map(({ id, remainingMicros }) => ({ id, remainingMicros })),
    adds,
    ...(balanceMicros !== undefined && { balanceMicros, balanceText: request.balance }),
    problems,
  };
}

/** `ID,AMOUNT,EFFECTIVE[,EXPIRES]` of `--add` or `--recharge`: the grant, or the problems with it. */
function parseAddition(text: string, recharge: boolean): GrantInput | string | string[] {
  const flag = recharge ? '--recharge' : '--add';
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length < 3 || parts.length > 4) {
    return `${flag} ${text}: expected ID,AMOUNT,EFFECTIVE[,EXPIRES], e.g. r1,50,2026-11-20`;
  }
  const [id = '', amount = '', effectiveAt = '', expiresAt] = parts;
  if (id.startsWith('auto-')) {
    return `${flag} ${id}: ids starting with auto- are reserved for the recharges burnrate models`;
  }
  const raw = {
    id,
    amountUsd: amount === '' ? undefined : Number(amount.replace(/^\$/, '').replaceAll(',', '')),
    effectiveAt,
    ...(expiresAt && { expiresAt }),
    ...(recharge && { recharge: true }),
  };
  const parsed = grantInputSchema.safeParse(raw);
  if (!parsed.success) return formatIssues(`${flag} ${id}`, parsed.error, raw);
  return parsed.data;
}
