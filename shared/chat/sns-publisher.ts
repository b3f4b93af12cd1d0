import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { captured } from '../clients.ts';
import type { AlertPublisher, ChatAttributes } from '../ports.ts';

/** SNS refused or failed a publish after the SDK's retries; names the topic, never a secret. */
export class AlertPublishError extends Error {
  override readonly name = 'AlertPublishError';
}

/**
 * Publishes one chat message to the alerts topic, with `accountId`, `kind`, `schema` (and on a
 * project's alerts `projectId`) as String message
 * attributes (subscription filter policies can route on them). Throttling and transient errors
 * are retried by the SDK's standard strategy (clients.ts).
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: { body: string; attributes: ChatAttributes }): Promise<{ messageId: string }> {
    try {
      const out = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Message: message.body,
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
      );
      return { messageId: out.MessageId ?? 'unknown' };
    } catch (error) {
      const e = error as Error;
      throw new AlertPublishError(`SNS did not publish to ${this.topicArn} (${e.name}): ${e.message}`, {
        cause: error,
      });
    }
  }
}

let sns: SNSClient | undefined;

/** One SNS client per process, like the others in clients.ts (standard retries, 2 attempts, each cut off). */
export function snsClient(region: string): SNSClient {
  // Published between the email and its mark: bounded like the send (see SEND_RESERVE_MS).
  sns ??= captured(
    new SNSClient({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
      region,
    }),
  );
  return sns;
}
