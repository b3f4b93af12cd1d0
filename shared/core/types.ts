import type { Micros } from './money.ts';
import type { HourSpend, SpikePolicy } from './spike.ts';

export type BurnOrder = 'expiring-first' | 'oldest-first';

/** A prepaid purchase or promotional credit, in core units (epoch ms, micro-dollars). */
export interface Grant {
  id: string;
  amountMicros: Micros;
  effectiveAt: number;
  expiresAt: number;
  /** The provider's remaining figure at an instant: the grant activates then, with this amount. */
  checkpoint?: { remainingMicros: Micros; asOf: number };
  /** Set only on a recharge grant the ledger modelled (auto-recharge); never on an input grant. */
  auto?: true;
  /**
   * An entered recharge: a card charge auto-recharge made before the checkpoint instant T, read off
   * the billing page. An ordinary grant for the replay; its amount counts toward the monthly limit
   * of the UTC month of its `effectiveAt`.
   */
  recharge?: true;
  /** Recharge grants only: the number of card charges the grant stands for. */
  charges?: number;
}

/**
 * The provider's auto-recharge setting, in micro-dollars. `toMicros` (restore the balance to it)
 * or `amountMicros` (add a fixed amount), never both.
 */
export type AutoRecharge =
  | {
      belowMicros: Micros;
      toMicros: Micros;
      amountMicros?: undefined;
      monthlyLimitMicros?: Micros | undefined;
    }
  | {
      belowMicros: Micros;
      amountMicros: Micros;
      toMicros?: undefined;
      monthlyLimitMicros?: Micros | undefined;
    };

/** Cost of the half-open interval [start, end). */
export interface CostBucket {
  start: number;
  end: number;
  amountMicros: Micros;
  /** Production: the bucket's split per project/workspace id (see projects.ts). */
  byScope?: Readonly<Record<string, Micros>> | undefined;
}

/** The thresholds the core needs from an account's config item (defaults already applied). */
export interface AlertPolicy {
  burnOrder: BurnOrder;
  monthlyBudgetUsd?: number | undefined;
  budgetAlertPercents: number[];
  forecastAlert: boolean;
  lowBalanceUsd: number[];
  lowRunwayDays?: number | undefined;
  expiryWarningDays: number[];
  /** Runaway-spend rule; false or absent: off. */
  spike?: SpikePolicy | false | undefined;
  /** The account's auto-recharge setting (the replay needs it; the recharge-limit alert follows from it). */
  autoRecharge?: AutoRecharge | undefined;
  /** Budgets of the configured projects (LEDGER.md, "Projects"). */
  projects?: readonly ProjectAlertPolicy[] | undefined;
}

/** One configured project's budget rules; `scope` is its key in the cost split (byScope). */
export interface ProjectAlertPolicy {
  id: string;
  scope: string;
  monthlyBudgetUsd?: number | undefined;
  budgetAlertPercents: readonly number[];
  forecastAlert: boolean;
}

/** Everything the ledger is a pure function of. */
export interface LedgerInput {
  grants: readonly Grant[];
  /** Complete buckets; only those with end <= at are used. */
  buckets: readonly CostBucket[];
  burnOrder: BurnOrder;
  at: number;
  /** Production only: spend so far in today's in-progress bucket [D, D+1), drawn at `at`. */
  todayMicros?: Micros;
  /** Production only: the hour for the spike rule (larger of last complete and in progress). */
  hour?: HourSpend | undefined;
  /** Model the provider's auto-recharge (see LEDGER.md, "Auto-recharge"). */
  autoRecharge?: AutoRecharge | undefined;
  /** Production only: today's in-progress spend per project/workspace (hourly usage). */
  todayByScope?: Readonly<Record<string, Micros>> | undefined;
}
