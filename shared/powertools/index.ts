/**
 * Powertools for the Lambda functions, built once per container and shared by every handler
 * (Powertools' own example app keeps them in one `commons/powertools` module the same way).
 * Lambda-only: the CLI imports none of it.
 */
export { SERVICE_NAME } from './constants.ts';
export { instrumented } from './handler.ts';
export { logger } from './logger.ts';
export { metrics } from './metrics.ts';
export { providerCallSpan, traced, tracer } from './tracer.ts';
