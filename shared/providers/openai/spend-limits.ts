import type { SpendLimitScope, SpendLimitState, SpendLimits } from '../../ports.ts';
import type { HttpOptions } from '../http.ts';
import { isRefusal, requestJson } from '../http-request.ts';
import { checkLimitCents } from '../limit-schemas.ts';
import { OPENAI, type OpenAiAdminOptions, openAiAdminHttp } from './admin-http.ts';
import { type OpenAiSpendLimit, spendLimitDeletedSchema, spendLimitSchema } from './admin-schemas.ts';

/**
 * OpenAI hard monthly spend limits: `GET/POST/DELETE /v1/organization/spend_limit` and
 * `/v1/organization/projects/{id}/spend_limit` (GUARD.md §3). POST creates or replaces, so a retry
 * after a lost answer sets the same value again. With no limit set, a GET may answer 200 with
 * `threshold_amount: 0` and `enforcement.status: "inactive"`, or 404: both read as 'none'; a DELETE
 * of a limit that is not there (404) is a successful removal.
 */
export class OpenAiSpendLimits implements SpendLimits {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;

  constructor(options: OpenAiAdminOptions) {
    ({ http: this.http, baseUrl: this.baseUrl } = openAiAdminHttp(options));
  }

  async get(scope: SpendLimitScope): Promise<SpendLimitState> {
    const answer = await requestJson(
      { method: 'GET', ...this.target(scope), schema: spendLimitSchema, refusals: [404] },
      this.http,
    );
    return isRefusal(answer) ? { state: 'none' } : limitState(answer);
  }

  async set(scope: SpendLimitScope, cents: number): Promise<SpendLimitState> {
    const body = { threshold_amount: checkLimitCents(OPENAI, cents), currency: 'USD', interval: 'month' };
    const answer = await requestJson(
      { method: 'POST', ...this.target(scope), schema: spendLimitSchema, body },
      this.http,
    );
    return limitState(answer as OpenAiSpendLimit);
  }

  async remove(scope: SpendLimitScope): Promise<void> {
    await requestJson(
      { method: 'DELETE', ...this.target(scope), schema: spendLimitDeletedSchema, refusals: [404] },
      this.http,
    );
  }

  private target(scope: SpendLimitScope): { url: URL; what: string } {
    if (scope.type === 'organization') {
      return { url: new URL(`${this.baseUrl}/organization/spend_limit`), what: 'openai spend_limit' };
    }
    const id = encodeURIComponent(scope.id);
    return {
      url: new URL(`${this.baseUrl}/organization/projects/${id}/spend_limit`),
      what: `openai project ${scope.id} spend_limit`,
    };
  }
}

/** 0 cents and `inactive` is the "nothing set" answer; any other pair is a limit, whatever its status. */
function limitState(limit: OpenAiSpendLimit): SpendLimitState {
  const status = limit.enforcement.status;
  if (limit.threshold_amount === 0 && status === 'inactive') return { state: 'none' };
  return { state: 'set', thresholdCents: limit.threshold_amount, enforcement: status };
}
