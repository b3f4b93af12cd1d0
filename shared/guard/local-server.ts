import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GuardRequest, Handled } from './handler.ts';

const MAX_BODY_BYTES = 16 * 1024;

export interface LocalGuardServer {
  /** `http://127.0.0.1:<port>`: what BURNRATE_GUARD_URL is set to under `npm start`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves the guard's handler on 127.0.0.1 (never another interface): what the Function URL does in
 * AWS, so `npm start`'s links open the same page. `port` 0 takes any free port.
 */
export async function startGuardServer(
  handle: (req: GuardRequest) => Promise<Handled>,
  options: { port?: number; onRequest?: (h: Handled) => void } = {},
): Promise<LocalGuardServer> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const handled = await handle({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          body,
          contentType: req.headers['content-type'],
        });
        options.onRequest?.(handled);
        res.writeHead(handled.response.status, handled.response.headers);
        res.end(handled.response.body);
      } catch (error) {
        res.writeHead((error as { status?: number }).status ?? 500, { 'content-type': 'text/plain' });
        res.end((error as Error).message);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}
