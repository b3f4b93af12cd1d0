import type { UsageEstimate } from '../ports.ts';

const PICOS_PER_MICRO = 1_000_000n;

/**
 * Sums priced usage rows into an estimate. Rows are priced in integer pico-dollars (10^-12 $, see
 * price-table.ts) and summed exactly; the sum is rounded once to micro-dollars, half up (amounts
 * are never negative, so this is half away from zero). A row whose model has no price adds
 * nothing but is reported (never a silent zero); rows without tokens are ignored.
 */
export class EstimateTally {
  private picos = 0n;
  private readonly unknown = new Set<string>();

  add(model: string | null | undefined, pricedPicos: bigint | undefined, tokens: number): void {
    if (pricedPicos !== undefined) this.picos += pricedPicos;
    else if (tokens > 0) this.unknown.add(model ?? '(no model)');
  }

  result(range: { start: Date; end: Date }): UsageEstimate {
    return {
      amountMicros: Number((this.picos + PICOS_PER_MICRO / 2n) / PICOS_PER_MICRO),
      unknownModels: [...this.unknown].sort(),
      start: range.start,
      end: range.end,
    };
  }
}
