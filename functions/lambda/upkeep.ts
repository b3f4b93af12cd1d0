import type { Context } from 'aws-lambda';
import { documentClient } from '../../shared/clients.ts';
import { upkeepDeps } from '../../shared/compose.ts';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { EmfMetrics } from '../../shared/metrics/emf-metrics.ts';
import { instrumented, logger, metrics, providerCallSpan, traced } from '../../shared/powertools/index.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { runAll } from '../../shared/use-cases/run-all.ts';
import { upkeepAccount } from '../../shared/use-cases/upkeep-account.ts';

// Cold start: environment parsed once (fails fast), clients and adapters built once per container.
const env = parseEnvironment();
const deps = upkeepDeps(env, { metrics: new EmfMetrics(metrics), span: providerCallSpan });
const accounts = new DynamoAccountStore(documentClient(env.AWS_REGION), env.BURNRATE_TABLE);
/** Accounts not started with less time than this left wait for the next hourly run (they stay due). */
const RESERVE_MS = 60_000;

/** One account's upkeep in its own trace subsegment; a failure is logged, counted, and contained. */
function upkeepOne(accountId: string) {
  return traced(`### upkeep ${accountId}`, { accountId }, async () => {
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
  });
}

/**
 * EventBridge Scheduler target, hourly: the upkeep of every enabled account that is due (names
 * once a UTC day; hard limits daily, after a config change, or to retry). One account's failure is
 * logged and counted (UpkeepFailed) and never holds back the others.
 */
export const handler = instrumented('upkeep', async (_event: unknown, context: Context) => {
  const outcomes = await runAll(
    accounts,
    async (accountId) =>
      context.getRemainingTimeInMillis() < RESERVE_MS
        ? { accountId, status: 'deferred' as const }
        : upkeepOne(accountId),
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
});
