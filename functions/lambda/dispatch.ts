import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { captured, documentClient } from '../../shared/clients.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { instrumented, logger } from '../../shared/powertools/index.ts';
import { SqsAccountQueue } from '../../shared/queue/sqs-account-queue.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { dispatchAccounts } from '../../shared/use-cases/dispatch.ts';

// Cold start: parse the environment once (fail fast) and build clients once per container.
const env = parseEnvironment();
if (!env.BURNRATE_QUEUE_URL) throw new Error('BURNRATE_QUEUE_URL is not set');
const deps = {
  store: new DynamoAccountStore(documentClient(env.AWS_REGION), env.BURNRATE_TABLE),
  queue: new SqsAccountQueue(
    captured(new SQSClient({ region: env.AWS_REGION, maxAttempts: 5 })),
    env.BURNRATE_QUEUE_URL,
  ),
};

/** EventBridge Scheduler target: one SQS message per enabled account. */
export const handler = instrumented('dispatch', async (_event: unknown, context: Context) => {
  const runId = context.awsRequestId;
  logger.appendKeys({ runId });
  const result = await dispatchAccounts(deps, runId);
  logger.info('dispatched accounts', result);
  return result;
});
