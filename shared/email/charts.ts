import { burnRate } from '../core/derived.ts';
import type { Figures } from '../core/figures.ts';
import { microsToUsd } from '../core/money.ts';
import { DAY_MS, dayKey, startOfUtcDay } from '../core/time.ts';
import { escapeHtml } from './escape.ts';
import { usd } from './format.ts';

export interface ChartRow {
  label: string;
  amountUsd: number;
  note?: string;
}

const BAR_PX = 320;
const BAR_CHARS = 30;

/** The 30 days up to today, one row per day (missing days are zero), today last. */
export function spendRows(
  f: Figures,
  daily: ReadonlyArray<{ day: string; amountMicros: number; estimate?: boolean }>,
): ChartRow[] {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const today = startOfUtcDay(f.at);
  return Array.from({ length: 30 }, (_, i) => {
    const day = dayKey(today - (29 - i) * DAY_MS);
    const d = byDay.get(day);
    const row: ChartRow = { label: day, amountUsd: microsToUsd(d?.amountMicros ?? 0) };
    if (d?.estimate) row.note = 'estimate';
    return row;
  });
}

/** The balance going down by the burn rate, day by day, until it reaches zero or for 30 days. */
export function projectionRows(f: Figures): ChartRow[] {
  const rate = burnRate(f);
  const perDay = rate ? rate.num / rate.den : 0;
  const rows: ChartRow[] = [];
  for (let k = 0; k < 30; k++) {
    const balance = f.balanceMicros - perDay * k;
    rows.push({
      label: dayKey(startOfUtcDay(f.at) + k * DAY_MS),
      amountUsd: microsToUsd(Math.max(0, balance)),
    });
    if (balance <= 0) break;
  }
  return rows;
}

/** Bars as nested table cells with bgcolor and width: no images, no CSS classes, fine in Outlook. */
export function htmlBars(rows: readonly ChartRow[], color: string): string {
  const max = Math.max(...rows.map((r) => r.amountUsd), 0.01);
  const body = rows
    .map((r) => {
      const width = Math.round((r.amountUsd / max) * BAR_PX);
      const bar =
        width > 0
          ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td class="bar" width="${width}" height="10" bgcolor="${r.note ? '#9ca3af' : color}" style="width:${width}px;height:10px;line-height:10px;font-size:1px;background:${r.note ? '#9ca3af' : color}">&nbsp;</td></tr></table>`
          : '';
      return `<tr><td style="font:12px monospace;color:#374151;padding:1px 8px 1px 0;white-space:nowrap">${escapeHtml(r.label)}</td><td width="${BAR_PX}" style="width:${BAR_PX}px;padding:1px 0">${bar}</td><td style="font:12px monospace;color:#374151;padding:1px 0 1px 8px;text-align:right;white-space:nowrap">${escapeHtml(usd(r.amountUsd))}${r.note ? ` (${escapeHtml(r.note)})` : ''}</td></tr>`;
    })
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${body}</table>`;
}

export function textBars(rows: readonly ChartRow[]): string {
  const max = Math.max(...rows.map((r) => r.amountUsd), 0.01);
  return rows
    .map((r) => {
      const bar = '#'.repeat(Math.round((r.amountUsd / max) * BAR_CHARS)).padEnd(BAR_CHARS);
      return `  ${r.label} ${bar} ${usd(r.amountUsd)}${r.note ? ` (${r.note})` : ''}`;
    })
    .join('\n');
}
