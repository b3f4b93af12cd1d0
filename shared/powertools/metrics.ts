import { Metrics } from '@aws-lambda-powertools/metrics';
import { parseEnvironment } from '../config/environment.ts';
import { METRICS_NAMESPACE } from '../ports.ts';
import { SERVICE_NAME } from './constants.ts';

/**
 * The one Metrics of a Lambda function: namespace `burnrate`, dimensions `service` and `stage` (the
 * pair the alarms and the dashboard use). Values are buffered and written as one CloudWatch EMF
 * line at the end of each invocation by `instrumented` (handler.ts): no API call, no permission.
 */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: SERVICE_NAME,
  defaultDimensions: { stage: parseEnvironment().BURNRATE_STAGE },
});
