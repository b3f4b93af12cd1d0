import {
  BURN_ORDERS,
  compareWithPage,
  type DriftComparison,
  type DriftRow,
  RECHARGE_GROUP,
  splitBalance,
} from '../core/drift.ts';
import { type Micros, microsToUsd, usdToMicros } from '../core/money.ts';
import { DAY_MS, dayKey, parseInstant, startOfUtcDay } from '../core/time.ts';
import type { BurnOrder, Grant } from '../core/types.ts';
import { usd, usdMicros as usdMicrosText } from '../email/format.ts';
import type { AccountItems, ReconciledRecord } from '../ports.ts';
import { ConcurrentSyncError } from '../ports.ts';
import { toAlertPolicy } from '../schemas/account-config.ts';
import { type GrantInput, grantInputSchema, parseGrants, toGrant } from '../schemas/grant.ts';
import { formatIssues, InvalidInputError } from '../schemas/invalid-input.ts';
import { validateAccountItems } from './load-account.ts';
import { ledgerBuckets } from './sync-plan.ts';

/**
 * `burnrate checkpoint`: re-anchor an account to the provider's billing page at one instant T.
 * Validates the figures (the spec's checkpoint rules), reports how far the ledger had drifted from
 * the page under each burn order, then replaces every checkpoint in one conditional write.
 */

export interface CheckpointRequest {
  accountId: string;
  /** `--at`: the instant the page was read (ISO 8601); default now. */
  at?: string | undefined;
  /** `GRANT=REMAINING` (or `GRANT=REMAINING@INSTANT`), as typed. */
  figures: readonly string[];
  /** `--add ID,AMOUNT,EFFECTIVE[,EXPIRES]`, as typed. */
  adds: readonly string[];
  /** `--balance USD`: the page's total (Anthropic shows no per-grant figures). */
  balance?: string | undefined;
  dryRun?: boolean;
}

export interface CheckpointCommit {
  accountId: string;
  /** The STATE version loaded; undefined when there is no STATE item yet. */
  expectedVersion: number | undefined;
  /** Every stored grant: the item as read (the write's condition) and as it will be. */
  replace: Array<{ before: Record<string, unknown>; after: GrantInput }>;
  add: GrantInput[];
  reconciled: ReconciledRecord;
}

export interface CheckpointPort {
  loadAccount(accountId: string): Promise<AccountItems>;
  /** Throws ConcurrentSyncError when the account changed since it was loaded. */
  commitCheckpoint(commit: CheckpointCommit): Promise<void>;
}

export interface CheckpointDeps {
  store: CheckpointPort;
  now(): Date;
}

export interface DriftReportRow {
  grant: string;
  /** The recharge group only. */
  modelled?: string[];
  added?: string[];
  burnrateUsd: number;
  billingPageUsd: number;
  differenceUsd: number;
}

export interface DriftReport {
  accountId: string;
  at: string;
  burnOrder: BurnOrder;
  /** Per grant under the configured burn order (page − burnrate). */
  rows: DriftReportRow[];
  totalDriftUsd: number;
  bestBurnOrder: BurnOrder;
  /** Total absolute difference under each burn order. */
  byOrder: Record<BurnOrder, number>;
  /** Per grant under each burn order. */
  rowsByOrder: Record<BurnOrder, DriftReportRow[]>;
  verdict: string;
  hints: string[];
  /** `--balance`: the total as split across the grants (configured burn order). */
  balanceSplit?: Record<string, number>;
  dryRun: boolean;
}

const MAX_ATTEMPTS = 3;

/**
 * Validates, reports (`beforeWrite` sees the report before anything is written) and, unless
 * `dryRun`, writes. A concurrent sync or edit makes the write fail; it then starts over (reload,
 * revalidate, report again) up to three times. Invalid input throws InvalidInputError: nothing written.
 */
export async function checkpointAccount(
  deps: CheckpointDeps,
  request: CheckpointRequest,
  beforeWrite: (report: DriftReport) => void = () => {},
): Promise<{ report: DriftReport; written: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const items = await deps.store.loadAccount(request.accountId);
    const plan = planCheckpoint(items, request, deps.now().getTime());
    beforeWrite(plan.report);
    if (request.dryRun) return { report: plan.report, written: false };
    try {
      await deps.store.commitCheckpoint(plan.commit);
      return { report: plan.report, written: true };
    } catch (error) {
      if (!(error instanceof ConcurrentSyncError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Pure: the drift report and the write, from what one Query loaded. */
export function planCheckpoint(
  items: AccountItems,
  request: CheckpointRequest,
  now: number,
): { report: DriftReport; commit: CheckpointCommit } {
  const accountId = request.accountId;
  if (!items.config) throw new InvalidInputError([`account ${accountId}: no such account`]);
  const { config, grants } = validateAccountItems(items);
  const order = config.burnOrder;
  const input = parseRequest(request, now);
  const at = input.at;
  const atIso = isoInstant(at);
  const problems = [...input.problems];

  const byId = new Map(grants.map((g) => [g.id, g]));
  const added: Grant[] = [];
  const addedInputs: GrantInput[] = [];
  for (const a of input.adds) {
    const g = toGrant(a);
    if (byId.has(a.id)) {
      problems.push(
        `--add ${a.id}: grant ${a.id} exists already: give its figure as ${a.id}=REMAINING instead`,
      );
      continue;
    }
    if (added.some((x) => x.id === a.id)) {
      problems.push(`--add ${a.id}: added twice`);
      continue;
    }
    if (g.expiresAt <= g.effectiveAt) {
      problems.push(`--add ${a.id}: expires (${a.expiresAt}) must be after effective (${a.effectiveAt})`);
      continue;
    }
    added.push(g);
    addedInputs.push(a);
  }
  const known = new Map<string, Grant>([...byId, ...added.map((g) => [g.id, g] as const)]);

  for (const f of input.figures) {
    if (!known.has(f.id)) {
      problems.push(
        `grant ${f.id}: no such grant on account ${accountId}` +
          (byId.size > 0 ? ` (it has ${[...byId.keys()].join(', ')})` : '') +
          `; a grant burnrate does not have yet goes in with --add ${f.id},AMOUNT,EFFECTIVE[,EXPIRES]`,
      );
    }
  }
  const live = (g: Grant) => g.effectiveAt <= at && at < g.expiresAt;
  const figureOf = new Map(input.figures.map((f) => [f.id, f.remainingMicros]));
  for (const g of known.values()) {
    const given = figureOf.get(g.id);
    const isAdded = !byId.has(g.id);
    const name = isAdded ? `--add ${g.id}` : `grant ${g.id}`;
    if (g.expiresAt <= at && (given !== undefined || g.effectiveAt < at)) {
      problems.push(
        `${name}: expired ${isoInstant(g.expiresAt)}, before the checkpoint instant ${atIso}: a checkpoint ` +
          'must fall inside every grant effective before it; pick an earlier --at, or delete the expired grant’s item',
      );
    } else if (g.effectiveAt > at && (given !== undefined || isAdded)) {
      problems.push(
        `${name}: effective ${isoInstant(g.effectiveAt)}, after the checkpoint instant ${atIso}: ` +
          (isAdded
            ? 'a grant the page lists at that instant was effective by then (copy the date the page shows, or check --at)'
            : 'it takes no figure (it was not on the page yet)'),
      );
    } else if (given !== undefined && given > g.amountMicros) {
      problems.push(
        `grant ${g.id}: remaining ${microsToUsd(given)} is more than the grant's amount ${microsToUsd(g.amountMicros)}`,
      );
    } else if (
      given === undefined &&
      input.balanceMicros === undefined &&
      live(g) &&
      (g.effectiveAt < at || isAdded)
    ) {
      problems.push(
        `grant ${g.id}: no remaining figure given: every grant effective before ${atIso} needs one`,
      );
    }
  }
  if (input.balanceMicros === undefined && input.figures.length === 0 && problems.length === 0) {
    problems.push(
      `account ${accountId}: no figures given: pass GRANT=REMAINING for each grant on the billing page, or --balance USD for the page's total`,
    );
  }
  if (known.size === 0 && problems.length === 0) {
    problems.push(`account ${accountId}: has no grants to checkpoint (add them with --add or \`grant add\`)`);
  }

  const liveGrants = [...known.values()].filter(live);
  const splits = new Map<BurnOrder, Map<string, Micros>>();
  if (input.balanceMicros !== undefined && problems.length === 0) {
    for (const o of BURN_ORDERS) {
      const { split, unassigned } = splitBalance(liveGrants, o, input.balanceMicros);
      splits.set(o, split);
      if (o === order && unassigned > 0) {
        const holds = liveGrants.map((g) => `${g.id} ${microsToUsd(g.amountMicros)}`).join(', ');
        problems.push(
          `--balance ${input.balanceText}: more than the grants live at ${atIso} can hold (${microsToUsd(
            input.balanceMicros - unassigned,
          )}: ${holds || 'none'}); is a grant missing? add it with --add`,
        );
      }
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems);

  const entered = (o: BurnOrder): ReadonlyMap<string, Micros> => splits.get(o) ?? figureOf;
  const finalFigures = entered(order);

  // The new grant items: every stored grant loses its old checkpoint and gains the new one.
  const replace = items.grants.map((before) => {
    const { remainingUsd: _r, remainingAsOf: _a, ...rest } = before;
    const id = String(before.id);
    const remaining = finalFigures.get(id);
    const after = {
      ...rest,
      ...(remaining !== undefined && { remainingUsd: microsToExactUsd(remaining), remainingAsOf: atIso }),
    } as GrantInput;
    return { before, after };
  });
  const add = addedInputs.map((a) => ({
    ...a,
    remainingUsd: microsToExactUsd(finalFigures.get(a.id) ?? 0),
    remainingAsOf: atIso,
  }));
  // The result must pass the same checks a sync applies (one instant, every grant before it).
  parseGrants([...replace.map((r) => r.after), ...add], `account ${accountId}`, (i) =>
    i < replace.length ? `grant ${String(replace[i]?.after.id)}` : `--add ${add[i - replace.length]?.id}`,
  );

  const { buckets, todayMicros } = ledgerBuckets(items.costs, at);
  const beforeAtMicros = dayKey(at) < dayKey(now) ? spentBefore(at, todayMicros) : todayMicros;
  const { autoRecharge } = toAlertPolicy(config);
  const comparison = compareWithPage(
    { grants, buckets, beforeAtMicros, at, autoRecharge, entered, added: added.map((g) => g.id) },
    order,
  );
  const report = buildReport({
    accountId,
    atIso,
    order,
    comparison,
    addedIds: added.map((g) => g.id),
    autoRecharge: autoRecharge !== undefined,
    split: splits.size > 0 ? finalFigures : undefined,
    dryRun: request.dryRun === true,
  });
  const reconciled: ReconciledRecord = {
    at: atIso,
    driftUsd: report.totalDriftUsd,
    burnOrder: order,
    bestBurnOrder: report.bestBurnOrder,
    byOrder: report.byOrder,
    recordedAt: isoInstant(now),
  };
  return {
    report,
    commit: { accountId, expectedVersion: items.state?.version, replace, add, reconciled },
  };
}

/** The part of T's (complete) day spent before T: the rest is what the checkpoint's pro-rata draw takes. */
function spentBefore(at: number, dayMicros: Micros): Micros {
  const s = startOfUtcDay(at);
  const e = s + DAY_MS;
  return dayMicros - Math.floor((dayMicros * (e - at)) / (e - s));
}

interface ParsedRequest {
  at: number;
  figures: Array<{ id: string; remainingMicros: Micros }>;
  adds: GrantInput[];
  balanceMicros?: Micros;
  balanceText?: string;
  problems: string[];
}

const FIGURE = /^([^=\s]+)=\$?([-+]?[\d,]*\.?\d+)(?:@(\S+))?$/;

function parseRequest(request: CheckpointRequest, now: number): ParsedRequest {
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
  for (const text of request.adds) {
    const parts = text.split(',').map((p) => p.trim());
    if (parts.length < 3 || parts.length > 4) {
      problems.push(`--add ${text}: expected ID,AMOUNT,EFFECTIVE[,EXPIRES], e.g. r1,50,2026-11-20`);
      continue;
    }
    const [id = '', amount = '', effectiveAt = '', expiresAt] = parts;
    if (id.startsWith('auto-')) {
      problems.push(`--add ${id}: ids starting with auto- are reserved for the recharges burnrate models`);
      continue;
    }
    const raw = {
      id,
      amountUsd: amount === '' ? undefined : Number(amount.replace(/^\$/, '').replaceAll(',', '')),
      effectiveAt,
      ...(expiresAt && { expiresAt }),
    };
    const parsed = grantInputSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...formatIssues(`--add ${id}`, parsed.error, raw));
      continue;
    }
    adds.push(parsed.data);
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

function buildReport(input: {
  accountId: string;
  atIso: string;
  order: BurnOrder;
  comparison: ReturnType<typeof compareWithPage>;
  addedIds: string[];
  autoRecharge: boolean;
  split: ReadonlyMap<string, Micros> | undefined;
  dryRun: boolean;
}): DriftReport {
  const { order, comparison } = input;
  const { best, byOrder } = comparison;
  const total = (o: BurnOrder) => microsToUsd(byOrder[o].totalMicros);
  const others = BURN_ORDERS.filter((o) => o !== best)
    .map((o) => `${o} is off by ${usd(total(o))}`)
    .join('; ');
  const sums = (rows: DriftRow[]) => rows.reduce((s, r) => s + r.ledgerMicros, 0);
  const verdict =
    input.split && new Set(BURN_ORDERS.map(total)).size === 1
      ? `with only the page's total, the burn orders cannot be told apart: burnrate had ${usdMicrosText(
          sums(byOrder[order].rows),
        )}, the page shows ${usdMicrosText([...input.split.values()].reduce((s, m) => s + m, 0))}`
      : best === order
        ? `the billing page matches the configured burnOrder (${order}) within ${usd(total(order))}; ${others}`
        : `the billing page matches ${best} within ${usd(total(best))}; ${others}: set burnOrder to ${best} ` +
          `(npx burnrate account set ${input.accountId} burnOrder=${best})`;
  const hints: string[] = [];
  const mine = byOrder[order];
  if (input.addedIds.length > 0 && !input.autoRecharge) {
    hints.push(
      `the billing page lists grants burnrate did not have (${input.addedIds.join(', ')}): if they are ` +
        'auto-recharges, set autoRecharge in the config so burnrate models the next ones after this checkpoint',
    );
  }
  if (mine.modelled.length > 0 && input.addedIds.length === 0) {
    hints.push(
      `burnrate modelled recharges the billing page does not list (${mine.modelled
        .map((m) => m.id)
        .join(
          ', ',
        )}): check that auto-recharge is on at the provider and that autoRecharge in the config matches it`,
    );
  }
  const rowsOf = (c: DriftComparison): DriftReportRow[] =>
    c.rows.map((r) => ({
      grant: r.id,
      ...(r.id === RECHARGE_GROUP && { modelled: r.modelled ?? [], added: r.added ?? [] }),
      burnrateUsd: microsToUsd(r.ledgerMicros),
      billingPageUsd: microsToUsd(r.enteredMicros),
      differenceUsd: microsToUsd(r.enteredMicros - r.ledgerMicros),
    }));
  return {
    accountId: input.accountId,
    at: input.atIso,
    burnOrder: order,
    rows: rowsOf(mine),
    totalDriftUsd: total(order),
    bestBurnOrder: best,
    byOrder: Object.fromEntries(BURN_ORDERS.map((o) => [o, total(o)])) as Record<BurnOrder, number>,
    rowsByOrder: Object.fromEntries(BURN_ORDERS.map((o) => [o, rowsOf(byOrder[o])])) as Record<
      BurnOrder,
      DriftReportRow[]
    >,
    verdict,
    hints,
    ...(input.split && {
      balanceSplit: Object.fromEntries([...input.split].map(([id, m]) => [id, microsToUsd(m)])),
    }),
    dryRun: input.dryRun,
  };
}

/** `2026-11-25T09:00:00Z` (no milliseconds unless there are some). */
function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Micro-dollars as a USD JSON number, exactly (the page's figures have cents; nothing is rounded away). */
function microsToExactUsd(micros: Micros): number {
  return Number(`${micros}e-6`);
}
