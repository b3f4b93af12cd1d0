/**
 * Ports: the small interfaces the use cases depend on. Adapters (provider clients, the DynamoDB
 * store, the SES mailer) implement them at the edge; tests hand in fakes or local emulators.
 */
import type { Micros } from './core/money.ts';

/** One UTC day of actual cost from a provider's cost report. */
export interface DailyCost {
  /** UTC day, `YYYY-MM-DD`; the bucket is [day 00:00Z, next day 00:00Z). */
  day: string;
  amountMicros: Micros;
  /** Per-scope breakdown (OpenAI project_id, Anthropic workspace_id); key `''` = no scope. */
  byScope: Record<string, Micros>;
}

/** Priced estimate of usage the cost report does not cover yet (hourly usage × price table). */
export interface UsageEstimate {
  amountMicros: Micros;
  /** Models seen in usage that the price table does not know; their usage is not priced. */
  unknownModels: string[];
  /** Hour buckets covered: [start, end). */
  start: Date;
  end: Date;
}

export interface CostSource {
  /** Daily actual costs for the whole UTC days in [start, end). Follows pagination. */
  dailyCosts(range: { start: Date; end: Date }): Promise<DailyCost[]>;
  /** Hourly usage in [start, end) priced with the price table: an estimate. */
  usageEstimate(range: { start: Date; end: Date }): Promise<UsageEstimate>;
}
