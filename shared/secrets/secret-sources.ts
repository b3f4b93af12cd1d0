import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretSource } from '../ports.ts';

/** The key is missing or unreadable. Says where it looked, never what it found. */
export class AdminKeyMissingError extends Error {
  override readonly name = 'AdminKeyMissingError';
}

/** Local use: the admin key from the environment (OPENAI_ADMIN_KEY), passed in by the caller. */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly keys: Partial<Record<string, string>>) {}

  async adminKey(account: { id: string; provider: string }): Promise<string> {
    const variable = `${account.provider.toUpperCase()}_ADMIN_KEY`;
    const key = this.keys[account.provider];
    if (!key) throw new AdminKeyMissingError(`account ${account.id}: no admin key: set ${variable}`);
    return key;
  }
}

/**
 * In AWS: the secret named by the config item's `adminKeySecret` (default `burnrate/<id>`), read
 * through Powertools' SecretsProvider so warm invocations reuse it (cached for maxAge seconds).
 */
export class SecretsManagerSecretSource implements SecretSource {
  constructor(
    private readonly provider: SecretsProvider,
    private readonly maxAgeSeconds = 300,
  ) {}

  async adminKey(account: { id: string; adminKeySecret?: string | undefined }): Promise<string> {
    const name = account.adminKeySecret ?? `burnrate/${account.id}`;
    let value: unknown;
    try {
      value = await this.provider.get(name, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      // The SDK's message names the secret and the reason (not found, access denied), never its value.
      throw new AdminKeyMissingError(
        `account ${account.id}: cannot read secret ${name}: ${(error as Error).message}`,
      );
    }
    const key = typeof value === 'string' ? value.trim() : undefined;
    if (!key) throw new AdminKeyMissingError(`account ${account.id}: secret ${name} has no string value`);
    return key;
  }
}
