import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestDue, digestKey, digestWeekStart } from '../../shared/core/digest.ts';
import { renderDigestEmail } from '../../shared/email/render-digest-email.ts';
import { buildInput } from '../support/render-emails.ts';

const t = (iso: string) => Date.parse(iso);

describe('when the weekly digest is due', () => {
  it('the week opens on Monday 09:00 UTC', () => {
    expect(digestWeekStart(t('2026-11-23T09:00:00Z'))).toBe(t('2026-11-23T09:00:00Z'));
    expect(digestWeekStart(t('2026-11-23T08:59:59Z'))).toBe(t('2026-11-16T09:00:00Z'));
    expect(digestWeekStart(t('2026-11-29T23:59:00Z'))).toBe(t('2026-11-23T09:00:00Z'));
    expect(digestKey(t('2026-11-23T09:00:00Z'))).toBe('digest:2026-11-23');
  });

  const due = (at: string, previous?: string, stored: string[] = [], setting: 'weekly' | 'off' = 'weekly') =>
    digestDue({
      at: t(at),
      setting,
      previousRunAt: previous ? t(previous) : undefined,
      storedKeys: new Set(stored),
    });

  it('fires at the first run on or after Monday 09:00, and not at 08:59', () => {
    expect(due('2026-11-30T08:59:00Z', '2026-11-30T08:44:00Z')).toBeUndefined();
    expect(due('2026-11-30T09:00:00Z', '2026-11-30T08:59:00Z')).toBe('digest:2026-11-30');
    expect(due('2026-11-30T09:15:00Z', '2026-11-30T09:00:00Z')).toBeUndefined();
    // Runs stopped for days (provider outage): the first run back sends the current week's digest.
    expect(due('2026-12-02T14:00:00Z', '2026-11-28T14:00:00Z')).toBe('digest:2026-11-30');
  });

  it('never fires a key already stored, nor with digest "off"', () => {
    expect(due('2026-11-30T09:00:00Z', '2026-11-29T09:00:00Z', ['digest:2026-11-30'])).toBeUndefined();
    expect(due('2026-11-30T09:00:00Z', '2026-11-29T09:00:00Z', [], 'off')).toBeUndefined();
  });

  it('a run interrupted before confirming the digest it fired leaves it due, though it moved the last run time', () => {
    const at = t('2026-11-30T09:15:00Z');
    const previousRunAt = t('2026-11-30T09:00:00Z'); // the interrupted run
    const args = { at, setting: 'weekly' as const, previousRunAt, storedKeys: new Set<string>() };
    expect(digestDue(args)).toBeUndefined();
    expect(digestDue({ ...args, unconfirmed: new Set(['digest:2026-11-30']) })).toBe('digest:2026-11-30');
    // Last week's, left unconfirmed, is not this week's digest; and "off" still wins.
    expect(digestDue({ ...args, unconfirmed: new Set(['digest:2026-11-23']) })).toBeUndefined();
    expect(
      digestDue({ ...args, setting: 'off', unconfirmed: new Set(['digest:2026-11-30']) }),
    ).toBeUndefined();
  });

  it('an account never run before gets no back-dated digest, except on the Monday itself', () => {
    expect(due('2026-11-24T10:00:00Z')).toBeUndefined();
    expect(due('2026-11-30T08:00:00Z')).toBeUndefined();
    expect(due('2026-11-30T11:00:00Z')).toBe('digest:2026-11-30');
  });

  it('runs at any times fire exactly one digest per week that has a run after its Monday 09:00', () => {
    const start = t('2026-01-05T00:00:00Z');
    const horizon = 10 * 7 * 86_400_000;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: horizon }), { minLength: 1, maxLength: 60 }),
        (offsets) => {
          const runs = offsets.sort((a, b) => a - b).map((o) => start + o);
          const stored = new Set<string>();
          let previous: number | undefined;
          for (const at of runs) {
            const key = digestDue({ at, setting: 'weekly', previousRunAt: previous, storedKeys: stored });
            if (key) stored.add(key);
            previous = at;
          }
          // Oracle: the weeks that some run falls in, except those opened before the first run's day.
          const firstDay = t(new Date(runs[0] as number).toISOString().slice(0, 10));
          const weeks = new Set(
            runs
              .map(digestWeekStart)
              .filter((w) => w >= firstDay)
              .map(digestKey),
          );
          expect([...stored].sort()).toEqual([...weeks].sort());
        },
      ),
    );
  });
});

/** The HTML part as a reader sees it: tags dropped, entities decoded, whitespace collapsed. */
const visible = (html: string) =>
  html
    .replace(/<title>.*?<\/title>/s, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const numbers = (s: string) => new Set(s.match(/-?\$?\d[\d,]*(?:\.\d+)?%?/g));

describe('the weekly digest email', () => {
  // 14 days of $10 then 7 days of $12: the last 7 days ($84) are +20% on the 7 before ($70).
  const spend = [...Array.from({ length: 23 }, () => 10), ...Array.from({ length: 7 }, () => 12)];
  const digest = (o: Parameters<typeof buildInput>[0] = {}, extra = {}) => {
    const { alerts: _, ...input } = buildInput({ spend, todayUsd: 3, ...o });
    return renderDigestEmail({ ...input, week: '2026-11-23', ...extra });
  };

  it('says "weekly" in the subject, with the balance and runway', () => {
    expect(digest().subject).toBe('Acme production: weekly digest, balance $83.00, runway 6.9 days');
  });

  it('shows the week against the week before, the month against the budget, forecast and next expiry', () => {
    const email = digest({
      config: { monthlyBudgetUsd: 400 },
      grants: [
        { id: 'promo', usd: 200, effective: '2025-12-01T00:00:00Z', expires: '2026-12-01T00:00:00Z' },
        { id: 'topup', usd: 400, effective: '2026-10-01T00:00:00Z' },
      ],
    });
    const text = email.text;
    expect(text).toContain(
      'Spend, last 7 days: $84.00 (2026-11-17 to 2026-11-23), +20% on the 7 days before ($70.00)',
    );
    expect(text).toContain('Month to date: $247.00 of $400.00 budget (62%)');
    expect(text).toContain('Month-end forecast: $328.00');
    // promo is used first (expiring-first) and is gone; topup is next: $400 − ($317 − $200).
    expect(text).toContain('Next expiry: topup: $283.00 on 2027-10-01, $0.00 at risk');
    expect(text).toContain('Set digest to "off"');
    expect(visible(email.html)).toContain('+20% on the 7 days before ($70.00)');
    expect(email.html).toContain('#d97706'); // the budget pace line
  });

  it('a post-paid account (no grants) shows what applies: spend, month, forecast; no balance', () => {
    const email = digest({ grants: [], config: { monthlyBudgetUsd: 400 } });
    expect(email.subject).toBe('Acme production: weekly digest, $84.00 spent in the last 7 days');
    expect(email.text).not.toMatch(/^ {2}(Balance|Runway|Next expiry):|Credit grants|Burn order/m);
    expect(email.text).toContain('No prepaid credit on this account');
    expect(email.text).toContain('Month to date: $247.00 of $400.00 budget (62%)');
  });

  it('shows auto-recharge with its monthly limit, and the last reconciliation when given', () => {
    // Balance $83 at $12/day; recharging $50 whenever it drops below $20, at most $100 a month.
    const email = digest(
      { config: { autoRecharge: { belowUsd: 20, amountUsd: 50, monthlyLimitUsd: 100 } } },
      { reconciled: { at: '2026-11-20T10:00:00.000Z', driftUsd: -1.5 } },
    );
    expect(email.text).toMatch(
      /^ {2}Auto-recharge: auto-recharge added \$[\d.]+ in \d card charges? this month; about \$[\d.]+ by month end; monthly limit \$100\.00, expected to be reached on 2026-12-12$/m,
    );
    expect(email.text).toContain('Last reconciled: 2026-11-20, drift -$1.50');
    // The subject's runway is the Figures table's (recharges included), not the bare balance's 6.9 days.
    expect(email.subject).toBe('Acme production: weekly digest, balance $83.00, runway 19.7 days');
    expect(email.text).toContain('  Runway: 19.7 days');
    expect(digest().text).not.toMatch(/Auto-recharge|Last reconciled/);
  });

  it('the text part contains every number the HTML shows, and the HTML loads nothing', () => {
    for (const email of [
      digest({ config: { monthlyBudgetUsd: 400 } }),
      digest({ grants: [] }),
      digest({ demo: true }),
    ]) {
      const missing = [...numbers(visible(email.html))].filter((n) => !email.text.includes(n));
      expect(missing).toEqual([]);
      for (const n of numbers(email.subject)) expect(email.text).toContain(n);
      expect(email.html).not.toMatch(/<img|class=|https?:\/\/|<style/i);
    }
  });
});
