import { createHash } from 'node:crypto';
import { escapeHtml as e } from '../email/escape.ts';

/** What the guard answers, whatever serves it (Lambda Function URL, or `npm start`'s server). */
export interface GuardResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The page's only style and script, inline, allowed by their hashes: no external asset at all. */
const STYLE = `
:root{color-scheme:light}
body{margin:0;background:#f3f4f6;font:16px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#111827}
main{max-width:640px;margin:32px auto;padding:0 16px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:24px 28px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.brand{font-size:13px;font-weight:600;letter-spacing:.04em;color:#6b7280;text-transform:uppercase;margin:0 0 8px}
h1{font-size:24px;line-height:1.25;margin:0 0 12px}
.lead{font-size:17px;margin:0 0 16px}
.pace{border-left:4px solid #dc2626;background:#fef2f2;padding:10px 14px;margin:16px 0;border-radius:0 6px 6px 0}
.ok{border-left-color:#16a34a;background:#f0fdf4}
.info{border-left-color:#2563eb;background:#eff6ff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:16px 0}
dt{color:#6b7280}
dd{margin:0}
code{font:13px Consolas,Menlo,monospace;background:#f3f4f6;padding:1px 4px;border-radius:4px;word-break:break-all}
form{margin:20px 0 8px}
button{font:inherit;font-size:17px;font-weight:600;border:0;border-radius:8px;padding:12px 22px;cursor:pointer;color:#fff;background:#dc2626}
button.undo{background:#374151}
button:disabled{opacity:.6;cursor:progress}
.note{color:#4b5563;font-size:14px;margin:12px 0 0}
`;
/** Presses the button once: a double click would otherwise post the single-use link twice. */
const SCRIPT =
  "document.addEventListener('submit',function(e){var b=e.target.querySelector('button');if(b){setTimeout(function(){b.disabled=true},0)}});";

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Nothing loads from anywhere; the form may post only back to this origin; no framing (no
 * click-jacking of the button); no referrer, so the token in the address never leaves in a header.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000',
};

/** A whole page: `body` is HTML the caller escaped. */
export function htmlPage(status: number, title: string, body: string, extraHeaders = {}): GuardResponse {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer"><title>${e(title)}</title><style>${STYLE}</style></head><body><main><div class="card"><p class="brand">burnrate guard</p>${body}</div></main><script>${SCRIPT}</script></body></html>`;
  return { status, headers: { ...SECURITY_HEADERS, ...extraHeaders }, body: html };
}

/** A one-button form carrying the token; the action field must match the token's own. */
export function actionForm(token: string, action: 'freeze' | 'release', label: string): string {
  const cls = action === 'release' ? ' class="undo"' : '';
  return `<form method="post" action="/"><input type="hidden" name="t" value="${e(token)}"><input type="hidden" name="action" value="${action}"><button type="submit"${cls}>${e(label)}</button></form>`;
}

/** A definition list of [label, escaped HTML] rows. */
export function details(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}
