import { type HourUsage, NO_SCOPE, type UsageEstimate } from '../ports.ts';

const PICOS_PER_MICRO = 1_000_000n;

interface HourTally {
  picos: bigint;
  byScope: Map<string, bigint>;
  byModel: Map<string, bigint>;
  /** Per scope, then per model: what a project's own email names as its top models. */
  byScopeModel: Map<string, Map<string, bigint>>;
  unknown: Set<string>;
}

/** Integer pico-dollars to micro-dollars, rounded once, half up (amounts are never negative). */
const toMicros = (picos: bigint): number => Number((picos + PICOS_PER_MICRO / 2n) / PICOS_PER_MICRO);

/**
 * Sums priced usage rows into an estimate, per UTC hour, project/workspace and model. Rows are
 * priced in integer pico-dollars (10^-12 $, see price-table.ts) and summed exactly; a sum is
 * rounded once to micro-dollars. A row whose model has no price adds nothing but is reported
 * (never a silent zero); rows without tokens are ignored. A row added without its hour counts in
 * the total only (pricing tests).
 */
export class EstimateTally {
  private picos = 0n;
  private readonly unknown = new Set<string>();
  private readonly hours = new Map<number, HourTally>();

  add(
    model: string | null | undefined,
    pricedPicos: bigint | undefined,
    tokens: number,
    where?: { hour: number; scope?: string | null | undefined },
  ): void {
    const name = model ?? '(no model)';
    let h: HourTally | undefined;
    if (where) {
      h = this.hours.get(where.hour);
      if (!h) {
        h = {
          picos: 0n,
          byScope: new Map(),
          byModel: new Map(),
          byScopeModel: new Map(),
          unknown: new Set(),
        };
        this.hours.set(where.hour, h);
      }
    }
    if (pricedPicos !== undefined) {
      this.picos += pricedPicos;
      if (h && where) {
        h.picos += pricedPicos;
        const scope = where.scope || NO_SCOPE;
        h.byScope.set(scope, (h.byScope.get(scope) ?? 0n) + pricedPicos);
        h.byModel.set(name, (h.byModel.get(name) ?? 0n) + pricedPicos);
        let models = h.byScopeModel.get(scope);
        if (!models) {
          models = new Map();
          h.byScopeModel.set(scope, models);
        }
        models.set(name, (models.get(name) ?? 0n) + pricedPicos);
      }
    } else if (tokens > 0) {
      this.unknown.add(name);
      h?.unknown.add(name);
    }
  }

  /**
   * `countFrom`: only hours starting at or after it count toward `amountMicros`, `byScope`,
   * `byScopeModel` and `unknownModels` (today's estimate from a range that reaches back into
   * yesterday's last hour); `hours` always lists every hour in the range. Each counted sum is taken
   * exactly over the hours and rounded once.
   */
  result(range: { start: Date; end: Date; countFrom?: Date | undefined }): UsageEstimate {
    const sorted = [...this.hours].sort(([a], [b]) => a - b);
    const hours: HourUsage[] = sorted.map(([start, h]) => ({
      start: new Date(start),
      amountMicros: toMicros(h.picos),
      byScope: rounded(h.byScope),
      byModel: rounded(h.byModel),
      byScopeModel: nested(h.byScopeModel),
      unknownModels: [...h.unknown].sort(),
    }));
    const from = range.countFrom?.getTime();
    const counted = from === undefined ? undefined : sorted.filter(([start]) => start >= from);
    const byScope = new Map<string, bigint>();
    const byScopeModel = new Map<string, Map<string, bigint>>();
    for (const [, h] of counted ?? sorted) {
      for (const [scope, picos] of h.byScope) byScope.set(scope, (byScope.get(scope) ?? 0n) + picos);
      for (const [scope, models] of h.byScopeModel) {
        const sum = byScopeModel.get(scope) ?? new Map<string, bigint>();
        byScopeModel.set(scope, sum);
        for (const [model, picos] of models) sum.set(model, (sum.get(model) ?? 0n) + picos);
      }
    }
    return {
      amountMicros: toMicros(counted ? counted.reduce((sum, [, h]) => sum + h.picos, 0n) : this.picos),
      byScope: rounded(byScope),
      byScopeModel: nested(byScopeModel),
      unknownModels: counted
        ? [...new Set(counted.flatMap(([, h]) => [...h.unknown]))].sort()
        : [...this.unknown].sort(),
      start: range.start,
      end: range.end,
      hours,
    };
  }
}

function rounded(m: Map<string, bigint>): Record<string, number> {
  return Object.fromEntries([...m].map(([k, v]) => [k, toMicros(v)]));
}

function nested(m: Map<string, Map<string, bigint>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...m].map(([k, v]) => [k, rounded(v)]));
}
