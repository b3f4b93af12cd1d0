import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { toDocumentClient } from './clients.ts';
import {
  apiKeysFor,
  costSourceFor,
  projectDirectoryFor,
  secretSource,
  sesEndpoint,
  spendLimitsFor,
} from './compose.ts';
import type { Environment } from './config/environment.ts';
import { guardSigningKey } from './guard/compose-guard.ts';
import { SesV2IdentityChecker } from './ses/ses-identity-checker.ts';
import { DynamoAccountStore } from './store/dynamo-account-store.ts';
import { inspectTable } from './store/table-check.ts';
import type { DoctorDeps } from './use-cases/doctor.ts';

// Kept out of compose.ts so the Lambda bundles, which import compose.ts, do not carry the doctor's checks.

/**
 * `burnrate doctor`: the same table, keys and providers as a run, read-only, with clients that give
 * up fast (2 attempts, short timeouts) so an unreachable endpoint is reported in seconds. stop()
 * closes the clients it made.
 */
export function doctorDeps(env: Environment): DoctorDeps & { stop(): void } {
  const fast = {
    region: env.AWS_REGION,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  };
  const ddb = new DynamoDBClient(fast);
  const endpoint = sesEndpoint(env);
  const ses = new SESv2Client({ ...fast, ...(endpoint && { endpoint }) });
  const accounts = new DynamoAccountStore(toDocumentClient(ddb), env.BURNRATE_TABLE);
  return {
    now: () => new Date(),
    table: { inspect: () => inspectTable(ddb, env.BURNRATE_TABLE) },
    store: accounts,
    keys: secretSource(env),
    costSource: costSourceFor(env, { maxRetries: 1, timeoutMs: 15_000 }),
    projects: {
      projectDirectory: projectDirectoryFor(env, { maxRetries: 1, timeoutMs: 15_000 }),
      spendLimits: spendLimitsFor(env, { maxRetries: 1, timeoutMs: 15_000 }),
    },
    guard: {
      signingKey: guardSigningKey(env),
      keyWhere: env.BURNRATE_GUARD_KEY ? 'BURNRATE_GUARD_KEY' : `secret ${env.BURNRATE_GUARD_KEY_SECRET}`,
      spendLimits: spendLimitsFor(env, { maxRetries: 1, timeoutMs: 15_000 }),
      apiKeys: apiKeysFor(env, { maxRetries: 1, timeoutMs: 15_000 }),
    },
    ses: new SesV2IdentityChecker(ses),
    sender: env.BURNRATE_SENDER,
    operatorEmail: env.BURNRATE_OPERATOR_EMAIL,
    stop: () => {
      ddb.destroy();
      ses.destroy();
    },
  };
}
