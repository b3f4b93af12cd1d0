import { forecastMonthEnd } from '../core/derived.ts';
import { computeFigures } from '../core/figures.ts';
import { desiredLimitCents } from '../core/hard-limits.ts';
import { microsToUsd, ratioToUsd } from '../core/money.ts';
import { emptyScope, UNATTRIBUTED } from '../core/projects.ts';
import { DAY_MS, dayKey } from '../core/time.ts';
import type { CostBucket } from '../core/types.ts';
import type { AccountItems, LimitReading } from '../ports.ts';
import {
  type AccountConfig,
  projectName,
  projectOfScope,
  scopeOfProject,
} from '../schemas/account-config.ts';
import { projectNames } from './project-names.ts';

/** A hard limit as `project list` and `doctor` show it: what burnrate keeps and what the provider had. */
export interface LimitView {
  /** What burnrate keeps (the config, cents rounded up), in dollars; absent: not managed. */
  keptUsd?: number;
  /** The provider's limit at `readAt` (null: none), its enforcement word; absent: never read. */
  providerUsd?: number | null;
  enforcement?: string;
  readAt?: string;
  unavailable?: string;
  error?: string;
}

export interface ProjectRow {
  id: string;
  name: string;
  /** The provider's word (`active`, `archived`, …), or `not listed` (config only, or spend only). */
  status: string;
  configured: boolean;
  monthToDateUsd: number;
  budgetUsd?: number;
  forecastUsd: number;
  hardLimit: LimitView;
}

export interface ProjectList {
  accountId: string;
  /** The figures' instant: the last sync (ISO), or null before the first. */
  at: string | null;
  namesListedAt: string | null;
  organization: LimitView;
  rows: ProjectRow[];
}

export function limitView(kept: number | undefined, r: LimitReading | undefined): LimitView {
  const p = r?.provider;
  return {
    ...(kept !== undefined && { keptUsd: kept / 100 }),
    ...(p && { providerUsd: p.state === 'set' ? p.thresholdCents / 100 : null }),
    ...(p?.state === 'set' && { enforcement: p.enforcement }),
    ...(r?.readAt && { readAt: r.readAt }),
    ...(r?.unavailable && { unavailable: r.unavailable }),
    ...(r?.error && { error: r.error }),
  };
}

/**
 * `burnrate project list`: every project the provider lists, every configured one and every scope
 * with spend, with its name, status, month-to-date, budget and forecast (the account's formulas on
 * its part of the stored cost days, as of the last sync) and the hard limit as last read (LIMITS).
 */
export function listProjects(items: AccountItems, config: AccountConfig): ProjectList {
  // The ledger's instant of the last sync (`run --now` moves it; lastSyncAt is the wall clock).
  const last = items.state?.ledgerAt ?? items.state?.lastSyncAt;
  const at = last ? Date.parse(last) : undefined;
  const figures = at === undefined ? undefined : scopeFiguresAt(items, at);
  const listed = items.projects?.projects ?? {};
  const names = projectNames(items);
  const ids = new Set([...Object.keys(listed), ...Object.keys(config.projects ?? {})]);
  for (const scope of figures?.scopes?.keys() ?? []) ids.add(projectOfScope(config.provider, scope));
  const rows = [...ids].map((id): ProjectRow => {
    const entry = config.projects?.[id];
    const scope = scopeOfProject(config.provider, id);
    const f = figures?.scopes?.get(scope) ?? emptyScope(scope, figures ?? NO_FRAME);
    const forecast = forecastMonthEnd(f);
    const kept = desiredLimitCents(entry)?.cents;
    return {
      id,
      name: id === UNATTRIBUTED ? '(no project)' : projectName(config, id, names.get(id)),
      status: listed[id]?.status ?? 'not listed',
      configured: entry !== undefined,
      monthToDateUsd: microsToUsd(f.monthToDateMicros),
      ...(entry?.monthlyBudgetUsd !== undefined && { budgetUsd: entry.monthlyBudgetUsd }),
      forecastUsd: ratioToUsd(forecast.num, forecast.den),
      hardLimit: limitView(kept, items.limits?.projects[id]),
    };
  });
  rows.sort((a, b) => b.monthToDateUsd - a.monthToDateUsd || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    accountId: items.accountId,
    at: at === undefined ? null : new Date(at).toISOString(),
    namesListedAt: items.projects?.listedAt ?? null,
    organization: limitView(desiredLimitCents(config)?.cents, items.limits?.organization),
    rows,
  };
}

const NO_FRAME = { at: 0, day: 0, burnDays: 0, daysAfterToday: 0 };

/** The account's figures with the per-scope split, from the stored cost days, at `at`. */
function scopeFiguresAt(items: AccountItems, at: number) {
  const today = dayKey(at);
  const buckets: CostBucket[] = [];
  let todayMicros = 0;
  let todayByScope: Record<string, number> = {};
  for (const c of items.costs) {
    if (c.day === today) {
      todayMicros = c.amountMicros;
      todayByScope = c.byScope;
    } else if (c.day < today) {
      const start = Date.parse(`${c.day}T00:00:00Z`);
      buckets.push({ start, end: start + DAY_MS, amountMicros: c.amountMicros, byScope: c.byScope });
    }
  }
  return computeFigures({
    grants: [],
    buckets,
    burnOrder: 'expiring-first',
    at,
    todayMicros,
    todayByScope,
  });
}
