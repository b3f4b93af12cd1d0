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

/** 401/403: the admin key is wrong, revoked or lacks the scope. Never retried. */
export class ProviderAuthError extends ProviderError {}

/** 429 whose Retry-After is beyond what we wait for, or retries exhausted on 429. */
export class ProviderRateLimitError extends ProviderError {}

/** 429 insufficient_quota: needs a person (billing), so not retried. */
export class ProviderQuotaError extends ProviderError {}

/** 5xx, resets and timeouts that outlasted the retries. */
export class ProviderUnavailableError extends ProviderError {}

/** A body that is not what the provider's spec says: names the JSON path of the bad field. */
export class ProviderResponseError extends ProviderError {}
