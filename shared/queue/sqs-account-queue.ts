import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AccountQueue } from '../ports.ts';

const BATCH = 10; // SQS's limit per SendMessageBatch

export class SqsAccountQueue implements AccountQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(messages: ReadonlyArray<{ accountId: string; runId: string }>): Promise<void> {
    for (let i = 0; i < messages.length; i += BATCH) {
      const chunk = messages.slice(i, i + BATCH);
      const out = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((m, j) => ({ Id: String(j), MessageBody: JSON.stringify(m) })),
        }),
      );
      if (out.Failed && out.Failed.length > 0) {
        const ids = out.Failed.map((f) => chunk[Number(f.Id)]?.accountId).join(', ');
        throw new Error(
          `SQS refused messages for accounts ${ids}: ${out.Failed[0]?.Message ?? out.Failed[0]?.Code}`,
        );
      }
    }
  }
}
