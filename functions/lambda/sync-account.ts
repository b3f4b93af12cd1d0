import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { processDeps } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';

// Cold start: environment parsed once (fails fast), clients and adapters built once per container.
const env = parseEnvironment();
const logger = new Logger({ serviceName: 'burnrate' });
const deps = processDeps(env);
const processor = new BatchProcessor(EventType.SQS);
const messageSchema = z.object({ accountId: z.string().min(1), runId: z.string().min(1) });

/**
 * One account per record. Only a failure a retry can fix (provider down, throttled, timeout) is
 * thrown, so SQS retries just that record and then parks it in the DLQ; a bad config item or key
 * is the operator's to fix and has been emailed to them.
 */
async function syncRecord(record: SQSRecord): Promise<void> {
  const message = messageSchema.parse(JSON.parse(record.body));
  const log = logger.createChild({ persistentLogAttributes: { ...message } });
  const outcome = await processAccount(deps, message.accountId);
  const operator = outcome.operator && { operatorAlert: outcome.operator };
  if (outcome.status === 'ok') {
    const r = outcome.result;
    log.info('synced', {
      due: r.due.map((a) => a.key),
      sent: outcome.sent,
      writtenDays: r.writtenDays,
      unpricedModels: r.unknownModels,
      ...(outcome.deliveryError && { deliveryError: outcome.deliveryError.message }),
      ...operator,
    });
  } else if (outcome.status === 'invalid') {
    log.warn('invalid account items', { problems: outcome.problems, ...operator });
  } else {
    log.error('sync failed', { error: outcome.error.name, message: outcome.error.message, ...operator });
    if (!deps.isAuthError(outcome.error)) throw outcome.error;
  }
}

export async function handler(event: SQSEvent, context: Context) {
  return processPartialResponse(event, syncRecord, processor, { context });
}
