import { redactKeys } from '../secrets/redact.ts';
import { escapeHtml as e } from './escape.ts';
import { box, MUTED, page, plain, rich } from './html-parts.ts';

export type OperatorEmailKind =
  | 'invalid-config'
  | 'auth-failed'
  | 'stale-data'
  | 'delivery-failed'
  | 'unreadable-alert-keys'
  | 'guard-failed';

export interface OperatorEmailInput {
  kind: OperatorEmailKind;
  accountId: string;
  /** What went wrong, verbatim (an error message, a validation report). */
  detail: string;
  /** When it was noticed (epoch ms): a parameter, so rendering stays pure. */
  at: number;
}

const OPERATOR_TEXT: Record<OperatorEmailKind, [string, string]> = {
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
    'Verify the sender identity in SES and, while SES is in the sandbox, every recipient address (the account’s `recipients` and each project’s `projects.<id>.recipients`).',
  ],
  'unreadable-alert-keys': [
    'stored alert keys this version cannot read',
    'These ALERT# items were left as they are and are not emailed. If a newer burnrate wrote them, deploy that version again; if they were edited by hand, delete them (the alert fires again if its condition still holds).',
  ],
  'guard-failed': [
    'the guard could not freeze a runaway project',
    'The project keeps spending until someone stops it: find the caller, or revoke its key in the provider console. Every run retries the freeze for 24 hours; to try by hand: `npx burnrate guard freeze --account <id> --project <project>`; the trail: `npx burnrate guard list --account <id>`. A 401/403 means the admin key may not write spend limits (see `npx burnrate doctor`).',
  ],
};

/** What re-arms each notice (OPERATOR_REARM in shared/use-cases/operator-notices.ts), in the email's words. */
const FOOTER: Record<OperatorEmailKind, string> = {
  'invalid-config':
    'You get this once until the account syncs successfully again, or an edit that makes its items valid is checked.',
  'auth-failed': 'You get this once until the account syncs successfully again.',
  'stale-data': 'You get this once until the account syncs successfully again.',
  'delivery-failed':
    'You get this once until an email to the account’s recipients is delivered again (a successful sync does not re-arm it).',
  'unreadable-alert-keys':
    'You get this once until a run finds no alert key it cannot read (a successful sync does not re-arm it).',
  'guard-failed':
    'You get this once until a run has no failed freeze left to retry (applied, released, or 24 hours of retries over); a successful sync does not re-arm it.',
};

/** Operator emails: what broke, for which account, and what to do. Nothing key-shaped gets in. */
export function renderOperatorEmail(raw: OperatorEmailInput): {
  subject: string;
  html: string;
  text: string;
} {
  const input = { ...raw, accountId: redactKeys(raw.accountId), detail: redactKeys(raw.detail) };
  const [what, todo] = OPERATOR_TEXT[input.kind];
  const subject = `burnrate operator: account ${input.accountId}: ${what}`;
  const when = new Date(input.at).toISOString();
  const html = page(
    subject,
    `<h2 style="margin:0 0 8px;font-size:18px">${e(subject)}</h2>${box(
      `<pre style="margin:0;white-space:pre-wrap;font-family:Consolas,Menlo,monospace;font-size:13px">${e(input.detail)}</pre>`,
      '#d97706',
      '#fffbeb',
    )}<p><b>What to do:</b> ${rich(todo)}</p><p style="${MUTED}">Noticed at ${e(when)}. ${e(FOOTER[input.kind])}</p>`,
  );
  const text = `${subject}\n\n${input.detail}\n\nWhat to do: ${plain(todo)}\n\nNoticed at ${when}. ${FOOTER[input.kind]}\n`;
  return { subject, html, text };
}
