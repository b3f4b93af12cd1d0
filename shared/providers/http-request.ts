import type * as z from 'zod';
import { ProviderError } from './errors.ts';
import { getJson, type HttpOptions } from './http.ts';

/** A final HTTP refusal the caller asked to see (e.g. 404 = "no limit set"), with getJson's error. */
export interface Refusal {
  refused: number;
  error: ProviderError;
}

export interface JsonRequest<T> {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  /** Names the endpoint in messages (`openai project spend_limit`). */
  what: string;
  schema: z.ZodType<T>;
  /** JSON body (POST). */
  body?: unknown;
  /** Final statuses to hand back as a Refusal instead of throwing (4xx only: 5xx/429 are retried). */
  refusals?: readonly number[];
  /** Extra headers for this request only (e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
}

/**
 * A JSON request of any method through getJson, so writes get exactly the same retry policy
 * (408/409/429/5xx, Retry-After), auth-error advice, key redaction and JSON-path errors as the
 * cost reads: the method and body ride in through the `fetch` option, leaving http.ts as it is.
 * Every write burnrate makes is idempotent (create-or-replace limits, set a key's status, delete),
 * so a retry after a lost answer does no harm.
 */
export async function requestJson<T>(req: JsonRequest<T>, o: HttpOptions): Promise<T | Refusal> {
  const base = o.fetch ?? fetch;
  let status: number | undefined;
  const sending: typeof fetch = async (input, init) => {
    status = undefined;
    const res = await base(input, {
      ...init,
      method: req.method,
      ...(req.body === undefined
        ? {}
        : {
            body: JSON.stringify(req.body),
            headers: { ...(init?.headers as Record<string, string>), 'content-type': 'application/json' },
          }),
    });
    status = res.status;
    return res;
  };
  const headers = { ...o.headers, ...req.headers };
  try {
    return await getJson(req.url, req.what, req.schema, { ...o, headers, fetch: sending });
  } catch (error) {
    if (error instanceof ProviderError && status !== undefined && req.refusals?.includes(status)) {
      return { refused: status, error };
    }
    throw error;
  }
}

export const isRefusal = <T>(x: T | Refusal): x is Refusal =>
  typeof x === 'object' && x !== null && 'refused' in x && (x as Refusal).error instanceof ProviderError;

/** requestJson without refusals: every failure throws, so the answer is always the body. */
export async function sendJson<T>(req: Omit<JsonRequest<T>, 'refusals'>, o: HttpOptions): Promise<T> {
  return (await requestJson(req, o)) as T;
}
