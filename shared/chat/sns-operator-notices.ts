import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OperatorNotices } from '../ports.ts';

/**
 * Operator notices on the operator SNS topic (the one the CloudWatch alarms use; its email
 * subscription reaches the operator without SES): the upkeep function has no SES permission.
 */
export class SnsOperatorNotices implements OperatorNotices {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async tell(notice: { accountId: string; kind: string; subject: string; text: string }): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // SNS subjects: at most 100 printable ASCII characters, no line breaks.
        Subject: notice.subject.replace(/[^\x20-\x7e]/g, '-').slice(0, 100),
        Message: notice.text,
        MessageAttributes: {
          accountId: { DataType: 'String', StringValue: notice.accountId },
          kind: { DataType: 'String', StringValue: `operator:${notice.kind}` },
        },
      }),
    );
  }
}
