import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';
import { tracer } from './tracer.ts';

/**
 * Wraps a Lambda handler the way Powertools' middlewares do (injectLambdaContext with resetKeys,
 * captureLambdaHandler without the response, logMetrics), in a few lines rather than with middy:
 * - the Logger gets the invocation's context (function_request_id, cold_start, …) for every
 *   line, and keys a handler appended (appendKeys) are dropped when it returns;
 * - the Tracer opens `## <name>` under Lambda's segment, annotated ColdStart and Service, and
 *   records a thrown error on it (never the response: it can hold a guard page or a token);
 * - Metrics recorded during the invocation are flushed as one EMF line when it ends, thrown or
 *   not; an invocation that recorded none writes nothing (no empty-metrics warning).
 */
export function instrumented<E, R>(
  name: string,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      return await handler(event, context);
    } catch (error) {
      if (subsegment) tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      if (segment && subsegment) {
        subsegment.close();
        tracer.setSegment(segment);
      }
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
