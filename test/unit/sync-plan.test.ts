import { describe, expect, it } from 'vitest';
import type { CostDayRecord } from '../../shared/ports.ts';
import {
  changedDays,
  costWindow,
  keepLateEstimates,
  LOOKBACK_DAYS,
  ledgerBuckets,
} from '../../shared/use-cases/sync-plan.ts';

const t = (s: string) => Date.parse(s);
const day = (d: string) => t(`${d}T00:00:00Z`);
const rec = (d: string, amountMicros: number, kind: 'actual' | 'estimate' = 'actual'): CostDayRecord => ({
  day: d,
  amountMicros,
  byScope: { '': amountMicros },
  kind,
  fetchedAt: 'x',
});

describe('costWindow', () => {
  const now = t('2026-11-24T09:00:00Z');
  const grant = {
    id: 'g',
    amountMicros: 1,
    effectiveAt: t('2026-08-10T15:00:00Z'),
    expiresAt: t('2027-08-10T15:00:00Z'),
  };

  it('first sync: from the earliest grant activation (or last month, for budgets) to today', () => {
    expect(costWindow({ now, grants: [grant] })).toEqual({
      start: day('2026-08-10'),
      end: day('2026-11-24'),
    });
    expect(costWindow({ now, grants: [] })).toEqual({ start: day('2026-10-01'), end: day('2026-11-24') });
  });

  it('a checkpointed grant needs costs only from its checkpoint', () => {
    const cp = { ...grant, checkpoint: { remainingMicros: 5, asOf: t('2026-11-01T00:00:00Z') } };
    expect(costWindow({ now, grants: [cp] }).start).toBe(day('2026-10-01'));
  });

  it('incremental: the last stored day minus the 3-day lookback, for late revisions', () => {
    const w = costWindow({ now, grants: [grant], costsFrom: '2026-08-10', costsThrough: '2026-11-23' });
    expect(w).toEqual({ start: day('2026-11-20'), end: day('2026-11-24') });
  });

  it('the lookback is per provider: Anthropic revises later than OpenAI, so it re-reads 4 days', () => {
    const stored = { costsFrom: '2026-08-10', costsThrough: '2026-11-23' };
    const w = (provider: keyof typeof LOOKBACK_DAYS) =>
      costWindow({ now, grants: [grant], ...stored, lookbackDays: LOOKBACK_DAYS[provider] });
    expect(w('openai')).toEqual({ start: day('2026-11-20'), end: day('2026-11-24') });
    expect(w('anthropic')).toEqual({ start: day('2026-11-19'), end: day('2026-11-24') });
  });

  it('backfills again when a grant older than the stored history is added', () => {
    const old = { ...grant, effectiveAt: t('2026-05-01T00:00:00Z') };
    const w = costWindow({ now, grants: [old], costsFrom: '2026-08-10', costsThrough: '2026-11-23' });
    expect(w.start).toBe(day('2026-05-01'));
  });
});

describe('changedDays', () => {
  it('keeps only days that are new or whose amount, breakdown or kind changed', () => {
    const stored = [rec('2026-11-20', 5), rec('2026-11-21', 7), rec('2026-11-22', 9, 'estimate')];
    const fetched = [rec('2026-11-20', 5), rec('2026-11-21', 8), rec('2026-11-22', 9), rec('2026-11-23', 1)];
    const scopeOnly = { ...rec('2026-11-20', 5), byScope: { proj_a: 2, proj_b: 3 } };
    expect(changedDays(stored, fetched).map((r) => r.day)).toEqual([
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
    ]);
    expect(changedDays(stored, [scopeOnly])).toHaveLength(1);
  });
});

describe('ledgerBuckets', () => {
  it('turns past days into buckets with their split, today into the in-progress amount and split, and lets later records win', () => {
    const now = t('2026-11-24T09:00:00Z');
    const { buckets, todayMicros, todayByScope, estimateDays } = ledgerBuckets(
      [
        rec('2026-11-22', 1),
        rec('2026-11-23', 2, 'estimate'),
        { ...rec('2026-11-24', 3, 'estimate'), byScope: { proj_a: 2, '(none)': 1 } },
        { ...rec('2026-11-22', 4), byScope: { proj_b: 4 } },
      ],
      now,
    );
    expect(todayMicros).toBe(3);
    expect(todayByScope).toEqual({ proj_a: 2, '(none)': 1 });
    expect(estimateDays).toBe(1);
    expect(buckets.sort((a, b) => a.start - b.start)).toEqual([
      { start: day('2026-11-22'), end: day('2026-11-23'), amountMicros: 4, byScope: { proj_b: 4 } },
      { start: day('2026-11-23'), end: day('2026-11-24'), amountMicros: 2, byScope: { '': 2 } },
    ]);
  });
});

describe('keepLateEstimates', () => {
  const now = t('2026-11-24T01:00:00Z');
  it('keeps a recent estimate the lagging cost report undercuts, until the day is two days old', () => {
    const stored = [rec('2026-11-23', 5_000_000, 'estimate'), rec('2026-11-22', 4_000_000, 'estimate')];
    const fetched = [rec('2026-11-23', 0), rec('2026-11-22', 1_000_000)];
    expect(keepLateEstimates(stored, fetched, now).map((r) => [r.day, r.kind, r.amountMicros])).toEqual([
      ['2026-11-23', 'estimate', 5_000_000],
      ['2026-11-22', 'actual', 1_000_000],
    ]);
  });

  it('takes the actual as soon as it reaches the estimate', () => {
    const out = keepLateEstimates(
      [rec('2026-11-23', 5_000_000, 'estimate')],
      [rec('2026-11-23', 5_200_000)],
      now,
    );
    expect(out[0]).toMatchObject({ kind: 'actual', amountMicros: 5_200_000 });
  });
});
