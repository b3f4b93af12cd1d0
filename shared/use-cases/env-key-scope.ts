import { PROVIDERS } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';

/** What the guard reads: the enabled accounts, and each one's stored (unvalidated) config item. */
export interface AccountProviders {
  listAccounts(): Promise<Array<{ id: string; enabled: boolean }>>;
  getConfig(accountId: string): Promise<Record<string, unknown> | undefined>;
}

/** The variable that holds a provider's admin key for local use: `OPENAI_ADMIN_KEY`. */
export const envKeyVariable = (provider: string): string => `${provider.toUpperCase()}_ADMIN_KEY`;

/** The providers whose admin key the environment supplies (and so supplies to every account of them). */
export function envKeyProviders(env: {
  OPENAI_ADMIN_KEY?: string | undefined;
  ANTHROPIC_ADMIN_KEY?: string | undefined;
}): string[] {
  const keys: Record<(typeof PROVIDERS)[number], string | undefined> = {
    openai: env.OPENAI_ADMIN_KEY,
    anthropic: env.ANTHROPIC_ADMIN_KEY,
  };
  return PROVIDERS.filter((p) => keys[p]);
}

/**
 * An admin key in the environment answers for one organization, yet serves every account of its
 * provider: with two such accounts in the table, one organization's costs would be written into
 * both, and their balances and alerts would be wrong without any error. So a pass over the table is
 * refused (before anything is read from a provider or written) when a provider with an environment
 * key has more than one enabled account; `accountId` (one account, named) is always fine.
 * `remedy` says what the caller can do instead (`--account` for `run`).
 */
export async function checkEnvKeyScope(
  port: AccountProviders,
  providers: readonly string[],
  options: { accountId?: string | undefined; remedy: (variable: string) => string },
): Promise<void> {
  if (options.accountId !== undefined || providers.length === 0) return;
  const enabled = (await port.listAccounts()).filter((a) => a.enabled);
  const configs = await Promise.all(enabled.map(async (a) => [a.id, await port.getConfig(a.id)] as const));
  const byProvider = new Map<string, string[]>();
  for (const [id, config] of configs) {
    const provider = config?.provider;
    if (typeof provider !== 'string' || !providers.includes(provider)) continue;
    byProvider.set(provider, [...(byProvider.get(provider) ?? []), id]);
  }
  const problems = [...byProvider]
    .filter(([, ids]) => ids.length > 1)
    .map(
      ([provider, ids]) =>
        `${envKeyVariable(provider)} is set, and one environment key serves every ${provider} account: ` +
        `${ids.length} enabled ${provider} accounts are in the table (${ids.join(', ')}), so one ` +
        `organization's costs would be written into each of them. ${options.remedy(envKeyVariable(provider))}`,
    );
  if (problems.length > 0) throw new InvalidInputError(problems);
}
