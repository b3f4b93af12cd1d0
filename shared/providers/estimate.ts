import { type HourUsage, NO_SCOPE, type UsageEstimate } from '../ports.ts';

interface HourTally {
  micros: number;
  byScope: Map<string, number>;
  byModel: Map<string, number>;
  unknown: Set<string>;
}

/**
 * Sums priced usage rows into an estimate, per UTC hour, project/workspace and model. A row whose
 * model has no price adds nothing but is reported (never a silent zero); rows without tokens are
 * ignored. Fractions of a micro-dollar are kept until an hour's sum, which is rounded once.
 */
export class EstimateTally {
  private readonly hours = new Map<number, HourTally>();

  add(
    model: string | null | undefined,
    priced: number | undefined,
    tokens: number,
    where: { hour: number; scope?: string | null | undefined },
  ): void {
    let h = this.hours.get(where.hour);
    if (!h) {
      h = { micros: 0, byScope: new Map(), byModel: new Map(), unknown: new Set() };
      this.hours.set(where.hour, h);
    }
    const name = model ?? '(no model)';
    if (priced !== undefined) {
      h.micros += priced;
      const scope = where.scope || NO_SCOPE;
      h.byScope.set(scope, (h.byScope.get(scope) ?? 0) + priced);
      h.byModel.set(name, (h.byModel.get(name) ?? 0) + priced);
    } else if (tokens > 0) h.unknown.add(name);
  }

  result(range: { start: Date; end: Date }): UsageEstimate {
    const hours: HourUsage[] = [...this.hours]
      .sort(([a], [b]) => a - b)
      .map(([start, h]) => ({
        start: new Date(start),
        amountMicros: Math.round(h.micros),
        byScope: rounded(h.byScope),
        byModel: rounded(h.byModel),
        unknownModels: [...h.unknown].sort(),
      }));
    return {
      amountMicros: hours.reduce((sum, h) => sum + h.amountMicros, 0),
      unknownModels: [...new Set(hours.flatMap((h) => h.unknownModels))].sort(),
      start: range.start,
      end: range.end,
      hours,
    };
  }
}

function rounded(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].map(([k, v]) => [k, Math.round(v)]));
}
