import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { configEditDeps } from '../../shared/compose-config-edit.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { EmfMetrics } from '../../shared/metrics/emf-metrics.ts';
import { instrumented, logger, metrics } from '../../shared/powertools/index.ts';
import { redactKeys } from '../../shared/secrets/redact.ts';
import { parseItemEdit } from '../../shared/store/config-edit-stream.ts';
import { type ConfigEditOutcome, checkConfigEdit } from '../../shared/use-cases/config-edit.ts';
import { invocationDeadline } from '../../shared/use-cases/deadline.ts';

// Cold start: environment parsed once; the sync's own store, delivery and operator wiring, and no
// provider client (none is ever called here: the role cannot read the admin keys).
const env = parseEnvironment();
const deps = configEditDeps(env, { metrics: new EmfMetrics(metrics) });
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Config and grant edits from the table's stream (the event filter passes nothing else). Each
 * account edited in the batch is checked once, whatever the number of its records: the check
 * reads the account as it is now. A record fails (Lambda retries from it, then the DLQ) only for a
 * failure a retry can fix; a bad edit is the operator's to fix and has been emailed to them.
 */
export const handler = instrumented('config-edit', async (event: DynamoDBStreamEvent, context: Context) => {
  const deadline = invocationDeadline(Date.now(), context.getRemainingTimeInMillis());
  const checks = new Map<string, Promise<ConfigEditOutcome>>();
  const check = (accountId: string) => {
    let outcome = checks.get(accountId);
    if (!outcome) {
      outcome = checkConfigEdit(deps, accountId, { deadline }).then(logOutcome);
      checks.set(accountId, outcome);
    }
    return outcome;
  };
  const onRecord = async (record: DynamoDBRecord) => {
    const edit = parseItemEdit(record);
    logger.info('item edited', { ...edit });
    await check(edit.accountId);
  };
  return processPartialResponse(event, onRecord, processor, { context });
});

function logOutcome(outcome: ConfigEditOutcome): ConfigEditOutcome {
  const log = logger.createChild({ persistentLogAttributes: { accountId: outcome.accountId } });
  if (outcome.status === 'skipped') log.info('edit not evaluated', { reason: outcome.reason });
  else if (outcome.status === 'invalid')
    log.warn('invalid account items', { problems: outcome.problems, operatorAlert: outcome.operator });
  else {
    log.info('re-evaluated from stored costs', {
      due: outcome.due,
      rearmed: outcome.rearmed,
      sent: outcome.sent,
    });
    // Still due: the next scheduled sync retries them and tells the operator if they keep failing.
    if (outcome.failures.length > 0)
      log.error('alerts not delivered', {
        error: redactKeys(outcome.failures.map((e) => e.message).join('\n')),
      });
    if (outcome.deferred.length > 0)
      log.warn('out of time: emails left due for the next sync', { deferred: outcome.deferred });
  }
  return outcome;
}
