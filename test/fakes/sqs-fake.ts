import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An SQS endpoint speaking the service's AWS JSON 1.0 protocol for SendMessageBatch (what SDK v3
 * sends), with the MD5 digests the SDK verifies, so the real SQSClient runs unchanged against it.
 * `failIds` makes entries fail, as SQS reports per-entry failures.
 */
export async function startSqsFake(options: { failIds?: (body: string) => boolean } = {}) {
  const received: Array<{ queueUrl: string; body: string }> = [];
  const batches: number[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, payload: object) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(payload));
      };
      if (target !== 'AmazonSQS.SendMessageBatch') {
        reply(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `unsupported ${target}` });
        return;
      }
      const input = JSON.parse(text) as {
        QueueUrl: string;
        Entries: Array<{ Id: string; MessageBody: string }>;
      };
      batches.push(input.Entries.length);
      const successful: object[] = [];
      const failed: object[] = [];
      for (const e of input.Entries) {
        if (options.failIds?.(e.MessageBody)) {
          failed.push({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' });
          continue;
        }
        received.push({ queueUrl: input.QueueUrl, body: e.MessageBody });
        const md5 = createHash('md5').update(e.MessageBody).digest('hex');
        successful.push({ Id: e.Id, MessageId: `msg-${received.length}`, MD5OfMessageBody: md5 });
      }
      reply(200, { Successful: successful, Failed: failed });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    batches,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
