import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';

/** One email as the aws-ses-v2-local emulator stores it (GET /store). */
const storedEmailSchema = z
  .object({
    messageId: z.string(),
    from: z.string(),
    destination: z
      .object({ to: z.array(z.string()), cc: z.array(z.string()), bcc: z.array(z.string()) })
      .loose(),
    subject: z.string(),
    body: z.object({ html: z.string().optional(), text: z.string().optional() }).loose(),
    at: z.number(),
  })
  .loose();

export type StoredEmail = z.infer<typeof storedEmailSchema>;

export interface SesLocal {
  endpoint: string;
  port: number;
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the aws-ses-v2-local SES emulator in this process (it is an Express app; nothing to leave
 * behind). Received emails are readable at `${endpoint}/store` and on its web page `${endpoint}/`.
 */
export async function startSesLocal(options: { port?: number } = {}): Promise<SesLocal> {
  const mod = (await import('aws-ses-v2-local')) as unknown as {
    default: ((c: object) => Promise<Server>) | { default: (c: object) => Promise<Server> };
  };
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const server = await start({ host: '127.0.0.1', port: options.port ?? 0 });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    async emails() {
      const res = await fetch(`${endpoint}/store`);
      return z.object({ emails: z.array(storedEmailSchema) }).parse(await res.json()).emails;
    },
    async clear() {
      await fetch(`${endpoint}/clear-store`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
