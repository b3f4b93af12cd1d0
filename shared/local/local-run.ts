import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvironment } from '../config/environment.ts';
import { startLocalGuard } from '../guard/local-guard.ts';
import {
  DEMO_PROJECTS,
  demoAnthropicConfig,
  demoAnthropicGrants,
  demoConfig,
  demoCostHistory,
  demoGrants,
  demoRunaway,
  demoUsageToday,
} from './demo.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { startAnthropicFake } from './fakes/anthropic-fake.ts';
import { startOpenAiFake } from './fakes/openai-fake.ts';
import { type SesLocal, startSesLocal } from './ses-local.ts';

export interface LocalRunOptions {
  once: boolean;
  fresh: boolean;
  intervalMinutes: number;
  stateDir: string;
}

export interface LocalServices {
  demo: boolean;
  sesWebPage: string;
  stop(): Promise<void>;
}

const SES_DEFAULT_PORT = 8005;

/**
 * Starts (or reuses, when AWS_ENDPOINT_URL_* already point somewhere) DynamoDB Local with its data
 * on disk under `stateDir`, the SES emulator, and, without OPENAI_ADMIN_KEY, the fake OpenAI API
 * serving the demo history. Points this process's environment at them. stop() undoes all of it.
 */
export async function startLocalServices(
  options: LocalRunOptions,
  log: (line: string) => void,
): Promise<LocalServices> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const env = process.env;
    env.AWS_REGION ??= 'us-east-1';
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    env.BURNRATE_SENDER ??= 'burnrate@localhost.example';
    env.BURNRATE_OPERATOR_EMAIL ??= 'operator@localhost.example';
    const dbPath = join(options.stateDir, 'dynamodb');
    if (env.AWS_ENDPOINT_URL_DYNAMODB) {
      log(`DynamoDB: reusing ${env.AWS_ENDPOINT_URL_DYNAMODB}`);
    } else {
      if (options.fresh) rmSync(dbPath, { recursive: true, force: true });
      log('DynamoDB Local: starting (Java)...');
      const ddb: DynamoDbLocal = await startDynamoDbLocal({ dbPath });
      stops.push(ddb.stop);
      env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
      log(
        `DynamoDB Local: ${ddb.endpoint} (pid ${ddb.pid}), data in ${dbPath}${options.fresh ? ' (fresh)' : ''}`,
      );
    }
    let sesWebPage = env.AWS_ENDPOINT_URL_SES ?? '';
    if (sesWebPage) {
      log(`SES: reusing ${sesWebPage}`);
    } else {
      const port = (await isFree(SES_DEFAULT_PORT)) ? SES_DEFAULT_PORT : 0;
      const ses: SesLocal = await startSesLocal({ port });
      stops.push(ses.stop);
      env.AWS_ENDPOINT_URL_SES = ses.endpoint;
      sesWebPage = `${ses.endpoint}/`;
    }
    // The guard's approval page on 127.0.0.1, so the links in emails work here as in AWS.
    const guard = await startLocalGuard(options.stateDir, env, log);
    stops.push(guard.stop);
    const demo = !env.OPENAI_ADMIN_KEY && !env.ANTHROPIC_ADMIN_KEY;
    if (demo) {
      const now = Date.now();
      // The fakes answer like the live APIs (string amounts, clamped pages, bound cursors, …).
      const openai = await startOpenAiFake({ mode: 'live' });
      stops.push(openai.stop);
      openai.setProjects(DEMO_PROJECTS);
      openai.setCosts(demoCostHistory(now));
      openai.setUsage([...demoUsageToday(now), ...demoRunaway(now)]);
      const anthropic = await startAnthropicFake({ mode: 'live' });
      stops.push(anthropic.stop);
      anthropic.setCosts(demoCostHistory(now, 0.8));
      anthropic.setUsage(demoUsageToday(now, ['claude-haiku-4-5', 'claude-sonnet-4-5']));
      Object.assign(env, {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_ADMIN_KEY: openai.adminKey,
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
        ANTHROPIC_ADMIN_KEY: anthropic.adminKey,
      });
      log(
        'DEMO: no OPENAI_ADMIN_KEY or ANTHROPIC_ADMIN_KEY set: local fakes of both providers serve 90 days of SIMULATED costs',
      );
    } else {
      log(
        'Admin key(s) set: watching the real organization(s); an account whose provider has no key reports it',
      );
    }
    parseEnvironment(); // fail fast on anything set wrong
    return { demo, sesWebPage, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The demo accounts, one per provider. */
export function demoAccounts(now: number) {
  return [
    { config: demoConfig(), grants: demoGrants(now) },
    { config: demoAnthropicConfig(), grants: demoAnthropicGrants(now) },
  ];
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Copies the emails the SES emulator received since the last call into `dir` as HTML files, so they
 * outlive an `npm start -- --once`. Returns [subject, file] pairs.
 */
export async function saveNewEmails(
  sesEndpoint: string,
  dir: string,
  seen: Set<string>,
): Promise<Array<[string, string]>> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const res = await fetch(`${sesEndpoint.replace(/\/$/, '')}/store`);
  const { emails } = (await res.json()) as {
    emails: Array<{ messageId: string; subject: string; body: { html?: string; text?: string } }>;
  };
  const saved: Array<[string, string]> = [];
  for (const email of emails) {
    if (seen.has(email.messageId)) continue;
    seen.add(email.messageId);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${email.messageId}.html`);
    writeFileSync(file, email.body.html ?? `<pre>${email.body.text ?? ''}</pre>`);
    saved.push([email.subject, file]);
  }
  return saved;
}
