import type { Figures } from '../core/figures.ts';
import { microsToUsd } from '../core/money.ts';
import { activationTime } from '../core/replay.ts';
import { DAY_MS, dayKey } from '../core/time.ts';
import { escapeHtml as e } from './escape.ts';
import { usd } from './format.ts';

export interface ChartRow {
  label: string;
  amountUsd: number;
  /** Shown after the amount, e.g. "estimate" or "promo expires". */
  note?: string;
  /** A lighter bar: today's figure is an estimate, not a reported cost. */
  muted?: boolean;
}

/** Widest bar in pixels (HTML) and characters (text); the largest value of a chart gets it. */
export const BAR_PX = 320;
const BAR_CHARS = 30;
const CHART_DAYS = 30;

export interface DailySpend {
  day: string;
  amountMicros: number;
  estimate?: boolean;
}

/** The 30 days up to today, one row per day (missing days are zero spend), today last. */
export function spendRows(f: Figures, daily: readonly DailySpend[]): ChartRow[] {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  return Array.from({ length: CHART_DAYS }, (_, i) => {
    const day = dayKey(f.day - (CHART_DAYS - 1 - i) * DAY_MS);
    const d = byDay.get(day);
    const row: ChartRow = { label: day, amountUsd: microsToUsd(d?.amountMicros ?? 0) };
    if (d?.estimate) Object.assign(row, { note: 'estimate', muted: true });
    // Today without a figure is not a day without spend: say so rather than show a silent $0.00.
    else if (!d && i === CHART_DAYS - 1) Object.assign(row, { note: 'not reported yet', muted: true });
    return row;
  });
}

/**
 * The balance day by day for the next 30 days, or until it reaches zero: down by the burn rate, down by
 * a grant's at-risk amount when it expires, up by a grant that becomes active. Day D only burns what
 * today's estimate has not already taken, as in the core's at-risk projection. Empty when there is
 * no burn rate (nothing to project) or the balance is already at or below zero.
 */
export function projectionRows(f: Figures): ChartRow[] {
  if (f.burnDays === 0 || f.burnSumMicros === 0 || f.balanceMicros <= 0) return [];
  const perDay = f.burnSumMicros / f.burnDays;
  const rows: ChartRow[] = [{ label: dayKey(f.at), amountUsd: microsToUsd(f.balanceMicros), note: 'now' }];
  let balance = f.balanceMicros - Math.max(0, perDay - f.todayMicros);
  for (let k = 1; k < CHART_DAYS; k++) {
    const from = f.day + (k - 1) * DAY_MS;
    const to = f.day + k * DAY_MS;
    if (k > 1) balance -= perDay;
    const notes: string[] = [];
    for (const g of f.grants) {
      if (g.expired) continue;
      const starts = activationTime(g.grant);
      if (!g.active && starts > f.at && starts <= to && starts > from) {
        balance += g.remainingMicros;
        notes.push(`${g.grant.id} starts`);
      }
      if (g.grant.expiresAt > Math.max(from, f.at) && g.grant.expiresAt <= to) {
        balance -= (g.atRiskScaled ?? 0) / f.burnDays;
        notes.push(`${g.grant.id} expires`);
      }
    }
    const row: ChartRow = { label: dayKey(to), amountUsd: microsToUsd(Math.max(0, balance)) };
    if (notes.length > 0) row.note = notes.join(', ');
    rows.push(row);
    if (balance <= 0) break;
  }
  return rows;
}

/** Bar width in pixels, proportional to the row's amount against the largest in the chart. */
export function barWidth(amountUsd: number, maxUsd: number): number {
  return maxUsd > 0 ? Math.round((Math.max(0, amountUsd) / maxUsd) * BAR_PX) : 0;
}

const LABEL = 'font-family:Consolas,Menlo,monospace;font-size:12px;color:#374151;white-space:nowrap';

/**
 * Bars as table cells with bgcolor and a pixel width: no images, no CSS classes, so Gmail and Outlook
 * (which ignore most CSS) draw them alike. A zero-width cell is omitted because Outlook widens it.
 */
export function htmlBars(rows: readonly ChartRow[], color: string): string {
  const max = Math.max(...rows.map((r) => r.amountUsd), 0);
  const body = rows
    .map((r) => {
      const width = barWidth(r.amountUsd, max);
      const fill = r.muted ? '#9ca3af' : color;
      const bar =
        width > 0
          ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td class="bar" width="${e(width)}" height="10" bgcolor="${e(fill)}" style="width:${e(width)}px;height:10px;line-height:10px;font-size:1px;background-color:${e(fill)}">&nbsp;</td></tr></table>`
          : '';
      const amount = `${usd(r.amountUsd)}${r.note ? ` (${r.note})` : ''}`;
      return `<tr><td class="day" style="${LABEL};padding:1px 8px 1px 0">${e(r.label)}</td><td width="${BAR_PX}" style="width:${BAR_PX}px;padding:1px 0">${bar}</td><td style="${LABEL};padding:1px 0 1px 8px">${e(amount)}</td></tr>`;
    })
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${body}</table>`;
}

/** The same chart in plain text: `#` bars on the same scale. */
export function textBars(rows: readonly ChartRow[]): string {
  const max = Math.max(...rows.map((r) => r.amountUsd), 0);
  return rows
    .map((r) => {
      const n = max > 0 ? Math.round((Math.max(0, r.amountUsd) / max) * BAR_CHARS) : 0;
      return `  ${r.label} ${'#'.repeat(n).padEnd(BAR_CHARS)} ${usd(r.amountUsd)}${r.note ? ` (${r.note})` : ''}`;
    })
    .join('\n');
}
