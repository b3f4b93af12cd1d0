import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretSource } from '../ports.ts';
import { redactKeys } from './redact.ts';

/**
 * The key is missing or unreadable. Says where it looked, never what it found; anything shaped
 * like a key (a pasted key given as the secret's name, echoed by the SDK) is cut out.
 */
export class AdminKeyMissingError extends Error {
  override readonly name = 'AdminKeyMissingError';
  constructor(message: string) {
    super(redactKeys(message));
  }
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

  /** Where the key is looked for (for `burnrate doctor`), never the key. */
  location(account: { provider: string }): string {
    return `environment variable ${account.provider.toUpperCase()}_ADMIN_KEY`;
  }

  storeHint(account: { provider: string }): string {
    const set = Object.entries(this.keys)
      .filter(([, v]) => v)
      .map(([p]) => `${p.toUpperCase()}_ADMIN_KEY`);
    return `export ${account.provider.toUpperCase()}_ADMIN_KEY=<the admin key>${set.length ? ` (keys come from the environment because ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set; unset them to use Secrets Manager)` : ''}`;
  }
}

/**
 * In AWS: the secret named by the config item's `adminKeySecret` (default `burnrate/<id>`), read
 * through Powertools' SecretsProvider so warm invocations reuse it (cached for maxAge seconds).
 * The secret holds the key itself, or a JSON object of keys by account id (`{"acme-openai":
 * "sk-admin-…", …}`): one secret for many accounts, $0.40 a month instead of $0.40 per account.
 */
export class SecretsManagerSecretSource implements SecretSource {
  constructor(
    private readonly provider: SecretsProvider,
    private readonly maxAgeSeconds = 300,
  ) {}

  async adminKey(account: { id: string; adminKeySecret?: string | undefined }): Promise<string> {
    const name = secretName(account);
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
    return key.startsWith('{') ? keyFromMap(account.id, name, key) : key;
  }

  /** Where the key is looked for (for `burnrate doctor`), never the key. */
  location(account: { id: string; adminKeySecret?: string | undefined }): string {
    return `Secrets Manager secret ${secretName(account)}`;
  }

  storeHint(account: { id: string; adminKeySecret?: string | undefined }): string {
    const name = secretName(account);
    return `store it: aws secretsmanager put-secret-value --secret-id ${name} --secret-string '<the admin key>' (create-secret --name ${name} if the secret does not exist)`;
  }
}

const secretName = (account: { id: string; adminKeySecret?: string | undefined }) =>
  account.adminKeySecret ?? `burnrate/${account.id}`;

/**
 * One account's key from a shared secret holding `{ "<account id>": "<admin key>", … }`. Errors
 * name the secret and the account, never the value (JSON.parse's own message quotes the input).
 */
function keyFromMap(accountId: string, name: string, text: string): string {
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    throw new AdminKeyMissingError(
      `account ${accountId}: secret ${name} starts with { but is not valid JSON: expected {"<account id>": "<admin key>", …}`,
    );
  }
  const entry =
    map && typeof map === 'object' && !Array.isArray(map)
      ? (map as Record<string, unknown>)[accountId]
      : undefined;
  const key = typeof entry === 'string' ? entry.trim() : '';
  if (!key)
    throw new AdminKeyMissingError(
      `account ${accountId}: secret ${name} holds admin keys by account id, but no string for "${accountId}"`,
    );
  return key;
}
