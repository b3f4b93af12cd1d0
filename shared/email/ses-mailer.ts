import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Mailer, OutgoingEmail } from '../ports.ts';

/** SES refused the message (unverified address, sandbox, rejected content): the operator must act. */
export class DeliveryRejectedError extends Error {
  override readonly name = 'DeliveryRejectedError';
}

const REJECTIONS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'AccountSendingPausedException',
  'ConfigurationSetSendingPausedException',
]);

/** SES v1 SendEmail with an HTML and a text part. Throttling is retried by the SDK's standard strategy. */
export class SesMailer implements Mailer {
  constructor(private readonly ses: SESClient) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          Source: email.from,
          Destination: { ToAddresses: email.to },
          Message: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Html: { Data: email.html, Charset: 'UTF-8' },
              Text: { Data: email.text, Charset: 'UTF-8' },
            },
          },
        }),
      );
      return { messageId: out.MessageId ?? 'unknown' };
    } catch (error) {
      const name = (error as Error).name;
      if (REJECTIONS.has(name)) {
        throw new DeliveryRejectedError(
          `SES rejected the email from ${email.from} to ${email.to.join(', ')} (${name}): ${(error as Error).message}. ` +
            'Verify the sender and, while the SES account is in the sandbox, every recipient.',
        );
      }
      throw error;
    }
  }
}
