import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeXml, queryError, startQueryServer } from './query-protocol.ts';

export interface PublishedMessage {
  topicArn: string;
  message: string;
  /** The Subject parameter (email subscriptions show it), when sent. */
  subject?: string;
  attributes: Record<string, { dataType: string; value: string }>;
}

/**
 * An SNS endpoint speaking the Query protocol for Publish, as the SDK v3 SNSClient sends it
 * (`Action=Publish`, `MessageAttributes.entry.N.Name/Value.DataType/Value.StringValue`), answering
 * `PublishResponse/PublishResult/MessageId`. `refuse` makes it answer an error instead.
 */
export async function startSnsFake() {
  const published: PublishedMessage[] = [];
  const state = { refuse: undefined as undefined | { code: string; message: string } };
  const server = await startQueryServer((p) => {
    if (p.get('Action') !== 'Publish' || p.get('Version') !== '2010-03-31') return undefined;
    const topicArn = p.get('TopicArn');
    const message = p.get('Message');
    if (!topicArn || message === null)
      return { status: 400, xml: queryError('InvalidParameter', 'TopicArn and Message are required') };
    if (state.refuse) return { status: 400, xml: queryError(state.refuse.code, state.refuse.message) };
    const attributes: PublishedMessage['attributes'] = {};
    for (let i = 1; p.has(`MessageAttributes.entry.${i}.Name`); i++) {
      const entry = `MessageAttributes.entry.${i}`;
      attributes[p.get(`${entry}.Name`) as string] = {
        dataType: p.get(`${entry}.Value.DataType`) ?? '',
        value: p.get(`${entry}.Value.StringValue`) ?? '',
      };
    }
    const subject = p.get('Subject');
    published.push({ topicArn, message, ...(subject !== null && { subject }), attributes });
    const id = `00000000-0000-4000-8000-${String(published.length).padStart(12, '0')}`;
    return {
      status: 200,
      xml: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${escapeXml(id)}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${published.length}</RequestId></ResponseMetadata></PublishResponse>`,
    };
  });
  return {
    ...server,
    published,
    /** Answer every Publish with this error (e.g. AuthorizationError) until set back to undefined. */
    refuse(error: { code: string; message: string } | undefined) {
      state.refuse = error;
    },
  };
}

/**
 * SES v2 in front of the aws-ses-v2-local emulator, in the REST-JSON protocol the SDK v3 SESv2Client
 * speaks: while `refusing`, SendEmail (`POST /v2/email/outbound-emails`) gets SES's `MessageRejected`
 * error (HTTP 400, typed by the `x-amzn-errortype` header, what a sandboxed account answers for an
 * unverified address); otherwise every request is passed on to the emulator, which stores the
 * email. `sandbox(verified)` refuses only emails whose sender or a recipient is not in `verified`,
 * as the SES sandbox does.
 */
export async function startRefusingSes(emulatorEndpoint: string) {
  const state = { refusing: true, refused: 0, verified: undefined as ReadonlySet<string> | undefined };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', async () => {
      try {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (req.method === 'POST' && path === '/v2/email/outbound-emails') {
          const input = JSON.parse(body) as {
            FromEmailAddress?: string;
            Destination?: { ToAddresses?: string[] };
          };
          const from = input.FromEmailAddress ?? '';
          const to = input.Destination?.ToAddresses ?? [];
          const verified = state.verified;
          const failed = verified
            ? [from, ...to].filter((a) => !verified.has(a))
            : state.refusing
              ? [from]
              : [];
          if (failed.length > 0) {
            state.refused++;
            res.writeHead(400, {
              'content-type': 'application/json',
              'x-amzn-requestid': randomUUID(),
              'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/',
            });
            res.end(
              JSON.stringify({
                message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${failed.join(', ')}`,
              }),
            );
            return;
          }
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            ([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k),
          ),
        ) as Record<string, string>;
        const upstream = await fetch(`${emulatorEndpoint}${req.url ?? '/'}`, {
          method: req.method ?? 'POST',
          headers,
          ...(req.method !== 'GET' && req.method !== 'HEAD' && { body }),
        });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(await upstream.text());
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    get refused() {
      return state.refused;
    },
    /** true: refuse SendEmail (MessageRejected); false: accept, through the emulator. */
    setRefusing(refusing: boolean) {
      state.verified = undefined;
      state.refusing = refusing;
    },
    /** The SES sandbox: only these identities may send and receive; others are MessageRejected. */
    sandbox(verified: readonly string[]) {
      state.verified = new Set(verified);
    },
  };
}
