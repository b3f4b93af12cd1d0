import { type HourUsage, NO_SCOPE, type UsageEstimate } from '../ports.ts';

const PICOS_PER_MICRO = 1_000_000n;

interface HourTally {
  picos: bigint;
  byScope: Map<string, bigint>;
  byModel: Map<string, bigint>;
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
        h = { picos: 0n, byScope: new Map(), byModel: new Map(), unknown: new Set() };
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
      }
    } else if (tokens > 0) {
      this.unknown.add(name);
      h?.unknown.add(name);
    }
  }

  /**
   * `countFrom`: only hours starting at or after it count toward `amountMicros` and
   * `unknownModels` (today's estimate from a range that reaches back into yesterday's last hour);
   * `hours` always lists every hour in the range.
   */
  result(range: { start: Date; end: Date; countFrom?: Date | undefined }): UsageEstimate {
    const sorted = [...this.hours].sort(([a], [b]) => a - b);
    const hours: HourUsage[] = sorted.map(([start, h]) => ({
      start: new Date(start),
      amountMicros: toMicros(h.picos),
      byScope: rounded(h.byScope),
      byModel: rounded(h.byModel),
      unknownModels: [...h.unknown].sort(),
    }));
    const from = range.countFrom?.getTime();
    const counted = from === undefined ? undefined : sorted.filter(([start]) => start >= from);
    return {
      amountMicros: toMicros(counted ? counted.reduce((sum, [, h]) => sum + h.picos, 0n) : this.picos),
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
