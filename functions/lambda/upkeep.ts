import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { documentClient } from '../../shared/clients.ts';
import { upkeepDeps } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { EmfMetrics, METRICS_NAMESPACE } from '../../shared/metrics/emf-metrics.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { runAll } from '../../shared/use-cases/run-all.ts';
import { upkeepAccount } from '../../shared/use-cases/upkeep-account.ts';

// Cold start: environment parsed once (fails fast), clients and adapters built once per container.
const env = parseEnvironment();
const logger = new Logger({ serviceName: 'burnrate' });
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: 'burnrate',
  defaultDimensions: { stage: env.BURNRATE_STAGE },
});
const deps = upkeepDeps(env, { metrics: new EmfMetrics(metrics) });
const accounts = new DynamoAccountStore(documentClient(env.AWS_REGION), env.BURNRATE_TABLE);
/** Accounts not started with less time than this left wait for the next hourly run (they stay due). */
const RESERVE_MS = 60_000;

/**
 * EventBridge Scheduler target, hourly: the upkeep of every enabled account that is due (names
 * once a UTC day; hard limits daily, after a config change, or to retry). One account's failure is
 * logged and counted (UpkeepFailed) and never holds back the others.
 */
export async function handler(_event: unknown, context: Context) {
  try {
    const outcomes = await runAll(
      accounts,
      async (accountId) => {
        if (context.getRemainingTimeInMillis() < RESERVE_MS)
          return { accountId, status: 'deferred' as const };
        try {
          const outcome = await upkeepAccount(deps, accountId);
          if (outcome.status === 'done') {
            const log = outcome.errors.length > 0 ? logger.error.bind(logger) : logger.info.bind(logger);
            log('upkeep', { accountId, listed: outcome.listed, ...outcome.limits, errors: outcome.errors });
          }
          return outcome;
        } catch (error) {
          deps.metrics?.record('UpkeepFailed', 1);
          logger.error('upkeep failed', {
            accountId,
            error: (error as Error).name,
            detail: (error as Error).message,
          });
          return { accountId, status: 'failed' as const };
        }
      },
      { concurrency: env.BURNRATE_CONCURRENCY },
    );
    const count = (status: string) => outcomes.filter((o) => o.status === status).length;
    const summary = {
      accounts: outcomes.length,
      done: count('done'),
      notDue: count('not-due'),
      failed: count('failed'),
      deferred: count('deferred'),
    };
    logger.info('upkeep pass', summary);
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
}
