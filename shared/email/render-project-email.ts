import { htmlColumns, textColumns } from './charts.ts';
import { escapeHtml as e } from './escape.ts';
import { box, FONT, grid, heading, MUTED, page, plain, rich } from './html-parts.ts';
import { type ProjectEmailInput, type ProjectEmailModel, projectEmailModel } from './project-email-model.ts';
import { DEMO_NOTE, type RenderedEmail } from './render-alert-email.ts';

export type { ProjectEmailInput } from './project-email-model.ts';

const SPEND_TITLE = 'Spend, last 30 days';

/**
 * A project's own email: HTML (inline styles and tables only) and plain text, both from one model
 * so they cannot disagree on a fact. Pure: no clock, no I/O.
 */
export function renderProjectEmail(input: ProjectEmailInput): RenderedEmail {
  const m = projectEmailModel(input);
  return { subject: m.subject, html: html(m), text: text(m) };
}

const caption = (lines: readonly string[]) =>
  lines.map((l) => `<p style="margin:4px 0 0;${MUTED}">${e(l)}</p>`).join('');

function html(m: ProjectEmailModel): string {
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
    m.demo ? box(`<b>${e(DEMO_NOTE)}</b>`, '#d97706', '#fef3c7') : '',
    `<h2 style="margin:0 0 2px;font-size:20px;${FONT}">burnrate: ${e(m.title)}</h2>`,
    `<p style="margin:0;${MUTED}">${e(m.intro)}</p>`,
    alerts,
    heading('Figures'),
    grid(m.summary),
    heading(m.modelsTitle),
    m.models.length ? grid(m.models, ['Model', 'Spend today']) : `<p style="margin:0">${e(m.modelsNote)}</p>`,
    heading(SPEND_TITLE),
    htmlColumns(m.spend, { color: '#2563eb', markerUsd: m.paceUsd }),
    caption(m.spendCaption),
    `<p style="margin:14px 0 0;${MUTED}">${rich(m.footer)}</p>`,
  ];
  return page(m.subject, body.join(''));
}

function text(m: ProjectEmailModel): string {
  const lines: string[] = [];
  if (m.demo) lines.push(DEMO_NOTE, '');
  lines.push(`burnrate: ${m.title}`, m.intro, '');
  for (const a of m.alerts)
    lines.push(`* ${a.headline}`, `  ${plain(a.detail)}`, `  What to do: ${plain(a.action)}`, '');
  lines.push('Figures', ...m.summary.map(([k, v]) => `  ${k}: ${v}`), '', m.modelsTitle);
  lines.push(...(m.models.length ? m.models.map(([k, v]) => `  ${k}: ${v}`) : [`  ${m.modelsNote}`]));
  lines.push('', SPEND_TITLE, textColumns(m.spend), ...m.spendCaption.map((l) => `  ${l}`));
  lines.push('', plain(m.footer));
  return `${lines.join('\n')}\n`;
}
