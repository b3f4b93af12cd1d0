import { escapeHtml as e } from './escape.ts';

/** Inline styles only: Gmail drops <style> blocks in some clients and Outlook ignores most CSS. */
export const FONT = 'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif';
export const MUTED = 'color:#6b7280;font-size:12px';

/** Escapes, then shows the config field names written as `field` as code spans. */
export const rich = (s: string): string =>
  e(s).replace(
    /`([^`]+)`/g,
    '<code style="font-family:Consolas,Menlo,monospace;background:#f3f4f6;padding:0 3px">$1</code>',
  );

/** The text part shows `field` as a bare name. */
export const plain = (s: string): string => s.replace(/`([^`]+)`/g, '$1');

/**
 * A whole document around `body`: a fixed-width centred table rather than a max-width div, because
 * Outlook's Word renderer ignores max-width and would stretch the lines across the window.
 */
export function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(title)}</title></head><body style="margin:0;padding:0;background-color:#f9fafb"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f9fafb"><tr><td align="center" style="padding:16px 8px"><table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:680px;max-width:100%;background-color:#ffffff;border:1px solid #e5e7eb"><tr><td style="padding:20px;${FONT};font-size:14px;line-height:1.45;color:#111827">${body}</td></tr></table></td></tr></table></body></html>`;
}

/** A coloured box (alert, demo label) as a one-cell table: Outlook draws table borders reliably. */
export function box(body: string, border: string, background: string): string {
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:12px 0"><tr><td bgcolor="${e(background)}" style="border-left:4px solid ${e(border)};background-color:${e(background)};padding:10px 14px;${FONT};font-size:14px;color:#111827">${body}</td></tr></table>`;
}

/** A two-or-more column table of text cells, every cell escaped. */
export function grid(rows: readonly (readonly string[])[], head?: readonly string[]): string {
  const th = head
    ? `<tr>${head.map((h) => `<th align="left" style="padding:4px 12px 4px 0;border-bottom:1px solid #d1d5db;${FONT};font-size:13px">${e(h)}</th>`).join('')}</tr>`
    : '';
  const tr = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td style="padding:4px 12px 4px 0;border-bottom:1px solid #f3f4f6;${FONT};font-size:14px;${i === 0 && !head ? 'color:#6b7280;' : ''}">${e(c)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse">${th}${tr}</table>`;
}

export const heading = (title: string): string =>
  `<h3 style="margin:22px 0 8px;font-size:15px;${FONT}">${e(title)}</h3>`;
