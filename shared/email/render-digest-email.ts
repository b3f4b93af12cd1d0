import { type DigestEmailInput, type DigestModel, digestModel } from './digest-model.ts';
import { escapeHtml as e } from './escape.ts';
import { box, FONT, grid, heading, MUTED, page, plain, rich } from './html-parts.ts';
import {
  chartsHtml,
  chartsText,
  DEMO_NOTE,
  projectsHtml,
  type RenderedEmail,
  tablesText,
} from './render-alert-email.ts';

export type { DigestEmailInput } from './digest-model.ts';

const GRANT_HEAD = ['Grant', 'Remaining', 'Expires', 'At risk'];

/**
 * The weekly digest: HTML (inline styles and tables only) and a text part with every number the HTML
 * shows, both from one model. Pure: no clock, no I/O.
 */
export function renderDigestEmail(input: DigestEmailInput): RenderedEmail {
  const m = digestModel(input);
  return { subject: m.subject, html: html(m), text: text(m) };
}

function html(m: DigestModel): string {
  const body = [
    m.demo ? box(`<b>${e(DEMO_NOTE)}</b>`, '#d97706', '#fef3c7') : '',
    `<h2 style="margin:0 0 2px;font-size:20px;${FONT}">burnrate weekly digest: ${e(m.title)}</h2>`,
    `<p style="margin:0;${MUTED}">Figures at ${e(m.asOf)}. ${e(m.freshness)}</p>`,
    box(e(m.alive), '#16a34a', '#f0fdf4'),
    heading('Figures'),
    grid(m.summary),
    m.grants.length ? `${heading('Credit grants')}${grid(m.grants, GRANT_HEAD)}` : '',
    projectsHtml(m),
    chartsHtml(m),
    ...[...m.notes, m.footer].map((n) => `<p style="margin:14px 0 0;${MUTED}">${rich(n)}</p>`),
  ];
  return page(m.subject, body.join(''));
}

function text(m: DigestModel): string {
  const lines: string[] = [];
  if (m.demo) lines.push(DEMO_NOTE, '');
  lines.push(`burnrate weekly digest: ${m.title}`, `Figures at ${m.asOf}. ${m.freshness}`, '', m.alive, '');
  lines.push(...tablesText(m));
  lines.push('', ...chartsText(m), '', ...[...m.notes, m.footer].map(plain));
  return `${lines.join('\n')}\n`;
}
