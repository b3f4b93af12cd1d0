import type * as z from 'zod';
import { formatPath } from '../schemas/invalid-input.ts';
import { redactKeys } from '../secrets/redact.ts';
import {
  ProviderAuthError,
  type ProviderAuthReason,
  type ProviderError,
  ProviderRateLimitError,
  ProviderResponseError,
  ProviderUnavailableError,
} from './errors.ts';

export interface HttpOptions {
  provider: string;
  headers: Record<string, string>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** One request's timeout (default REQUEST_TIMEOUT_MS), cut shorter by the deadline. */
  timeoutMs?: number;
  maxRetries?: number;
  /**
   * Real-clock instant (epoch ms) by which this account's provider requests must be over: no
   * attempt runs past it and no retry starts that could not finish before it (the sync Lambda
   * sets it from the invocation's remaining time). Undefined: only the per-request timeout.
   */
  deadline?: number | undefined;
  /** The real clock (tests hand in their own). */
  clock?: () => number;
  /**
   * Wraps each call, all its attempts (the Lambda functions: one X-Ray subsegment per provider
   * call). Undefined: the call runs as is.
   */
  span?: ProviderCallSpan | undefined;
  /** A response error that must not be retried (e.g. quota exhausted), or undefined. */
  classify?: (status: number, body: unknown) => ProviderError | undefined;
  /** Why a 401/403 happened and what the user should do, from the provider's error text. */
  authAdvice?: (status: number, error: ErrorInfo) => { reason: ProviderAuthReason; advice: string };
}

/** One provider call, as a span sees it: `what` names the endpoint (`openai costs`). */
export interface ProviderCall {
  provider: string;
  what: string;
  /** The account whose key made the call, when the caller knows it. */
  accountId?: string;
}

export type ProviderCallSpan = <T>(call: ProviderCall, run: () => Promise<T>) => Promise<T>;

/** `span` with the account filled in on every call (compose.ts, where the account's config is known). */
export function spanForAccount(span: ProviderCallSpan | undefined, accountId: string) {
  if (!span) return undefined;
  const bound: ProviderCallSpan = (call, run) => span({ ...call, accountId }, run);
  return bound;
}

/**
 * A provider error body, whichever shape it came in: the `{"error": {"message", "type", "param",
 * "code"}}` envelope, a bare string (`{"error": "You have insufficient permissions …"}`, seen live
 * from OpenAI on 401/403), or no JSON at all (`text` is the start of the raw body).
 */
export interface ErrorInfo {
  message?: string;
  type?: string;
  code?: string;
  text: string;
}

/** A provider report request normally answers in a few seconds; a longer one is retried. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** An attempt with less time than this left before the deadline is not started. */
export const MIN_ATTEMPT_MS = 1_000;
const MAX_RETRY_AFTER_MS = 60_000;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
const RETRYABLE = new Set([408, 409, 429]);

/**
 * GET a JSON document and validate it. Retries 408/409/429/5xx, resets and timeouts a bounded
 * number of times with exponential backoff and full jitter, honouring Retry-After; 401/403 and
 * whatever `classify` says are final. With a `deadline`, each attempt's timeout is cut to the time
 * left, and no attempt or wait starts that would run past it: the account fails with
 * ProviderUnavailableError (retried by SQS) instead of its Lambda being killed mid-batch.
 * `what` names the endpoint in messages (`openai costs`).
 */
export async function getJson<T>(url: URL, what: string, schema: z.ZodType<T>, o: HttpOptions): Promise<T> {
  const call = () => attempts(url, what, schema, o);
  return o.span ? o.span({ provider: o.provider, what }, call) : call();
}

async function attempts<T>(url: URL, what: string, schema: z.ZodType<T>, o: HttpOptions): Promise<T> {
  const doFetch = o.fetch ?? fetch;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = o.random ?? Math.random;
  const clock = o.clock ?? Date.now;
  const maxRetries = o.maxRetries ?? 4;
  const left = () => (o.deadline === undefined ? Number.POSITIVE_INFINITY : o.deadline - clock());
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    let waitMs: number | undefined;
    if (left() < MIN_ATTEMPT_MS) {
      throw new ProviderUnavailableError(o.provider, `${what}: ${OUT_OF_TIME} before the first attempt`);
    }
    try {
      const res = await doFetch(url, {
        headers: o.headers,
        signal: AbortSignal.timeout(Math.min(o.timeoutMs ?? REQUEST_TIMEOUT_MS, left())),
      });
      const text = await res.text();
      if (res.ok) return parseBody(text, what, schema, o.provider);
      const body = tryJson(text);
      const info = redact(errorInfo(body, text), o.headers);
      const detail = errorDetail(info) ?? `HTTP ${res.status}`;
      if (res.status === 401 || res.status === 403) {
        const { reason, advice } = o.authAdvice?.(res.status, info) ?? {
          reason: 'unknown' as const,
          advice: 'check the admin key',
        };
        throw new ProviderAuthError(o.provider, `${what}: HTTP ${res.status}: ${detail}: ${advice}`, reason);
      }
      const final = o.classify?.(res.status, body);
      if (final) throw final;
      if (!RETRYABLE.has(res.status) && res.status < 500) {
        throw new ProviderResponseError(o.provider, `${what}: HTTP ${res.status}: ${detail}`);
      }
      failure = `HTTP ${res.status}: ${detail}`;
      if (res.status === 429) {
        waitMs = retryAfterMs(res.headers);
        if (waitMs !== undefined && waitMs > MAX_RETRY_AFTER_MS) {
          throw new ProviderRateLimitError(
            o.provider,
            `${what}: rate limited, Retry-After ${Math.round(waitMs / 1000)} s`,
          );
        }
      }
    } catch (error) {
      if ((error as Error).name?.startsWith('Provider')) throw error;
      failure = describeNetworkError(error);
    }
    const wait = waitMs ?? random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
    const outOfTime = wait + MIN_ATTEMPT_MS > left();
    if (attempt >= maxRetries || outOfTime) {
      const Final = failure.startsWith('HTTP 429') ? ProviderRateLimitError : ProviderUnavailableError;
      const why = outOfTime && attempt < maxRetries ? ` (${OUT_OF_TIME} for another)` : '';
      throw new Final(o.provider, `${what}: gave up after ${attempt + 1} attempts${why}: ${failure}`);
    }
    await sleep(wait);
  }
}

const OUT_OF_TIME = "no time left before this account's deadline";

function parseBody<T>(text: string, what: string, schema: z.ZodType<T>, provider: string): T {
  const json = tryJson(text);
  if (json === undefined)
    throw new ProviderResponseError(
      provider,
      `${what}: response is not complete JSON (${text.length} bytes)`,
    );
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? formatPath(issue.path) || '(body)' : '(body)';
  throw new ProviderResponseError(provider, `${what}: ${path}: ${issue?.message ?? 'unexpected shape'}`);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorInfo(body: unknown, text: string): ErrorInfo {
  const error = (body as { error?: unknown } | undefined)?.error;
  const str = (x: unknown) => (typeof x === 'string' && x ? x : undefined);
  const info: ErrorInfo = { text: body === undefined ? text.slice(0, 200).trim() : '' };
  if (typeof error === 'string') info.message = error;
  else if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    const [message, type, code] = [str(e.message), str(e.type), str(e.code)];
    if (message) info.message = message;
    if (type) info.type = type;
    if (code) info.code = code;
  }
  return info;
}

/**
 * Provider messages can echo the key ("Incorrect API key provided: sk-admin-****abcd"): any header
 * value we sent and anything shaped like a key is cut out before it reaches a message.
 */
function redact(info: ErrorInfo, headers: Record<string, string>): ErrorInfo {
  const secrets = Object.entries(headers)
    .filter(([name]) => /^(authorization|x-api-key)$/i.test(name))
    .flatMap(([, v]) => [v, v.replace(/^Bearer /, '')])
    .filter((v) => v.length >= 8);
  const clean = (s: string | undefined) => (s === undefined ? undefined : redactKeys(s, secrets));
  const out: ErrorInfo = { text: clean(info.text) ?? '' };
  for (const k of ['message', 'type', 'code'] as const) {
    const v = clean(info[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function errorDetail(info: ErrorInfo): string | undefined {
  const parts = [info.type, info.message].filter((x) => x !== undefined);
  const detail = parts.length ? parts.join(': ') : info.text && `body ${JSON.stringify(info.text)}`;
  return detail ? detail.slice(0, 300) : undefined;
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms)) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describeNetworkError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return `network error${e.cause?.code ? ` ${e.cause.code}` : ''}: ${e.message ?? 'unknown'}`;
}
