import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { processDeps } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { EmfAccountMetrics } from '../../shared/metrics/account-metrics.ts';
import { EmfMetrics, METRICS_NAMESPACE } from '../../shared/metrics/emf-metrics.ts';
import {
  instrumented,
  logger,
  metrics,
  providerCallSpan,
  SERVICE_NAME,
  traced,
} from '../../shared/powertools/index.ts';
import { redactKeys } from '../../shared/secrets/redact.ts';
import { invocationDeadline } from '../../shared/use-cases/deadline.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';

// Cold start: environment parsed once (fails fast), clients and adapters built once per container.
const env = parseEnvironment();
const deps = processDeps(env, { metrics: new EmfMetrics(metrics), span: providerCallSpan });
// Opt-in (-c accountMetrics=true): each account's figures as metrics with an `account` dimension.
const accountMetrics = env.BURNRATE_ACCOUNT_METRICS
  ? new EmfAccountMetrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      stage: env.BURNRATE_STAGE,
    })
  : undefined;
const processor = new BatchProcessor(EventType.SQS);
const messageSchema = z.object({ accountId: z.string().min(1), runId: z.string().min(1) });

/**
 * One account per record; the batch's records run in parallel (Powertools' default), each with the
 * same deadline: the invocation's end, and each in its own trace subsegment `### sync <account>`.
 * Only a failure a retry can fix (provider down, throttled, slow past the deadline, a send left
 * for lack of time) is thrown, so SQS retries just that record and then parks it in the DLQ; a bad
 * config item or key is the operator's to fix and has been emailed to them.
 */
async function syncRecord(record: SQSRecord, context?: Context): Promise<void> {
  const message = messageSchema.parse(JSON.parse(record.body));
  await traced(`### sync ${message.accountId}`, { accountId: message.accountId }, async (annotate) => {
    // The record's keys on each line rather than a child logger: Powertools' createChild gives the
    // child a fresh cold-start flag (cold_start: true on every invocation), and appendKeys would
    // mix the keys of records processed in parallel.
    const log = {
      info: (text: string, extra: object) => logger.info(text, { ...message, ...extra }),
      warn: (text: string, extra: object) => logger.warn(text, { ...message, ...extra }),
      error: (text: string, extra: object) => logger.error(text, { ...message, ...extra }),
    };
    const deadline = context && invocationDeadline(Date.now(), context.getRemainingTimeInMillis());
    const outcome = await processAccount(deps, message.accountId, { deadline });
    const operator = outcome.operator && { operatorAlert: outcome.operator };
    if (outcome.status === 'ok') {
      const r = outcome.result;
      annotate('provider', r.config.provider);
      accountMetrics?.publish(message.accountId, r.figures);
      log.info('synced', {
        due: r.due.map((a) => a.key),
        sent: outcome.sent,
        published: outcome.published ?? [],
        writtenDays: r.writtenDays,
        unpricedModels: r.unknownModels,
        ...(outcome.guard && { guard: outcome.guard }),
        ...operator,
      });
      // Counted as GuardActionFailed (alarmed) and the operator told once; the next runs retry it.
      if (outcome.guard && (outcome.guard.failed.length > 0 || outcome.guard.errors.length > 0))
        log.error('guard: a freeze failed', {
          failed: outcome.guard.failed.map((e) => redactKeys(e)),
          errors: outcome.guard.errors.map((e) => redactKeys(e)),
        });
      // The alert stays due and the next scheduled run retries it; the AlertDeliveryFailed metric
      // raises the alarm on the operator's SNS topic, which does not depend on SES.
      if (outcome.deliveryError)
        log.error('alerts not delivered', {
          undelivered: outcome.undelivered,
          error: redactKeys(
            (outcome.deliveryErrors ?? [outcome.deliveryError]).map((e) => e.message).join('\n'),
          ),
          ...operator,
        });
      if (r.invalidConfig)
        log.warn('config item invalid: synced on the last good config', { problems: r.invalidConfig });
      // Never skipped silently: the keys, the AlertKeysUnreadable metric, and the operator told once.
      if (outcome.unreadable)
        log.warn('stored alert keys this version cannot read: left as they are, not emailed', {
          keys: outcome.unreadable.keys,
          ...(outcome.unreadable.operator && { operatorAlert: outcome.unreadable.operator }),
        });
      if (outcome.publishError)
        log.error('chat messages not published', { error: redactKeys(outcome.publishError.message) });
      if (outcome.deferred) {
        log.warn('out of time: emails left due for the retry', { deferred: outcome.deferred });
        throw new Error(
          `account ${message.accountId}: out of time before sending ${outcome.deferred.join(', ')}`,
        );
      }
    } else if (outcome.status === 'invalid') {
      log.warn('invalid account items', { problems: outcome.problems, ...operator });
    } else {
      // `detail`, not `message`: Powertools drops reserved keys (with a warning) and the reason with them.
      const detail = redactKeys(outcome.error.message);
      log.error('sync failed', { error: outcome.error.name, detail, ...operator });
      if (!deps.isAuthError(outcome.error)) throw outcome.error;
    }
  });
}

export const handler = instrumented('sync-account', (event: SQSEvent, context: Context) =>
  processPartialResponse(event, syncRecord, processor, { context }),
);
