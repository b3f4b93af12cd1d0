/**
 * What the fake providers do with hard limits and switched-off keys: like the real ones, they stop
 * serving (here: stop reporting) a scope's usage once a limit is in force and the scope's
 * month-to-date spend has reached it, and a key's usage once the key is inactive. Nothing is
 * instantaneous (GUARD.md §3.3 "Enforcement is not instantaneous"): a change is in force
 * `delayMs` after the fake's clock saw it (default 5 minutes), and so is its removal.
 *
 * Usage rows are scripted ahead (a loop's minute-by-minute rows through the evening); a row is kept
 * or dropped by the limit in force at the row's own instant, so a scripted loop visibly stops
 * growing `delayMs` after a limit at or below its spend was set, and resumes after a DELETE.
 */

/** The organization limit's scope key (it covers every project/workspace). */
export const ORG_SCOPE = '*organization*';
export const DEFAULT_PROPAGATION_MS = 5 * 60_000;

export interface SpendRow {
  /** Instant of the usage (ms). */
  at: number;
  /** Project/workspace id; null = none (the default workspace). */
  scope: string | null;
  /** Priced spend of the row (micro-dollars). */
  micros: number;
  /** Anthropic API key id, when scripted. */
  apiKeyId?: string | null;
}

/** Actual cost of a scope (ORG_SCOPE: all) on a scripted day, undefined when the day has no costs. */
export type DayCosts = (day: string, scope: string) => number | undefined;

interface Change<T> {
  at: number;
  value: T;
}

export class FakeEnforcement {
  private readonly limits = new Map<string, Array<Change<number | null>>>();
  private readonly keys = new Map<string, Array<Change<boolean>>>();

  constructor(
    private readonly clock: () => number,
    public delayMs = DEFAULT_PROPAGATION_MS,
  ) {}

  /** A limit written (cents) or deleted (null) now, by the fake's clock. */
  recordLimit(scope: string, cents: number | null): void {
    pushChange(this.limits, scope, { at: this.clock(), value: cents });
  }

  /** A key switched active (true) or inactive (false) now. */
  recordKey(id: string, active: boolean): void {
    pushChange(this.keys, id, { at: this.clock(), value: active });
  }

  /** For each row (any order), whether the provider would have served it. */
  served(rows: readonly SpendRow[], costs: DayCosts): boolean[] {
    const keep = rows.map(() => true);
    if (this.limits.size === 0 && this.keys.size === 0) return keep;
    const order = rows.map((_, i) => i).sort((a, b) => (rows[a]?.at ?? 0) - (rows[b]?.at ?? 0));
    /** Kept usage per scope key → day → micros. */
    const usage = new Map<string, Map<string, number>>();
    for (const i of order) {
      const row = rows[i] as SpendRow;
      const scopes = row.scope ? [ORG_SCOPE, row.scope] : [ORG_SCOPE];
      const keyOff = row.apiKeyId ? this.inForce(this.keys.get(row.apiKeyId), row.at) === false : false;
      const capped = scopes.some((s) => {
        const cents = this.inForce(this.limits.get(s), row.at);
        return (
          cents !== undefined && cents !== null && spendBefore(s, row.at, usage, costs) >= cents * 10_000
        );
      });
      if (keyOff || capped) {
        keep[i] = false;
        continue;
      }
      const day = dayOf(row.at);
      for (const s of scopes) {
        const days = usage.get(s) ?? new Map<string, number>();
        days.set(day, (days.get(day) ?? 0) + row.micros);
        usage.set(s, days);
      }
    }
    return keep;
  }

  /** The value in force at `t`: the last change made at least `delayMs` before it. */
  private inForce<T>(changes: Array<Change<T>> | undefined, t: number): T | undefined {
    let value: T | undefined;
    for (const c of changes ?? []) if (c.at + this.delayMs <= t) value = c.value;
    return value;
  }
}

function pushChange<T>(map: Map<string, Array<Change<T>>>, id: string, change: Change<T>): void {
  map.set(id, [...(map.get(id) ?? []), change]);
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Month-to-date spend of a scope before `t`: earlier days by their scripted costs where the day has
 * any (else by their kept usage), today by the usage kept so far.
 */
function spendBefore(
  scope: string,
  t: number,
  usage: Map<string, Map<string, number>>,
  costs: DayCosts,
): number {
  const today = dayOf(t);
  const d = new Date(`${today.slice(0, 8)}01T00:00:00Z`);
  let micros = 0;
  for (; dayOf(d.getTime()) < today; d.setUTCDate(d.getUTCDate() + 1)) {
    const day = dayOf(d.getTime());
    micros += costs(day, scope) ?? usage.get(scope)?.get(day) ?? 0;
  }
  return micros + (usage.get(scope)?.get(today) ?? 0);
}
