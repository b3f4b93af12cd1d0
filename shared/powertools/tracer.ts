import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureClientsWith } from '../clients.ts';
import type { ProviderCallSpan } from '../providers/http.ts';
import { SERVICE_NAME } from './constants.ts';

/**
 * The one Tracer of a Lambda function (the functions run with X-Ray active tracing). Outside
 * Lambda (no AWS_EXECUTION_ENV) or with POWERTOOLS_TRACE_ENABLED=false it is disabled and every
 * call below is a no-op; the CLI never imports this module, so it loads no X-Ray code at all.
 * Provider requests made with fetch are traced by the Tracer itself (one subsegment per attempt,
 * named for the host, with the HTTP status).
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

// Every AWS client shared/clients.ts builds from here on records one subsegment per SDK call.
captureClientsWith((client) => tracer.captureAWSv3Client(client));

type Subsegment = NonNullable<ReturnType<Tracer['getSegment']>>;

/**
 * Runs `run` inside its own subsegment `name` (its own X-Ray context, so accounts processed in
 * parallel never nest into each other), annotated with `annotations` (indexed: filter traces
 * with `annotation.accountId = "acme"`). `annotate` adds annotations known only later (the
 * provider, once the config item is read). An error closes the subsegment with it.
 */
export function traced<T>(
  name: string,
  annotations: Record<string, string>,
  run: (annotate: (key: string, value: string) => void) => Promise<T>,
): Promise<T> {
  if (!tracer.isTracingEnabled()) return run(() => undefined);
  return tracer.provider.captureAsyncFunc(name, async (subsegment?: Subsegment) => {
    const annotate = (key: string, value: string) => subsegment?.addAnnotation(key, value);
    for (const [key, value] of Object.entries(annotations)) annotate(key, value);
    try {
      const result = await run(annotate);
      subsegment?.close();
      return result;
    } catch (error) {
      subsegment?.close(error as Error);
      throw error;
    }
  }) as Promise<T>;
}

/** One subsegment per provider call (all its attempts): `openai costs`, annotated provider and accountId. */
export const providerCallSpan: ProviderCallSpan = (call, run) =>
  traced(
    call.what,
    { provider: call.provider, ...(call.accountId !== undefined && { accountId: call.accountId }) },
    () => run(),
  );
