import type { AlertEmailFacts, RenderedEmail } from '../use-cases/deliver-alerts.ts';
import type { OperatorAlertKind } from '../use-cases/notify-operator.ts';
import { htmlBars, textBars } from './charts.ts';
import { type EmailModel, emailModel } from './email-model.ts';
import { escapeHtml as e } from './escape.ts';

const DEMO_NOTE = 'DEMO DATA: this email was generated from simulated history, not a real account.';
const FONT = 'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif';

/** One email for all alerts of an account in a run: HTML (inline styles only) and plain text. */
export function renderAlertEmail(facts: AlertEmailFacts): RenderedEmail {
  const m = emailModel(facts);
  return { subject: m.subject, html: html(m), text: text(m) };
}

/** `code` spans for the config field names written as `field` in the facts. */
const rich = (s: string) =>
  e(s).replace(/`([^`]+)`/g, '<code style="background:#f3f4f6;padding:0 3px">$1</code>');
const plain = (s: string) => s.replace(/`([^`]+)`/g, '$1');

function html(m: EmailModel): string {
  const rows = (pairs: string[][], head?: string[]) =>
    `<table role="presentation" cellpadding="4" cellspacing="0" border="0" style="border-collapse:collapse;${FONT};font-size:14px">${
      head
        ? `<tr>${head.map((h) => `<th align="left" style="border-bottom:1px solid #d1d5db">${e(h)}</th>`).join('')}</tr>`
        : ''
    }${pairs.map((r) => `<tr>${r.map((c, i) => `<td style="${i === 0 && !head ? 'color:#6b7280;' : ''}border-bottom:1px solid #f3f4f6">${e(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  const alerts = m.alerts
    .map(
      (a) =>
        `<div style="border-left:4px solid #dc2626;padding:8px 12px;margin:12px 0;background:#fef2f2"><p style="margin:0 0 6px;font-size:16px;font-weight:bold">${e(a.headline)}</p><p style="margin:0 0 6px">${rich(a.detail)}</p><p style="margin:0"><b>What to do:</b> ${rich(a.action)}</p></div>`,
    )
    .join('');
  const section = (title: string, body: string) =>
    `<h3 style="margin:20px 0 6px;font-size:15px">${e(title)}</h3>${body}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${e(m.subject)}</title></head><body style="margin:0;padding:16px;background:#ffffff;color:#111827;${FONT};font-size:14px"><div style="max-width:680px">${
    m.demo
      ? `<p style="background:#fef3c7;border:1px solid #f59e0b;padding:8px;font-weight:bold">${e(DEMO_NOTE)}</p>`
      : ''
  }<h2 style="margin:0 0 4px;font-size:20px">burnrate: ${e(m.title)}</h2>${alerts}${section('Figures', rows(m.summary))}${
    m.grants.length
      ? section('Credit grants', rows(m.grants, ['Grant', 'Remaining', 'Expires', 'At risk']))
      : ''
  }${m.scopes.length ? section(`Spend by ${m.scopeLabel.toLowerCase()}, last 30 days`, rows(m.scopes, [m.scopeLabel, 'Spend'])) : ''}${section('Spend, last 30 days', htmlBars(m.spend, '#2563eb'))}${
    m.projection.length
      ? section('Balance projection at the current burn rate', htmlBars(m.projection, '#16a34a'))
      : ''
  }${m.notes.map((n) => `<p style="color:#6b7280;font-size:12px;margin:12px 0 0">${rich(n)}</p>`).join('')}</div></body></html>`;
}

function text(m: EmailModel): string {
  const lines: string[] = [];
  if (m.demo) lines.push(DEMO_NOTE, '');
  lines.push(`burnrate: ${m.title}`, '');
  for (const a of m.alerts)
    lines.push(`* ${a.headline}`, `  ${plain(a.detail)}`, `  What to do: ${plain(a.action)}`, '');
  lines.push('Figures');
  for (const [k, v] of m.summary) lines.push(`  ${k}: ${v}`);
  if (m.grants.length) {
    lines.push('', 'Credit grants (remaining | expires | at risk)');
    for (const [id, remaining, expires, risk] of m.grants)
      lines.push(`  ${id}: ${remaining} | ${expires} | ${risk}`);
  }
  if (m.scopes.length) {
    lines.push('', `Spend by ${m.scopeLabel.toLowerCase()}, last 30 days`);
    for (const [scope, amount] of m.scopes) lines.push(`  ${scope}: ${amount}`);
  }
  lines.push('', 'Spend, last 30 days', textBars(m.spend));
  if (m.projection.length)
    lines.push('', 'Balance projection at the current burn rate', textBars(m.projection));
  lines.push('', ...m.notes.map(plain));
  return `${lines.join('\n')}\n`;
}

const OPERATOR_TEXT: Record<OperatorAlertKind, [string, string]> = {
  'invalid-config': [
    'config item is invalid',
    'Fix the item in the DynamoDB console or with `burnrate account set`; nothing of this account is synced until then.',
  ],
  'auth-failed': [
    'the admin key is missing or was refused',
    'Check the admin key in Secrets Manager (`adminKeySecret`, default burnrate/<account>) and that it is an organization admin key.',
  ],
  'stale-data': [
    'no successful sync for too long',
    'Look at the sync function’s logs for this account; the figures and alerts are out of date until a sync succeeds.',
  ],
  'delivery-failed': [
    'alert emails could not be sent',
    'Verify the sender identity in SES and, while SES is in the sandbox, every recipient address.',
  ],
};

/** Operator emails: what broke, for which account, and what to do. */
export function renderOperatorEmail(input: {
  kind: OperatorAlertKind;
  accountId: string;
  detail: string;
  at: number;
}): RenderedEmail {
  const [what, todo] = OPERATOR_TEXT[input.kind];
  const subject = `burnrate operator: account ${input.accountId}: ${what}`;
  const when = new Date(input.at).toISOString();
  const htmlBody = `<!doctype html><html><body style="${FONT};font-size:14px"><h2 style="font-size:18px">${e(subject)}</h2><pre style="white-space:pre-wrap;background:#f3f4f6;padding:8px">${e(input.detail)}</pre><p><b>What to do:</b> ${rich(todo)}</p><p style="color:#6b7280;font-size:12px">Noticed at ${e(when)}. You get this once until the account syncs successfully again.</p></body></html>`;
  const textBody = `${subject}\n\n${input.detail}\n\nWhat to do: ${plain(todo)}\n\nNoticed at ${when}. You get this once until the account syncs successfully again.\n`;
  return { subject, html: htmlBody, text: textBody };
}
