import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { guardDeps } from '../../shared/guard/compose-guard.ts';
import { fromFunctionUrlEvent, toFunctionUrlResult } from '../../shared/guard/function-url.ts';
import { handleGuardRequest } from '../../shared/guard/handler.ts';
import { EmfMetrics, METRICS_NAMESPACE } from '../../shared/metrics/emf-metrics.ts';

// Cold start: environment parsed once (fails fast), clients and the cached key source built once.
const env = parseEnvironment();
const logger = new Logger({ serviceName: 'burnrate' });
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: 'burnrate',
  defaultDimensions: { stage: env.BURNRATE_STAGE },
});
const deps = guardDeps(env, { metrics: new EmfMetrics(metrics) });

/**
 * The approval page behind the guard's Function URL (AuthType NONE: the signed, single-use link is
 * the authorization). Logs one line per request, never the event: its address holds the token.
 * A freeze or undo the provider refused is counted as GuardActionFailed (EMF, alarmed).
 */
export async function handler(
  event: LambdaFunctionURLEvent,
  context: Context,
): Promise<LambdaFunctionURLResult> {
  logger.addContext(context);
  try {
    const { response, log } = await handleGuardRequest(fromFunctionUrlEvent(event), deps);
    const line = { ...log, method: event.requestContext.http.method };
    if (log.status >= 500) logger.error('guard page failed', line);
    else logger.info('guard page', line);
    return toFunctionUrlResult(response);
  } finally {
    // Most requests (every GET) record nothing: publish only when there is something (no empty-metrics warning).
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
