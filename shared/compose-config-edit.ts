import { randomUUID } from 'node:crypto';
import { documentClient, sesClient } from './clients.ts';
import { CLAIM_TIMEOUT_MS, sesEndpoint } from './compose.ts';
import type { Environment } from './config/environment.ts';
import { renderAlertEmail, renderOperatorEmail } from './email/render-alert-email.ts';
import { renderProjectEmail } from './email/render-project-email.ts';
import { SesMailer } from './email/ses-mailer.ts';
import type { AlertPublisher, Metrics } from './ports.ts';
import { DynamoAccountStore } from './store/dynamo-account-store.ts';
import { DynamoAlertStore } from './store/dynamo-alert-store.ts';
import type { ConfigEditDeps } from './use-cases/config-edit.ts';

// Kept out of compose.ts so the config-edit bundle carries no provider client and no Secrets
// Manager: the check never calls a provider (and its role could not read an admin key).

/**
 * The config-edit check: the sync's table, alert store, mailer and renderers (the same claims, so
 * the same exactly-once), the alerts topic when BURNRATE_ALERTS_TOPIC_ARN is set. Without
 * BURNRATE_SENDER, fired keys are recorded as due and the next sync sends them.
 */
export function configEditDeps(env: Environment, options: { metrics?: Metrics } = {}): ConfigEditDeps {
  const doc = documentClient(env.AWS_REGION);
  const now = () => new Date();
  const alerts = new DynamoAlertStore(doc, env.BURNRATE_TABLE);
  const mailer = new SesMailer(sesClient(env.AWS_REGION, sesEndpoint(env)));
  const common = { alerts, mailer, now, newToken: randomUUID, claimTimeoutMs: CLAIM_TIMEOUT_MS };
  const sender = env.BURNRATE_SENDER;
  const topic = env.BURNRATE_ALERTS_TOPIC_ARN;
  const publisher = topic ? snsPublisher(env.AWS_REGION, topic) : undefined;
  return {
    store: new DynamoAccountStore(doc, env.BURNRATE_TABLE),
    now,
    metrics: options.metrics,
    delivery: sender
      ? { ...common, sender, render: renderAlertEmail, renderProject: renderProjectEmail, publisher }
      : undefined,
    operator: sender
      ? { ...common, sender, operatorEmail: env.BURNRATE_OPERATOR_EMAIL, renderOperator: renderOperatorEmail }
      : undefined,
  };
}

/** The SNS client loads on first publish (most edits fire nothing). */
function snsPublisher(region: string, topicArn: string): AlertPublisher {
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
