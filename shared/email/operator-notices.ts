import type { Mailer, OperatorNotices } from '../ports.ts';
import { escapeHtml } from './escape.ts';

/** Operator notices as plain emails through SES (the CLI's `run` and `npm start`). */
export class EmailOperatorNotices implements OperatorNotices {
  constructor(
    private readonly mailer: Mailer,
    private readonly sender: string,
    private readonly operatorEmail: string,
  ) {}

  async tell(notice: { accountId: string; kind: string; subject: string; text: string }): Promise<void> {
    await this.mailer.send({
      from: this.sender,
      to: [this.operatorEmail],
      subject: notice.subject,
      text: notice.text,
      html: `<pre style="font-family:monospace;white-space:pre-wrap">${escapeHtml(notice.text)}</pre>`,
    });
  }
}
