import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** One (sub)segment document as the X-Ray SDK sends it to the daemon. */
export interface XraySegment {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  type?: string;
  start_time: number;
  end_time?: number;
  namespace?: string;
  annotations?: Record<string, string | number | boolean>;
  aws?: { operation?: string; [key: string]: unknown };
  http?: { request?: { url?: string; method?: string }; response?: { status?: number } };
  fault?: boolean;
  error?: boolean;
  subsegments?: XraySegment[];
}

/**
 * The X-Ray daemon's UDP endpoint on 127.0.0.1, as the SDK (aws-xray-sdk-core, under Powertools
 * Tracer) streams to it in Lambda: one datagram per closed subsegment, a JSON header line
 * `{"format":"json","version":1}` then the document. Point AWS_XRAY_DAEMON_ADDRESS at `address`.
 */
export async function startXrayDaemon() {
  const received: XraySegment[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (data) => {
    const text = data.toString('utf8');
    const newline = text.indexOf('\n');
    const header = JSON.parse(text.slice(0, newline)) as { format?: string; version?: number };
    if (header.format !== 'json' || header.version !== 1) throw new Error(`bad X-Ray header: ${text}`);
    received.push(JSON.parse(text.slice(newline + 1)) as XraySegment);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    received,
    /** Waits (up to `ms`) until `done(received)` holds: datagrams arrive after the handler returns. */
    async until(done: (docs: XraySegment[]) => boolean, ms = 5_000): Promise<XraySegment[]> {
      const end = Date.now() + ms;
      while (!done(received) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      return received;
    },
    clear() {
      received.length = 0;
    },
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
