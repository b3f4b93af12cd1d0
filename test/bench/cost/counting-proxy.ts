import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What went through one proxy: requests per operation, and DynamoDB's consumed capacity. */
export interface ProxyCounts {
  requests: Map<string, number>;
  readUnits: number;
  writeUnits: number;
}

const READS = /^(GetItem|Query|Scan|BatchGetItem|TransactGetItems)$/;

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/**
 * An HTTP proxy in front of one emulator or fake, counting every request the code under test
 * makes (retries included) by operation: the `X-Amz-Target` (JSON protocols), the `Action`
 * parameter (Query protocol) or the method and path (REST). For DynamoDB (`dynamo: true`) it also
 * asks for `ReturnConsumedCapacity: TOTAL` on every request (the body is rewritten; DynamoDB Local
 * does not check signatures) and sums the `ConsumedCapacity` answered, split into read and write
 * units (by the fields DynamoDB returns, else by the operation).
 */
export async function startCountingProxy(target: string, options: { dynamo?: boolean } = {}) {
  const counts: ProxyCounts = { requests: new Map(), readUnits: 0, writeUnits: 0 };
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString())?.[1];
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const operation = amzTarget.split('.').pop() || action || `${req.method} ${path}`;
      counts.requests.set(operation, (counts.requests.get(operation) ?? 0) + 1);
      if (options.dynamo && body.length > 0) {
        body = Buffer.from(
          JSON.stringify({ ...JSON.parse(body.toString()), ReturnConsumedCapacity: 'TOTAL' }),
        );
      }
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (up) => {
          const answer: Buffer[] = [];
          up.on('data', (c: Buffer) => answer.push(c));
          up.on('end', () => {
            const bytes = Buffer.concat(answer);
            if (options.dynamo && (up.statusCode ?? 500) < 300) tally(counts, operation, bytes.toString());
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(bytes);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    reset() {
      counts.requests.clear();
      counts.readUnits = 0;
      counts.writeUnits = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function tally(counts: ProxyCounts, operation: string, text: string): void {
  const { ConsumedCapacity } = JSON.parse(text || '{}') as { ConsumedCapacity?: Consumed | Consumed[] };
  for (const c of [ConsumedCapacity ?? []].flat()) {
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      counts.readUnits += c.ReadCapacityUnits ?? 0;
      counts.writeUnits += c.WriteCapacityUnits ?? 0;
    } else if (READS.test(operation)) counts.readUnits += c.CapacityUnits ?? 0;
    else counts.writeUnits += c.CapacityUnits ?? 0;
  }
}
