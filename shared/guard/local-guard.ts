import { parseEnvironment } from '../config/environment.ts';
import { guardDeps } from './compose-guard.ts';
import { type GuardDeps, handleGuardRequest } from './handler.ts';
import { type LocalGuardServer, startGuardServer } from './local-server.ts';
import { LOCAL_KEY_FILE, localSigningKey } from './signing-key.ts';

const PREFERRED_PORT = 8006;

/**
 * `npm start`'s guard page: the signing key from BURNRATE_GUARD_KEY or `<stateDir>/guard-signing-key`
 * (generated once), the handler on 127.0.0.1 (port 8006 when free, so links in saved emails keep
 * working across restarts, else any free port), and BURNRATE_GUARD_URL pointed at it. The handler's
 * adapters are built on the first request, once this process's environment points at the emulators.
 */
export async function startLocalGuard(
  stateDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<LocalGuardServer> {
  const keyFrom = env.BURNRATE_GUARD_KEY ? 'BURNRATE_GUARD_KEY' : `${stateDir}/${LOCAL_KEY_FILE}`;
  env.BURNRATE_GUARD_KEY ??= localSigningKey(stateDir);
  let deps: GuardDeps | undefined;
  const handle = (req: Parameters<typeof handleGuardRequest>[0]) => {
    deps ??= guardDeps(parseEnvironment(env));
    return handleGuardRequest(req, deps);
  };
  const server = await startGuardServer(handle, { port: PREFERRED_PORT }).catch(() =>
    startGuardServer(handle, { port: 0 }),
  );
  env.BURNRATE_GUARD_URL ??= server.url;
  log(`Guard page: ${server.url} (approval links open here; signing key from ${keyFrom})`);
  return server;
}
