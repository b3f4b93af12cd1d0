import { type AlertCandidate, candidate } from './alert-keys.ts';
import { usdToCentsUp } from './hard-limits.ts';
import type { Micros } from './money.ts';
import { bucketParts } from './projects.ts';
import { type HourSpend, type SpikePolicy, spikeDay, type UsualDay } from './spike.ts';
import { dayKey } from './time.ts';

/**
 * The guard's trigger (LEDGER.md "Guard"; issue 18): in every run where the spike condition holds
 * (whether or not the day's `spike` key already fired), the target is the project (Anthropic:
 * workspace) with the largest spend in the spiking hour, if its guard mode is not `off`, it can be
 * frozen at all, and it is not frozen already. One incident per project and UTC day of the spiking
 * hour: `guard:<project>:<day>`, fired once like any key, so a second project running away the same
 * day is still stopped, and a retry, a re-run or the 00:10 run after a 23:00 loop never act twice.
 * A freeze in force on a later UTC day raises `guard-reminder:<project>:<day>` once a day. Pure.
 */
export type GuardMode = 'off' | 'approve' | 'auto';

export interface GuardPolicy {
  /** The spike rule's policy (false/absent: off, and so is the guard's trigger). */
  spike: SpikePolicy | false | undefined;
  /** The guard mode that applies to a project (its own override over the account's). */
  modeOf(projectId: string): GuardMode;
  /**
   * The project id behind a scope of the hour's split, or undefined when no project can be frozen
   * for it (OpenAI spend without a project; Anthropic's default workspace, which has no id).
   */
  projectOfScope(scope: string): string | undefined;
}

/** A freeze in force (the FREEZE item applied, or being applied), as the rules read it. */
export interface FreezeInForce {
  projectId: string;
  /** When it was applied (ISO); undefined while it is being applied. */
  since?: string | undefined;
}

/** The project a spiking hour points at, and what the incident records. */
export interface GuardTarget {
  projectId: string;
  /** Its key in the hour's split (byScope). */
  scope: string;
  mode: Exclude<GuardMode, 'off'>;
  /** The incident key `guard:<projectId>:<day>` and its day (UTC day of the spiking hour). */
  incident: string;
  day: string;
  /** Epoch ms of the spiking hour's start. */
  hourStart: number;
  /** The project's spend in that hour. */
  hourSpendMicros: Micros;
}

/** The scope with the largest spend in the hour (ties: the smaller name), or undefined for none. */
export function topScope(byScope: Readonly<Record<string, Micros>>): [string, Micros] | undefined {
  let best: [string, Micros] | undefined;
  for (const [scope, micros] of Object.entries(byScope)) {
    if (micros <= 0) continue;
    if (!best || micros > best[1] || (micros === best[1] && scope < best[0])) best = [scope, micros];
  }
  return best;
}

/**
 * The guard's target at this run, or undefined: the spike condition must hold for the run's hour,
 * and the hour's top project must have a mode other than `off`, be freezable and not be frozen.
 * Never the next project down: the guard stops the one that drives the spike, or none.
 */
export function guardTarget(
  f: { hour?: HourSpend | undefined; usualDay: UsualDay },
  policy: GuardPolicy,
  frozen: ReadonlySet<string>,
): GuardTarget | undefined {
  const day = spikeDay(f.hour, f.usualDay, policy.spike);
  if (!day || !f.hour) return undefined;
  const top = topScope(f.hour.byScope);
  if (!top) return undefined;
  const [scope, hourSpendMicros] = top;
  const projectId = policy.projectOfScope(scope);
  if (projectId === undefined || frozen.has(projectId)) return undefined;
  const mode = policy.modeOf(projectId);
  if (mode === 'off') return undefined;
  const incident = candidate({ kind: 'guard', projectId, day }).key;
  return { projectId, scope, mode, incident, day, hourStart: f.hour.start, hourSpendMicros };
}

/**
 * The guard's keys at `at`: the target's incident, and a reminder for each freeze in force that
 * was applied before today (UTC). `frozen` projects never get an incident: they are stopped already.
 */
export function guardConditions(
  f: { at: number; hour?: HourSpend | undefined; usualDay: UsualDay },
  policy: GuardPolicy,
  freezes: readonly FreezeInForce[],
): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  const target = guardTarget(f, policy, new Set(freezes.map((z) => z.projectId)));
  if (target) out.push(candidate({ kind: 'guard', projectId: target.projectId, day: target.day }));
  const today = dayKey(f.at);
  for (const z of freezes) {
    if (z.since !== undefined && dayKey(Date.parse(z.since)) < today)
      out.push(candidate({ kind: 'guard-reminder', projectId: z.projectId, day: today }));
  }
  return out;
}

/**
 * The freeze threshold in cents: the project's month-to-date (today's estimate included) rounded up
 * to the cent, plus the headroom (rounded up too); at least 1 cent, the providers' minimum.
 */
export function freezeThresholdCents(monthToDateMicros: Micros, headroomUsd: number): number {
  const spent = Math.ceil(Math.max(0, monthToDateMicros) / 10_000);
  return Math.max(1, spent + usdToCentsUp(headroomUsd));
}

/**
 * Whether a limit the provider has already stops spend at or below the freeze threshold: then the
 * guard writes nothing and says so. Only the threshold counts, as for the keeper (hard-limits.ts):
 * the provider's enforcement word is too loosely defined to decide on.
 */
export function alreadyLimited(
  have: { state: 'none' } | { state: 'set'; thresholdCents: number },
  thresholdCents: number,
): boolean {
  return have.state === 'set' && have.thresholdCents <= thresholdCents;
}

/**
 * A scope's month-to-date from stored cost days (its part of each day of `at`'s month, today's
 * estimate included), as the project figures count it (projects.ts: the parts add up to each day).
 * What a freeze's threshold starts from, wherever it runs (a run, the page, the CLI).
 */
export function scopeMonthToDate(
  days: ReadonlyArray<{ day: string; amountMicros: Micros; byScope: Readonly<Record<string, Micros>> }>,
  scope: string,
  at: number,
): Micros {
  const today = dayKey(at);
  const month = today.slice(0, 7);
  let sum = 0;
  for (const d of days) {
    if (d.day.slice(0, 7) !== month || d.day > today) continue;
    sum += bucketParts(d.amountMicros, d.byScope).get(scope) ?? 0;
  }
  return sum;
}
