/**
 * Typed provider failures. Messages name the provider, the endpoint and what went wrong; they never
 * carry the admin key, the Authorization header or the request object (no `cause` either).
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(`${provider}: ${message}`);
    this.name = new.target.name;
  }
}

/**
 * Why a provider refused the key, for code that must react differently (e.g. `burnrate doctor`):
 * - `missing-scope`: an admin key without the usage read scope (OpenAI `api.usage.read`);
 * - `invalid-key`: wrong, revoked or mistyped key (OpenAI `invalid_api_key`, Anthropic `invalid x-api-key`);
 * - `not-admin-key`: a valid key that is not an admin key (project / standard API key);
 * - `unknown`: a 401/403 the body does not explain.
 */
export type ProviderAuthReason = 'missing-scope' | 'invalid-key' | 'not-admin-key' | 'unknown';

/** 401/403: the admin key is wrong, revoked or lacks the scope. Never retried. */
export class ProviderAuthError extends ProviderError {
  constructor(
    provider: string,
    message: string,
    readonly reason: ProviderAuthReason = 'unknown',
  ) {
    super(provider, message);
  }
}

/** 429 whose Retry-After is beyond what we wait for, or retries exhausted on 429. */
export class ProviderRateLimitError extends ProviderError {}

/** 429 insufficient_quota: needs a person (billing), so not retried. */
export class ProviderQuotaError extends ProviderError {}

/** 5xx, resets and timeouts that outlasted the retries. */
export class ProviderUnavailableError extends ProviderError {}

/** A body that is not what the provider's spec says: names the JSON path of the bad field. */
export class ProviderResponseError extends ProviderError {}
