import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from './constants.ts';

/**
 * The one Logger of a Lambda function: JSON lines on stdout, with the invocation's context
 * (`function_request_id`, `function_name`, `cold_start`, `xray_trace_id`) once the handler is
 * wrapped by `instrumented` (handler.ts). Level from the function's ApplicationLogLevel.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
