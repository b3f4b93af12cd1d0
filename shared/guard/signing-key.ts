import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SigningKeyError, signingKeyBytes } from './token.ts';

/** The HMAC key of guard links. Never logged, never in a page or an error. */
export interface SigningKeySource {
  signingKey(): Promise<Buffer>;
}

/** Locally: a key from BURNRATE_GUARD_KEY, or the one `npm start` keeps in `.burnrate/`. */
export class StaticSigningKey implements SigningKeySource {
  private readonly key: Buffer;
  constructor(key: string | Uint8Array, where: string) {
    this.key = signingKeyBytes(key, where);
  }
  async signingKey(): Promise<Buffer> {
    return this.key;
  }
}

/**
 * In AWS: the secret the stack generates (`burnrate/guard-signing-key`), read through Powertools'
 * SecretsProvider and cached for `maxAgeSeconds`, like the admin keys.
 */
export class SecretsManagerSigningKey implements SigningKeySource {
  constructor(
    private readonly provider: SecretsProvider,
    private readonly secretName: string,
    private readonly maxAgeSeconds = 300,
  ) {}

  async signingKey(): Promise<Buffer> {
    let value: unknown;
    try {
      value = await this.provider.get(this.secretName, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      // The SDK's message names the secret and the reason (not found, access denied), never its value.
      throw new SigningKeyError(`cannot read secret ${this.secretName}: ${(error as Error).message}`);
    }
    if (typeof value !== 'string' || value.trim() === '')
      throw new SigningKeyError(`secret ${this.secretName} has no string value`);
    return signingKeyBytes(value.trim(), `secret ${this.secretName}`);
  }
}

export const LOCAL_KEY_FILE = 'guard-signing-key';

/**
 * The local signing key: read from `<stateDir>/guard-signing-key`, or generated there (32 random
 * bytes, base64url, owner-only) on first use, so links stay valid across `npm start` restarts.
 */
export function localSigningKey(stateDir: string): string {
  const file = join(stateDir, LOCAL_KEY_FILE);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    signingKeyBytes(key, file);
    return key;
  }
  mkdirSync(stateDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
