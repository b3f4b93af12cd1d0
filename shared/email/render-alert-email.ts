import { htmlColumns, textColumns } from './charts.ts';
import { type AlertEmailInput, type EmailModel, emailModel } from './email-model.ts';
import { escapeHtml as e } from './escape.ts';
import { box, FONT, grid, heading, MUTED, page, plain, rich } from './html-parts.ts';

export type { AlertEmailInput } from './email-model.ts';
export {
  type OperatorEmailInput,
  type OperatorEmailKind,
  renderOperatorEmail,
} from './operator-email.ts';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const DEMO_NOTE = 'DEMO DATA: this email was generated from simulated history, not a real account.';
const SPEND_TITLE = 'Spend, last 30 days';
const PROJECTION_TITLE = 'Balance projection at the current burn rate';
const GRANT_HEAD = ['Grant', 'Remaining', 'Expires', 'At risk'];

/**
 * One email for all alerts of an account in a run: HTML (inline styles and tables only) and plain
 * text, both rendered from one model so they cannot disagree on a fact. Pure: no clock, no I/O.
 */
export function renderAlertEmail(input: AlertEmailInput): RenderedEmail {
  const m = emailModel(input);
  return { subject: m.subject, html: html(m), text: text(m) };
}

function html(m: EmailModel): string {
  const demo = m.demo ? box(`<b>${e(DEMO_NOTE)}</b>`, '#d97706', '#fef3c7') : '';
  const alerts = m.alerts
    .map((a) =>
      box(
        `<p style="margin:0 0 6px;font-size:16px;font-weight:bold">${e(a.headline)}</p><p style="margin:0 0 6px">${rich(a.detail)}</p><p style="margin:0"><b>What to do:</b> ${rich(a.action)}</p>`,
        '#dc2626',
        '#fef2f2',
      ),
    )
    .join('');
  const body = [
    demo,
    `<h2 style="margin:0 0 2px;font-size:20px;${FONT}">burnrate: ${e(m.title)}</h2>`,
    `<p style="margin:0;${MUTED}">Figures at ${e(m.asOf)}. ${e(m.freshness)}</p>`,
    alerts,
    heading('Figures'),
    grid(m.summary),
    m.grants.length ? `${heading('Credit grants')}${grid(m.grants, GRANT_HEAD)}` : '',
    projectsHtml(m),
    chartsHtml(m),
    ...m.notes.map((n) => `<p style="margin:14px 0 0;${MUTED}">${rich(n)}</p>`),
  ];
  return page(m.subject, body.join(''));
}

/** The per-project table (alert and digest emails alike), or nothing. */
export function projectsHtml(m: Pick<EmailModel, 'projects'>): string {
  return m.projects ? `${heading(m.projects.title)}${grid(m.projects.rows, m.projects.head)}` : '';
}

/** The figures, grant and per-project tables as text lines (alert and digest emails alike). */
export function tablesText(m: Pick<EmailModel, 'summary' | 'grants' | 'projects'>): string[] {
  const lines = ['Figures', ...m.summary.map(([k, v]) => `  ${k}: ${v}`)];
  if (m.grants.length) {
    lines.push('', 'Credit grants (remaining | expires | at risk)');
    for (const [id, remaining, expires, risk] of m.grants)
      lines.push(`  ${id}: ${remaining} | ${expires} | ${risk}`);
  }
  if (m.projects) {
    const [, ...columns] = m.projects.head;
    lines.push('', `${m.projects.title} (${columns.join(' | ').toLowerCase()})`);
    for (const [name, ...cells] of m.projects.rows) lines.push(`  ${name}: ${cells.join(' | ')}`);
  }
  return lines;
}

function text(m: EmailModel): string {
  const lines: string[] = [];
  if (m.demo) lines.push(DEMO_NOTE, '');
  lines.push(`burnrate: ${m.title}`, `Figures at ${m.asOf}. ${m.freshness}`, '');
  for (const a of m.alerts)
    lines.push(`* ${a.headline}`, `  ${plain(a.detail)}`, `  What to do: ${plain(a.action)}`, '');
  lines.push(...tablesText(m));
  lines.push('', ...chartsText(m));
  lines.push('', ...m.notes.map(plain));
  return `${lines.join('\n')}\n`;
}

type ChartFacts = Pick<
  EmailModel,
  'spend' | 'paceUsd' | 'spendCaption' | 'projection' | 'projectionMilestones' | 'projectionNote'
>;

const caption = (lines: readonly string[]) =>
  lines.map((l) => `<p style="margin:4px 0 0;${MUTED}">${e(l)}</p>`).join('');

/** The 30-day spend columns and the balance projection, each with its caption: alert and digest emails. */
export function chartsHtml(m: ChartFacts): string {
  const projection = m.projection.length
    ? `${htmlColumns(m.projection, { color: '#16a34a' })}${caption(m.projectionMilestones)}`
    : `<p style="margin:0">${e(m.projectionNote)}</p>`;
  return [
    heading(SPEND_TITLE),
    htmlColumns(m.spend, { color: '#2563eb', markerUsd: m.paceUsd }),
    caption(m.spendCaption),
    heading(PROJECTION_TITLE),
    projection,
  ].join('');
}

/** The same charts as text lines: one character per day, then the same captions. */
export function chartsText(m: ChartFacts): string[] {
  return [
    SPEND_TITLE,
    textColumns(m.spend),
    ...m.spendCaption.map((l) => `  ${l}`),
    '',
    PROJECTION_TITLE,
    ...(m.projection.length
      ? [textColumns(m.projection), ...m.projectionMilestones.map((l) => `  ${l}`)]
      : [`  ${m.projectionNote}`]),
  ];
}
