import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingEmail } from '../ports.ts';

/** SES refused the message (unverified address, sandbox, rejected content): the operator must act. */
export class DeliveryRejectedError extends Error {
  override readonly name = 'DeliveryRejectedError';
}

/**
 * SES v2 SendEmail errors only the operator can fix (a retry gets the same answer): the address
 * or domain is not verified (in the sandbox, the recipients too), sending is paused or suspended,
 * a named resource is missing. Throttling (TooManyRequestsException, LimitExceededException) and
 * 5xx are retried by the SDK's standard strategy instead.
 */
const REJECTIONS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'SendingPausedException',
  'AccountSuspendedException',
  'NotFoundException',
]);

/** SES v2 SendEmail (`Content.Simple`) with an HTML and a text part, UTF-8. */
export class SesMailer implements Mailer {
  constructor(private readonly ses: SESv2Client) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: email.to },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                Html: { Data: email.html, Charset: 'UTF-8' },
                Text: { Data: email.text, Charset: 'UTF-8' },
              },
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
