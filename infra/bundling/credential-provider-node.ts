/**
 * Swapped in for @aws-sdk/credential-provider-node in Lambda bundles (esbuild alias). In Lambda the
 * execution role's credentials are always in the environment, so the SDK's default chain (SSO, INI
 * files, IMDS, container, web identity: about 90 KB of bundle) is dead weight on every cold start.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = () => fromEnv();
export const credentialsTreatedAsExpired = () => false;
export const credentialsWillNeedRefresh = () => false;
