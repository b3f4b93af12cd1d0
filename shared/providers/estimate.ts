import type { UsageEstimate } from '../ports.ts';

/**
 * Sums priced usage rows into an estimate. A row whose model has no price adds nothing but is
 * reported (never a silent zero); rows without tokens are ignored.
 */
export class EstimateTally {
  private micros = 0;
  private readonly unknown = new Set<string>();

  add(model: string | null | undefined, priced: number | undefined, tokens: number): void {
    if (priced !== undefined) this.micros += priced;
    else if (tokens > 0) this.unknown.add(model ?? '(no model)');
  }

  result(range: { start: Date; end: Date }): UsageEstimate {
    return {
      amountMicros: Math.round(this.micros),
      unknownModels: [...this.unknown].sort(),
      start: range.start,
      end: range.end,
    };
  }
}
