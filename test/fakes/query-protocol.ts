import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local endpoint for the AWS Query protocol (SNS, SES v1): a form-encoded POST with `Action=…`,
 * answered with the service's XML. `handle` returns the reply, or undefined to pass the request on.
 */
export async function startQueryServer(
  handle: (
    params: URLSearchParams,
    raw: { body: string; headers: IncomingMessage['headers']; url: string },
  ) => Promise<{ status: number; xml: string } | undefined> | { status: number; xml: string } | undefined,
  passThrough?: (req: IncomingMessage, body: string, res: ServerResponse) => Promise<void>,
) {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', async () => {
      try {
        const reply = await handle(new URLSearchParams(body), {
          body,
          headers: req.headers,
          url: req.url ?? '/',
        });
        if (reply) {
          res.writeHead(reply.status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
          res.end(reply.xml);
        } else if (passThrough) await passThrough(req, body, res);
        else {
          res.writeHead(400, { 'content-type': 'text/xml' });
          res.end(queryError('InvalidAction', `unsupported ${new URLSearchParams(body).get('Action')}`));
        }
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/xml' });
        res.end(queryError('InternalFailure', (error as Error).message, 'Receiver'));
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
  };
}

/** The Query protocol's error document (what SNS and SES v1 answer with a 4xx/5xx). */
export function queryError(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
