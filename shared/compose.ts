import { randomUUID } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { documentClient, secretsManagerClient, sesClient } from './clients.ts';
import type { Environment } from './config/environment.ts';
import { EmailOperatorNotices } from './email/operator-notices.ts';
import { renderAlertEmail, renderOperatorEmail } from './email/render-alert-email.ts';
import { renderDigestEmail } from './email/render-digest-email.ts';
import { renderProjectEmail } from './email/render-project-email.ts';
import { SesMailer } from './email/ses-mailer.ts';
import type {
  AlertPublisher,
  ApiKeys,
  CostSource,
  Metrics,
  OperatorNotices,
  ProjectDirectory,
  SpendLimits,
} from './ports.ts';
import { AnthropicApiKeys } from './providers/anthropic/api-keys.ts';
import { AnthropicCostSource } from './providers/anthropic/client.ts';
import { AnthropicSpendLimits } from './providers/anthropic/spend-limits.ts';
import { AnthropicWorkspaceDirectory } from './providers/anthropic/workspaces.ts';
import { ProviderAuthError } from './providers/errors.ts';
import { type HttpOptions, type ProviderCallSpan, spanForAccount } from './providers/http.ts';
import { OpenAiCostSource } from './providers/openai/client.ts';
import { OpenAiProjectDirectory } from './providers/openai/projects.ts';
import { OpenAiSpendLimits } from './providers/openai/spend-limits.ts';
import type { AccountConfig } from './schemas/account-config.ts';
import {
  AdminKeyMissingError,
  EnvSecretSource,
  SecretsManagerSecretSource,
} from './secrets/secret-sources.ts';
import { DynamoAccountStore } from './store/dynamo-account-store.ts';
import { DynamoAdminStore } from './store/dynamo-admin-store.ts';
import { DynamoAlertStore } from './store/dynamo-alert-store.ts';
import { DynamoGuardStore } from './store/dynamo-guard-store.ts';
import { DynamoUpkeepStore } from './store/dynamo-upkeep-store.ts';
import type { CheckpointPort } from './use-cases/checkpoint.ts';
import type { GuardDeps } from './use-cases/guard-context.ts';
import type { AdminPort } from './use-cases/manage-accounts.ts';
import type { ProcessDeps } from './use-cases/process-account.ts';
import type { UpkeepDeps } from './use-cases/upkeep-account.ts';

/** The HTTP knobs a process sets for every provider client: retries, timeout, the tracing span. */
export type HttpKnobs = Pick<HttpOptions, 'maxRetries' | 'timeoutMs' | 'span'>;

/** The knobs for one account's client: its provider calls' spans carry the account id. */
const forAccount = (http: HttpKnobs, config: AccountConfig): HttpKnobs => ({
  ...http,
  span: spanForAccount(http.span, config.id),
});

/** The provider seam: the only place that maps `provider` to a client. */
export function costSourceFor(env: Environment, http: HttpKnobs = {}) {
  return (
    config: AccountConfig,
    adminKey: string,
    run: { deadline?: number | undefined } = {},
  ): CostSource => {
    const options = { ...forAccount(http, config), deadline: run.deadline, adminKey };
    switch (config.provider) {
      case 'openai':
        return new OpenAiCostSource({ ...options, baseUrl: env.OPENAI_BASE_URL });
      case 'anthropic':
        return new AnthropicCostSource({ ...options, baseUrl: env.ANTHROPIC_BASE_URL });
    }
  };
}

/** Projects (OpenAI) or workspaces (Anthropic, with the synthetic 'default') of an account. */
export function projectDirectoryFor(env: Environment, knobs: HttpKnobs = {}) {
  return (config: AccountConfig, adminKey: string): ProjectDirectory => {
    const http = forAccount(knobs, config);
    switch (config.provider) {
      case 'openai':
        return new OpenAiProjectDirectory({ ...http, adminKey, baseUrl: env.OPENAI_BASE_URL });
      case 'anthropic':
        return new AnthropicWorkspaceDirectory({ ...http, adminKey, baseUrl: env.ANTHROPIC_BASE_URL });
    }
  };
}

/** The provider's hard monthly limits (Anthropic: the early-access beta, else SpendLimitsUnavailableError). */
export function spendLimitsFor(env: Environment, knobs: HttpKnobs = {}) {
  return (
    config: AccountConfig,
    adminKey: string,
    run: { deadline?: number | undefined } = {},
  ): SpendLimits => {
    const options = { ...forAccount(knobs, config), deadline: run.deadline, adminKey };
    switch (config.provider) {
      case 'openai':
        return new OpenAiSpendLimits({ ...options, baseUrl: env.OPENAI_BASE_URL });
      case 'anthropic':
        return new AnthropicSpendLimits({ ...options, baseUrl: env.ANTHROPIC_BASE_URL });
    }
  };
}

/**
 * Anthropic's API keys (the guard's fallback lever); undefined for OpenAI, whose keys can only be
 * deleted (irreversible), never paused.
 */
export function apiKeysFor(env: Environment, knobs: HttpKnobs = {}) {
  return (
    config: AccountConfig,
    adminKey: string,
    run: { deadline?: number | undefined } = {},
  ): ApiKeys | undefined => {
    const http = forAccount(knobs, config);
    switch (config.provider) {
      case 'openai':
        return undefined;
      case 'anthropic':
        return new AnthropicApiKeys({
          ...http,
          deadline: run.deadline,
          adminKey,
          baseUrl: env.ANTHROPIC_BASE_URL,
        });
    }
  };
}

/**
 * The SES v2 client reads only AWS_ENDPOINT_URL_SESV2; AWS_ENDPOINT_URL_SES (the emulator's, one
 * host for v1 and v2 in AWS and in the emulator) points it too.
 */
export const sesEndpoint = (env: Environment): string | undefined =>
  env.AWS_ENDPOINT_URL_SESV2 ?? env.AWS_ENDPOINT_URL_SES;

/** A claim older than this is presumed dead (see deliverAlerts): at most one duplicate email. */
export const CLAIM_TIMEOUT_MS = 10 * 60_000;

/**
 * Wires the adapters for one process. `now` is the ledger's clock (`run --now`); claims, sent times
 * and lastSyncAt always take the real clock. Admin keys come from the environment when OPENAI_ADMIN_KEY or
 * ANTHROPIC_ADMIN_KEY is set (local use), otherwise from Secrets Manager. Without BURNRATE_SENDER, alerts are recorded
 * as due but not sent. With BURNRATE_ALERTS_TOPIC_ARN, every delivered alert is also published to
 * that SNS topic as one JSON chat message.
 */
export function processDeps(
  env: Environment,
  options: { now?: () => Date; demo?: boolean; metrics?: Metrics; span?: ProviderCallSpan } = {},
): ProcessDeps {
  const wallClock = () => new Date();
  const now = options.now ?? wallClock;
  const doc = documentClient(env.AWS_REGION);
  const secrets = secretSource(env);
  const alerts = new DynamoAlertStore(doc, env.BURNRATE_TABLE);
  const mailer = new SesMailer(sesClient(env.AWS_REGION, sesEndpoint(env)));
  // Claims are leases other processes judge by their own clock: always real time, whatever --now says.
  const common = { alerts, mailer, now: wallClock, newToken: randomUUID, claimTimeoutMs: CLAIM_TIMEOUT_MS };
  const sender = env.BURNRATE_SENDER;
  const topic = env.BURNRATE_ALERTS_TOPIC_ARN;
  const publisher = topic ? lazySnsPublisher(env.AWS_REGION, topic) : undefined;
  return {
    store: new DynamoAccountStore(doc, env.BURNRATE_TABLE),
    secrets,
    costSource: costSourceFor(env, { span: options.span }),
    now,
    wallClock,
    staleHours: env.BURNRATE_STALE_HOURS,
    isAuthError: (error) => error instanceof ProviderAuthError || error instanceof AdminKeyMissingError,
    metrics: options.metrics,
    delivery: sender
      ? {
          ...common,
          sender,
          render: renderAlertEmail,
          renderProject: renderProjectEmail,
          demo: options.demo,
          publisher,
        }
      : undefined,
    digest: sender
      ? { ...common, sender, renderDigest: renderDigestEmail, demo: options.demo, publisher }
      : undefined,
    operator: sender
      ? { ...common, sender, operatorEmail: env.BURNRATE_OPERATOR_EMAIL, renderOperator: renderOperatorEmail }
      : undefined,
    // The guard's step runs in the sync's process: the sync already reads the admin key, whose
    // power (not an IAM role) is what a provider write needs; README "Guard" says why.
    guard: { ...guardUseCaseDeps(env, { now, metrics: options.metrics }), wallClock: Date.now },
    guardLinks: lazyGuardLinks(env),
  };
}

/** The links' maker loads with the signing key's reader on first use; none without a guard page. */
function lazyGuardLinks(env: Environment): ProcessDeps['guardLinks'] {
  if (!env.BURNRATE_GUARD_URL) return undefined;
  let maker: Promise<NonNullable<ProcessDeps['guardLinks']>> | undefined;
  return async (target, now) => {
    maker ??= import('./guard/compose-guard.ts').then((m) => m.guardLinkMaker(env));
    return (await maker)(target, now);
  };
}

/** Admin keys from the environment when OPENAI_ADMIN_KEY or ANTHROPIC_ADMIN_KEY is set, else Secrets Manager. */
export function secretSource(env: Environment): EnvSecretSource | SecretsManagerSecretSource {
  const localKeys = { openai: env.OPENAI_ADMIN_KEY, anthropic: env.ANTHROPIC_ADMIN_KEY };
  return localKeys.openai || localKeys.anthropic
    ? new EnvSecretSource(localKeys)
    : new SecretsManagerSecretSource(
        new SecretsProvider({ awsSdkV3Client: secretsManagerClient(env.AWS_REGION) }),
      );
}

/** The SNS client loads on first publish: CLI commands that never publish do not pay for it. */
function lazySnsPublisher(region: string, topicArn: string): AlertPublisher {
  let publisher: Promise<AlertPublisher> | undefined;
  return {
    async publish(message) {
      publisher ??= import('./chat/sns-publisher.ts').then(
        (m) => new m.SnsAlertPublisher(m.snsClient(region), topicArn),
      );
      return (await publisher).publish(message);
    },
  };
}

/** The operator CLI's view of the table (config items, grants, validation of stored items). */
export function adminPort(env: Environment): AdminPort {
  const doc = documentClient(env.AWS_REGION);
  const admin = new DynamoAdminStore(doc, env.BURNRATE_TABLE);
  const accounts = new DynamoAccountStore(doc, env.BURNRATE_TABLE);
  return {
    getConfig: (id) => admin.getConfig(id),
    putConfig: (config, expected) => admin.putConfig(config, expected),
    putGrant: (id, grant) => admin.putGrant(id, grant),
    loadAccount: (id) => accounts.loadAccount(id),
    listAccounts: () => accounts.listAccounts(),
  };
}

/** `burnrate checkpoint`: reads the account, writes every checkpoint in one transaction. */
export function checkpointPort(env: Environment): CheckpointPort {
  const doc = documentClient(env.AWS_REGION);
  const admin = new DynamoAdminStore(doc, env.BURNRATE_TABLE);
  const accounts = new DynamoAccountStore(doc, env.BURNRATE_TABLE);
  return {
    loadAccount: (id) => accounts.loadAccount(id),
    commitCheckpoint: (commit) => admin.commitCheckpoint(commit),
  };
}

/**
 * The upkeep (names and hard limits, once a day): the same table and keys as a run, the projects
 * directory and spend limits of each provider. Operator notices go to the operator SNS topic when
 * BURNRATE_OPERATOR_TOPIC_ARN is set (the upkeep Lambda, which has no SES), else by email when
 * BURNRATE_SENDER and BURNRATE_OPERATOR_EMAIL are (`burnrate run`, `npm start`), else nowhere.
 */
export function upkeepDeps(
  env: Environment,
  options: { now?: () => Date; metrics?: Metrics; notices?: OperatorNotices; span?: ProviderCallSpan } = {},
): UpkeepDeps {
  const doc = documentClient(env.AWS_REGION);
  const accounts = new DynamoAccountStore(doc, env.BURNRATE_TABLE);
  const upkeep = new DynamoUpkeepStore(doc, env.BURNRATE_TABLE);
  return {
    store: {
      loadAccount: (id) => accounts.loadAccount(id),
      putProjects: (id, record) => upkeep.putProjects(id, record),
      commitLimits: (commit) => upkeep.commitLimits(commit),
    },
    secrets: secretSource(env),
    projectDirectory: projectDirectoryFor(env, { span: options.span }),
    spendLimits: spendLimitsFor(env, { span: options.span }),
    now: options.now ?? (() => new Date()),
    metrics: options.metrics,
    notices: options.notices ?? operatorNotices(env),
  };
}

/**
 * The guard use case (freeze, release, the page's proposal): the table's FREEZE and AUDIT items,
 * the admin keys, and each provider's hard limits and (Anthropic) keys.
 */
export function guardUseCaseDeps(
  env: Environment,
  options: { now?: () => Date; metrics?: Metrics } = {},
): GuardDeps {
  return {
    store: new DynamoGuardStore(documentClient(env.AWS_REGION), env.BURNRATE_TABLE),
    secrets: secretSource(env),
    spendLimits: spendLimitsFor(env),
    apiKeys: apiKeysFor(env),
    now: options.now ?? (() => new Date()),
    metrics: options.metrics,
  };
}

function operatorNotices(env: Environment): OperatorNotices | undefined {
  const topic = env.BURNRATE_OPERATOR_TOPIC_ARN;
  if (topic) {
    let sns: Promise<OperatorNotices> | undefined;
    return {
      async tell(notice) {
        sns ??= Promise.all([
          import('./chat/sns-publisher.ts'),
          import('./chat/sns-operator-notices.ts'),
        ]).then(([p, n]) => new n.SnsOperatorNotices(p.snsClient(env.AWS_REGION), topic));
        return (await sns).tell(notice);
      },
    };
  }
  if (env.BURNRATE_SENDER && env.BURNRATE_OPERATOR_EMAIL)
    return new EmailOperatorNotices(
      new SesMailer(sesClient(env.AWS_REGION, sesEndpoint(env))),
      env.BURNRATE_SENDER,
      env.BURNRATE_OPERATOR_EMAIL,
    );
  return undefined;
}
