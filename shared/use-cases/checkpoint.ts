import { BURN_ORDERS, compareWithPage, splitBalance } from '../core/drift.ts';
import { type Micros, microsToUsd } from '../core/money.ts';
import { DAY_MS, dayKey, startOfUtcDay } from '../core/time.ts';
import type { BurnOrder, Grant } from '../core/types.ts';
import type { AccountItems, ReconciledRecord } from '../ports.ts';
import { ConcurrentSyncError } from '../ports.ts';
import { toAlertPolicy } from '../schemas/account-config.ts';
import { type GrantInput, parseGrants, toGrant } from '../schemas/grant.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { buildReport, type DriftReport } from './checkpoint-report.ts';
import { addedName, isoInstant, parseRequest } from './checkpoint-request.ts';
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
  /** `--recharge ID,AMOUNT,EFFECTIVE[,EXPIRES]`: like `--add`, for a card charge auto-recharge made. */
  recharges?: readonly string[] | undefined;
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

export type { DriftReport, DriftReportRow, RechargeComparison } from './checkpoint-report.ts';

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
    const name = addedName(a);
    if (byId.has(a.id)) {
      problems.push(`${name}: grant ${a.id} exists already: give its figure as ${a.id}=REMAINING instead`);
      continue;
    }
    if (added.some((x) => x.id === a.id)) {
      problems.push(`${name}: added twice`);
      continue;
    }
    if (g.expiresAt <= g.effectiveAt) {
      problems.push(`${name}: expires (${a.expiresAt}) must be after effective (${a.effectiveAt})`);
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
    const name = isAdded ? addedName(g) : `grant ${g.id}`;
    if (g.expiresAt <= at) {
      // Expired by T: it holds nothing then, needs no checkpoint and is replayed like any grant.
      if (given !== undefined)
        problems.push(
          `${name}: expired ${isoInstant(g.expiresAt)}, at or before the checkpoint instant ${atIso}: it holds ` +
            `nothing then and takes no figure (it is replayed like any grant); drop ${g.id}=…`,
        );
    } else if (g.effectiveAt > at && (given !== undefined || isAdded)) {
      problems.push(
        `${name}: effective ${isoInstant(g.effectiveAt)}, after the checkpoint instant ${atIso}: ` +
          (g.recharge && isAdded
            ? 'recharges after the checkpoint are modelled (autoRecharge), so it would count twice; do not enter it (or check --at)'
            : isAdded
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
  // An added grant expired by T needs no checkpoint (and could not carry one).
  const add = addedInputs.map((a, i) =>
    (added[i] as Grant).expiresAt <= at
      ? a
      : { ...a, remainingUsd: microsToExactUsd(finalFigures.get(a.id) ?? 0), remainingAsOf: atIso },
  );
  // The result must pass the same checks a sync applies (one instant, every grant before it).
  parseGrants([...replace.map((r) => r.after), ...add], `account ${accountId}`, (i) =>
    i < replace.length
      ? `grant ${String(replace[i]?.after.id)}`
      : addedName(add[i - replace.length] as GrantInput),
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
    at,
    order,
    comparison,
    added,
    enteredRecharges: [...known.values()].filter((g) => g.recharge),
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

/** Micro-dollars as a USD JSON number, exactly (the page's figures have cents; nothing is rounded away). */
function microsToExactUsd(micros: Micros): number {
  return Number(`${micros}e-6`);
}
