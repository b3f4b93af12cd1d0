import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminKeyMissingError,
  EnvSecretSource,
  SecretsManagerSecretSource,
} from '../../shared/secrets/secret-sources.ts';
import { startSecretsManagerFake } from '../fakes/secrets-manager-fake.ts';

const KEY = 'sk-admin-very-secret-value';
let fake: Awaited<ReturnType<typeof startSecretsManagerFake>>;

beforeAll(async () => {
  fake = await startSecretsManagerFake({
    'burnrate/acme': KEY,
    'custom/name': `  ${KEY}\n`,
    'burnrate/empty': ' ',
    'burnrate/keys': JSON.stringify({ acme: KEY, globex: ' sk-admin-other ', initech: 42 }),
    'burnrate/broken': `{"acme": "${KEY}",}`,
  });
});
afterAll(() => fake.stop());

function source() {
  const client = new SecretsManagerClient({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return new SecretsManagerSecretSource(new SecretsProvider({ awsSdkV3Client: client }));
}

describe('SecretsManagerSecretSource (real SDK against a Secrets Manager wire fake)', () => {
  it('reads burnrate/<id> by default, or the adminKeySecret the config names, trimmed', async () => {
    const s = source();
    expect(await s.adminKey({ id: 'acme' })).toBe(KEY);
    expect(await s.adminKey({ id: 'other', adminKeySecret: 'custom/name' })).toBe(KEY);
  });

  it('caches: a warm process does not ask again', async () => {
    const s = source();
    const before = fake.calls.length;
    await s.adminKey({ id: 'acme' });
    await s.adminKey({ id: 'acme' });
    expect(fake.calls.length - before).toBe(1);
  });

  it('a missing or empty secret is a clear error that names the secret, not a value', async () => {
    const s = source();
    await expect(s.adminKey({ id: 'nobody' })).rejects.toThrow(
      /account nobody: cannot read secret burnrate\/nobody/,
    );
    const error = await s.adminKey({ id: 'empty' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminKeyMissingError);
    expect((error as Error).message).toMatch(/secret burnrate\/empty has no string value/);
  });

  it('"cannot read secret <name>" never carries a key given as the name (a hand edit the schema would refuse)', async () => {
    const pasted = 'sk-admin-Hk9Gd3Fs6Ja0Pe2Yu8Io5QtZr8Tq2Wn5Lx7Vc1Bm4';
    const error = await source()
      .adminKey({ id: 'acme', adminKeySecret: pasted })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminKeyMissingError);
    const all = `${(error as Error).message}\n${(error as Error).stack}`;
    expect(all).toContain('account acme: cannot read secret sk-…');
    expect(all).not.toContain('Hk9Gd3Fs6Ja0');
  });
});

describe('one secret for many accounts: a JSON object of keys by account id', () => {
  it('each account reads its own key from it, and the secret is fetched once for all of them', async () => {
    const s = source();
    const before = fake.calls.length;
    expect(await s.adminKey({ id: 'acme', adminKeySecret: 'burnrate/keys' })).toBe(KEY);
    expect(await s.adminKey({ id: 'globex', adminKeySecret: 'burnrate/keys' })).toBe('sk-admin-other');
    expect(fake.calls.length - before).toBe(1);
  });

  it('an account missing from it, or not a string, is an error naming the secret and the account', async () => {
    const s = source();
    for (const id of ['hooli', 'initech'])
      await expect(s.adminKey({ id, adminKeySecret: 'burnrate/keys' })).rejects.toThrow(
        `account ${id}: secret burnrate/keys holds admin keys by account id, but no string for "${id}"`,
      );
  });

  it('a hand edit that breaks the JSON is named, and the keys in it are not quoted', async () => {
    const error = await source()
      .adminKey({ id: 'acme', adminKeySecret: 'burnrate/broken' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminKeyMissingError);
    const all = `${(error as Error).message}\n${(error as Error).stack}`;
    expect(all).toContain('account acme: secret burnrate/broken starts with { but is not valid JSON');
    expect(all).not.toContain('very-secret');
  });
});

describe('EnvSecretSource', () => {
  it('uses the provider’s variable, and says which to set when it is missing', async () => {
    expect(await new EnvSecretSource({ openai: KEY }).adminKey({ id: 'a', provider: 'openai' })).toBe(KEY);
    await expect(new EnvSecretSource({}).adminKey({ id: 'a', provider: 'openai' })).rejects.toThrow(
      'account a: no admin key: set OPENAI_ADMIN_KEY',
    );
  });
});
