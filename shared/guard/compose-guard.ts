import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { documentClient, secretsManagerClient } from '../clients.ts';
import { guardUseCaseDeps } from '../compose.ts';
import type { Environment } from '../config/environment.ts';
import type { Metrics } from '../ports.ts';
import type { GuardActions } from './actions.ts';
import { DynamoUsedTokens } from './dynamo-used-tokens.ts';
import { GuardUseCase } from './guard-use-case.ts';
import type { GuardDeps } from './handler.ts';
import { type GuardLinks, guardLinks, type LinkTarget } from './links.ts';
import { SecretsManagerSigningKey, type SigningKeySource, StaticSigningKey } from './signing-key.ts';

/** BURNRATE_GUARD_KEY when set (local use), else the stack's generated secret through Powertools. */
export function guardSigningKey(env: Environment): SigningKeySource {
  return env.BURNRATE_GUARD_KEY
    ? new StaticSigningKey(env.BURNRATE_GUARD_KEY, 'BURNRATE_GUARD_KEY')
    : new SecretsManagerSigningKey(
        new SecretsProvider({ awsSdkV3Client: secretsManagerClient(env.AWS_REGION) }),
        env.BURNRATE_GUARD_KEY_SECRET,
      );
}

/** The guard use case behind the page (freeze, release, proposal), wired in one place. */
export function guardActionsFor(env: Environment, options: { metrics?: Metrics } = {}): GuardActions {
  return new GuardUseCase(guardUseCaseDeps(env, options));
}

/** The approval page's ports for one process (the guard function, or `npm start`'s server). */
export function guardDeps(
  env: Environment,
  options: { actions?: GuardActions; now?: () => Date; metrics?: Metrics } = {},
): GuardDeps {
  return {
    key: guardSigningKey(env),
    usedTokens: new DynamoUsedTokens(documentClient(env.AWS_REGION), env.BURNRATE_TABLE),
    actions: options.actions ?? guardActionsFor(env, options),
    now: options.now ?? (() => new Date()),
  };
}

/**
 * For emails and chat: "Freeze <project> now" and Undo links, or undefined when BURNRATE_GUARD_URL
 * is not set (no guard page to link to). The key is read (and cached) on first use.
 */
export function guardLinkMaker(env: Environment) {
  const baseUrl = env.BURNRATE_GUARD_URL;
  if (!baseUrl) return async (): Promise<GuardLinks | undefined> => undefined;
  const key = guardSigningKey(env);
  return async (target: LinkTarget, now: Date): Promise<GuardLinks | undefined> =>
    guardLinks({ ...target, baseUrl, now }, await key.signingKey());
}
