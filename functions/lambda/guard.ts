import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { guardDeps } from '../../shared/guard/compose-guard.ts';
import { fromFunctionUrlEvent, toFunctionUrlResult } from '../../shared/guard/function-url.ts';
import { handleGuardRequest } from '../../shared/guard/handler.ts';
import { EmfMetrics } from '../../shared/metrics/emf-metrics.ts';
import { instrumented, logger, metrics } from '../../shared/powertools/index.ts';

// Cold start: environment parsed once (fails fast), clients and the cached key source built once.
const env = parseEnvironment();
const deps = guardDeps(env, { metrics: new EmfMetrics(metrics) });

/**
 * The approval page behind the guard's Function URL (AuthType NONE: the signed, single-use link is
 * the authorization). Logs one line per request, never the event: its address holds the token
 * (nor does the trace: `instrumented` records no event and no response). A freeze or undo the
 * provider refused is counted as GuardActionFailed (EMF, alarmed); `instrumented` flushes metrics
 * only when some were recorded (every GET records none).
 */
export const handler = instrumented(
  'guard',
  async (event: LambdaFunctionURLEvent, _context: Context): Promise<LambdaFunctionURLResult> => {
    const { response, log } = await handleGuardRequest(fromFunctionUrlEvent(event), deps);
    const line = { ...log, method: event.requestContext.http.method };
    if (log.status >= 500) logger.error('guard page failed', line);
    else logger.info('guard page', line);
    return toFunctionUrlResult(response);
  },
);
