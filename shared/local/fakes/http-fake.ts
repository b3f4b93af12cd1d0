import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Faults a fake provider can be told to produce, each consumed by the next matching request. */
export type Fault =
  | { kind: '429'; retryAfter?: number }
  | { kind: 'insufficient_quota' }
  | { kind: '500' }
  | { kind: '401' }
  | { kind: 'timeout' }
  /** Answers normally, but only after `ms` (a slow provider); dropped if the client gives up first. */
  | { kind: 'slow'; ms: number }
  | { kind: 'reset' }
  | { kind: 'truncated' }
  | { kind: 'malformed' }
  | { kind: 'has_more_without_next' };

export interface RecordedRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** GET, POST, DELETE: tests count writes by it. */
  method: string;
  /** The request body: parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body?: unknown;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Provider-neutral plumbing for fake HTTP APIs on loopback: a request log, a fault queue, and a
 * route function that speaks the provider's wire format. `fault` lets the route shape faults that
 * live in the body (malformed fields, has_more without a cursor); the rest are handled here.
 */
export async function startHttpFake(
  route: (req: RecordedRequest, fault: Fault | undefined) => Reply,
  errorBody: (kind: Fault['kind']) => { status: number; body: unknown },
) {
  const requests: RecordedRequest[] = [];
  const faults: Array<{ fault: Fault; path?: string; method?: string }> = [];
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const recorded: RecordedRequest = {
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      method,
      body: await readBody(req),
    };
    requests.push(recorded);
    const index = faults.findIndex(
      (f) => (!f.path || f.path === url.pathname) && (!f.method || f.method === method),
    );
    const fault = index >= 0 ? faults.splice(index, 1)[0]?.fault : undefined;
    const send = (reply: Reply, raw?: string) => {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(raw ?? JSON.stringify(reply.body));
    };
    switch (fault?.kind) {
      case 'timeout':
        held.add(res); // never answered: the client's timeout must fire
        res.on('close', () => held.delete(res));
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(route(recorded, undefined));
        }, fault.ms);
        timers.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'truncated': {
        const text = JSON.stringify(route(recorded, undefined).body);
        send({ status: 200, body: undefined }, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        return;
      }
      case '429':
        send({
          ...errorBody('429'),
          headers: fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) },
        });
        return;
      case 'insufficient_quota':
      case '500':
      case '401':
        send(errorBody(fault.kind));
        return;
      default:
        send(route(recorded, fault));
    }
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    /** Faults for the next requests (to `path` only, and of `method` only, when given). */
    injectFaults(list: Fault[], path?: string, method?: string) {
      faults.push(
        ...list.map((fault) => ({ fault, ...(path ? { path } : {}), ...(method ? { method } : {}) })),
      );
    },
    /** Drops the faults not consumed yet (a provider that recovers). */
    clearFaults() {
      faults.length = 0;
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How a fake answers: as the published spec says, or as the live API was seen to (LIVE.md). */
export type FakeMode = 'spec' | 'live';

/** The query a cursor is bound to: every parameter but `page`, order-independent. */
export function queryFingerprint(q: URLSearchParams): string {
  return [...q]
    .filter(([k]) => k !== 'page')
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
}

/**
 * Opaque page tokens and page slicing shared by the fake providers. Each token carries the query
 * it was issued for; with `bound`, a token presented with any other parameter changed is refused
 * (the live APIs do this), so the result is undefined.
 */
export function pageOf<T>(items: readonly T[], query: URLSearchParams, limit: number, bound = false) {
  const token = query.get('page');
  const fingerprint = queryFingerprint(query);
  let offset = 0;
  if (token) {
    const [o, issuedFor] = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString()) as [
      number,
      string,
    ];
    if (bound && issuedFor !== fingerprint) return undefined;
    offset = o;
  }
  const more = offset + limit < items.length;
  return {
    data: items.slice(offset, offset + limit),
    has_more: more,
    next_page: more
      ? `page_${Buffer.from(JSON.stringify([offset + limit, fingerprint])).toString('base64url')}`
      : null,
  };
}

/** Bucket starts covering [start, end) in ms; the first is snapped down to the width, like the APIs. */
export function bucketStarts(start: number, end: number, width: number): number[] {
  const out: number[] = [];
  for (let s = Math.floor(start / width) * width; s < end; s += width) out.push(s);
  return out;
}

/** The handle every fake provider returns, besides its own setup calls. */
export function fakeHandle(http: Awaited<ReturnType<typeof startHttpFake>>, adminKey: string) {
  return {
    baseUrl: `${http.origin}/v1`,
    adminKey,
    requests: http.requests,
    injectFaults: http.injectFaults,
    clearFaults: http.clearFaults,
    stop: http.stop,
  };
}
