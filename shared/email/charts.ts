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

/** Tallest column in pixels: the largest value of a chart (or the budget pace, if higher) gets it. */
export const CHART_PX = 60;
/** One day's column: bar width and the gap after it (cellspacing would also pad the marker line). */
const COLUMN_PX = 14;
const GAP_PX = 4;
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

/** Bar height in pixels, proportional to the amount against the chart's scale; 0 for nothing spent. */
export function barHeight(amountUsd: number, scaleUsd: number): number {
  return scaleUsd > 0 ? Math.round((Math.max(0, amountUsd) / scaleUsd) * CHART_PX) : 0;
}

/** The budget's daily pace: monthly budget spread evenly over the days of the run's month. */
export function dailyPaceUsd(monthlyBudgetUsd: number, at: number): { paceUsd: number; monthDays: number } {
  const d = new Date(at);
  const monthDays = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return { paceUsd: Math.round((monthlyBudgetUsd / monthDays) * 100) / 100, monthDays };
}

export interface ColumnOptions {
  color: string;
  /** A horizontal dashed line across the chart at this amount (the budget's daily pace). */
  markerUsd?: number | undefined;
}

const MARKER = '#d97706';
const MARKER_PX = 2;

/**
 * Vertical runs of one column, top to bottom: [pixels, colour or undefined for blank]. The marker
 * line is drawn over the bar, so it stays visible on days above the pace.
 */
function columnRuns(
  barPx: number,
  fill: string,
  markerPx: number | undefined,
): Array<[number, string | undefined]> {
  const runs: Array<[number, string | undefined]> = [];
  for (let y = CHART_PX - 1; y >= 0; y--) {
    const onMarker = markerPx !== undefined && y >= markerPx - MARKER_PX && y < markerPx;
    const color = onMarker ? MARKER : y < barPx ? fill : undefined;
    const last = runs.at(-1);
    if (last && last[1] === color) last[0]++;
    else runs.push([1, color]);
  }
  return runs;
}

const cell = (px: number, color: string | undefined) =>
  `<tr><td height="${px}"${color ? ` bgcolor="${e(color)}"` : ''} style="height:${px}px;line-height:${px}px;font-size:1px;mso-line-height-rule:exactly;${color ? `background-color:${e(color)}` : ''}">&nbsp;</td></tr>`;

/**
 * One row of columns, a vertical bar per row of `rows`: each column is a one-column table of
 * stacked cells with pixel heights and bgcolor, bottom-aligned. No images and no CSS classes, so
 * Gmail and Outlook (Word's renderer ignores most CSS but honours cell heights and bgcolor) draw it
 * alike. Each column's title gives its day and amount on hover.
 */
export function htmlColumns(rows: readonly ChartRow[], o: ColumnOptions): string {
  const scale = Math.max(...rows.map((r) => r.amountUsd), o.markerUsd ?? 0, 0);
  const markerPx =
    o.markerUsd !== undefined && scale > 0
      ? Math.max(MARKER_PX, Math.round((o.markerUsd / scale) * CHART_PX))
      : undefined;
  const columns = rows
    .map((r, i) => {
      const fill = r.muted ? '#9ca3af' : o.color;
      const stack = columnRuns(barHeight(r.amountUsd, scale), fill, markerPx)
        .map(([px, color]) => cell(px, color))
        .join('');
      const title = `${r.label}: ${usd(r.amountUsd)}${r.note ? ` (${r.note})` : ''}`;
      const gap =
        i < rows.length - 1
          ? `<td width="${GAP_PX}" style="width:${GAP_PX}px;font-size:1px">&nbsp;</td>`
          : '';
      return `<td width="${COLUMN_PX}" valign="bottom" title="${e(title)}" style="width:${COLUMN_PX}px;padding:0"><table role="presentation" width="${COLUMN_PX}" cellpadding="0" cellspacing="0" border="0">${stack}</table></td>${gap}`;
    })
    .join('');
  // A filler cell takes any width the axis labels need beyond the columns, so a short chart's
  // columns stay 14px wide instead of being stretched apart.
  const span = rows.length * 2;
  const labels = axisLabels(rows)
    .map(
      (l, i, all) =>
        `<td align="${i === all.length - 1 && i > 0 ? 'right' : 'left'}" style="${AXIS}">${e(l)}</td>`,
    )
    .join('');
  const axis = `<tr><td colspan="${span}" style="border-top:1px solid #9ca3af;padding:2px 0 0;${AXIS}"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${labels}</tr></table></td></tr>`;
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>${columns}<td style="font-size:1px">&nbsp;</td></tr>${axis}</table>`;
}

/** Below this many columns the two axis labels would not fit apart: one label, `first to last`. */
const SPLIT_AXIS = 10;

/** The first and last day under the columns, or `first to last` when the chart is short. */
function axisLabels(rows: readonly ChartRow[]): string[] {
  const first = rows[0]?.label ?? '';
  const last = rows.at(-1)?.label ?? '';
  if (rows.length >= SPLIT_AXIS) return [first, last];
  return [rows.length > 1 ? `${first} to ${last}` : first];
}

const AXIS = 'font-family:Consolas,Menlo,monospace;font-size:11px;color:#6b7280;white-space:nowrap';

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** The same chart in plain text: one character per column, eight heights, `·` for nothing. */
export function textColumns(rows: readonly ChartRow[]): string {
  const max = Math.max(...rows.map((r) => r.amountUsd), 0);
  const bars = rows
    .map((r) => {
      if (max <= 0 || r.amountUsd <= 0) return '·';
      return LEVELS[Math.min(LEVELS.length - 1, Math.ceil((r.amountUsd / max) * LEVELS.length) - 1)];
    })
    .join('');
  const labels = axisLabels(rows);
  const [first = '', last = ''] = labels;
  const gap = ' '.repeat(Math.max(1, rows.length - first.length - last.length));
  return `  ${bars}\n  ${labels.length === 2 ? `${first}${gap}${last}` : first}`;
}

/**
 * What the spend chart says in words, for both parts: the peak day, the last 7 complete days, and
 * the budget's daily pace with how many days went over it.
 */
export function spendCaption(
  rows: readonly ChartRow[],
  pace?: { paceUsd: number; monthDays: number; budgetUsd: number },
): string[] {
  const reported = rows.filter((r) => !r.muted);
  const peak = reported.reduce<ChartRow | undefined>(
    (best, r) => (!best || r.amountUsd > best.amountUsd ? r : best),
    undefined,
  );
  const lines: string[] = [];
  if (peak) lines.push(`Highest day ${usd(peak.amountUsd)} on ${peak.label}.`);
  const today = rows.at(-1);
  if (today?.muted)
    lines.push(
      `Today (${today.label}, grey): ${usd(today.amountUsd)} ${today.note ?? ''}.`.replace(' .', '.'),
    );
  if (pace) {
    const over = reported.filter((r) => r.amountUsd > pace.paceUsd).length;
    lines.push(
      `Dashed line: budget pace ${usd(pace.paceUsd)}/day (${usd(pace.budgetUsd)} over ${pace.monthDays} days); ${over} of ${reported.length} days above it.`,
    );
  }
  return lines;
}

/** The projection's milestones: now, each grant starting or expiring, and where it ends. */
export function projectionMilestones(rows: readonly ChartRow[]): string[] {
  const last = rows.at(-1);
  return rows
    .filter((r, i) => i === 0 || r.note !== undefined || r === last)
    .map((r) => {
      const end =
        r === last && rows.length > 1
          ? r.amountUsd <= 0
            ? 'runs out'
            : `in ${rows.length - 1} days`
          : undefined;
      const what = [r.note, end].filter(Boolean).join(', ');
      return `${r.label}: ${usd(r.amountUsd)}${what ? ` (${what})` : ''}`;
    });
}
