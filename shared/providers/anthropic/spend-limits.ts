import {
  DEFAULT_WORKSPACE,
  type SpendLimitScope,
  type SpendLimitState,
  type SpendLimits,
  SpendLimitsUnavailableError,
} from '../../ports.ts';
import { ProviderResponseError } from '../errors.ts';
import type { HttpOptions } from '../http.ts';
import { isRefusal, type JsonRequest, requestJson } from '../http-request.ts';
import { checkLimitCents } from '../limit-schemas.ts';
import { ANTHROPIC, type AnthropicAdminOptions, anthropicAdminHttp } from './admin-http.ts';
import {
  type AnthropicSpendLimit,
  spendLimitDeletedSchema,
  spendLimitListSchema,
  spendLimitSchema,
} from './admin-schemas.ts';

/** The beta the spend-limits endpoints need (reads require it; sent on every call). */
export const SPEND_LIMITS_BETA = 'spend-limit-reads-2026-09-26';
/** Without early access the beta endpoints answer one of these (GUARD.md §8.5). */
const UNAVAILABLE = [400, 403, 404] as const;
const CONSOLE = 'set the limit in the Claude Console (Settings → Limits) instead';

/**
 * Anthropic's spend-limits beta (`/v1/organizations/spend_limits`, GUARD.md §5): an upsert keyed
 * on (scope, period) for `organization` and `workspace` scopes, monthly, `amount` in cents as a
 * decimal string; DELETE by the limit's id, so `remove` looks it up first. Without early access,
 * any 400/403/404 from these endpoints is a SpendLimitsUnavailableError that says to use the Console
 * (a body burnrate validated before sending is not what a 400 here is about).
 */
export class AnthropicSpendLimits implements SpendLimits {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;

  constructor(options: AnthropicAdminOptions) {
    const { http, baseUrl } = anthropicAdminHttp(options);
    this.baseUrl = baseUrl;
    // A 403 here is a valid admin key without the beta, not a wrong key: say so (401 keeps the advice).
    this.http = {
      ...http,
      authAdvice: (status, error) =>
        status === 403
          ? { reason: 'unknown', advice: 'no access to the spend-limits beta' }
          : (http.authAdvice?.(status, error) ?? { reason: 'unknown', advice: 'check the admin key' }),
    };
  }

  async get(scope: SpendLimitScope): Promise<SpendLimitState> {
    const limit = await this.find(scope);
    if (!limit || limit.amount === null) return { state: 'none' };
    return {
      state: 'set',
      thresholdCents: limit.amount,
      enforcement: limit.is_enabled === false ? 'inactive' : 'enforcing',
    };
  }

  async set(scope: SpendLimitScope, cents: number): Promise<SpendLimitState> {
    const body = {
      amount: String(checkLimitCents(ANTHROPIC, cents)),
      scope: wireScope(scope),
      period: 'monthly',
    };
    const url = new URL(`${this.baseUrl}/organizations/spend_limits`);
    const limit = await this.call({ method: 'POST', url, what: what(scope), schema: spendLimitSchema, body });
    if (limit.amount === null) {
      throw new ProviderResponseError(ANTHROPIC, `${what(scope)}: amount: null after setting ${cents} cents`);
    }
    return {
      state: 'set',
      thresholdCents: limit.amount,
      enforcement: limit.is_enabled === false ? 'inactive' : 'enforcing',
    };
  }

  async remove(scope: SpendLimitScope): Promise<void> {
    const limit = await this.find(scope);
    if (!limit) return;
    const url = new URL(`${this.baseUrl}/organizations/spend_limits/${encodeURIComponent(limit.id)}`);
    // Gone between the look-up and the DELETE (or a retried DELETE): removed all the same.
    await this.call({ method: 'DELETE', url, what: what(scope), schema: spendLimitDeletedSchema }, [404]);
  }

  /** The monthly limit of this scope, walking every page of the list. */
  private async find(scope: SpendLimitScope): Promise<AnthropicSpendLimit | undefined> {
    const wanted = wireScope(scope);
    const seen = new Set<string>();
    let page: string | undefined;
    for (;;) {
      const url = new URL(`${this.baseUrl}/organizations/spend_limits`);
      url.searchParams.set('limit', '100');
      if (page) url.searchParams.set('page', page);
      const body = await this.call({
        method: 'GET',
        url,
        what: 'anthropic spend_limits',
        schema: spendLimitListSchema,
      });
      const hit = body.data.find(
        (l) =>
          l.period === 'monthly' &&
          l.scope.type === wanted.type &&
          (wanted.type === 'organization' || l.scope.workspace_id === wanted.workspace_id),
      );
      if (hit) return hit;
      if (!body.next_page || body.has_more === false) return undefined;
      if (seen.has(body.next_page))
        throw new ProviderResponseError(
          ANTHROPIC,
          `anthropic spend_limits: next_page repeats (${body.next_page})`,
        );
      seen.add(body.next_page);
      page = body.next_page;
    }
  }

  private async call<T>(req: JsonRequest<T>, alsoFine: readonly number[] = []): Promise<T> {
    const answer = await requestJson(
      { ...req, headers: { 'anthropic-beta': SPEND_LIMITS_BETA }, refusals: [...UNAVAILABLE, ...alsoFine] },
      this.http,
    );
    if (!isRefusal(answer)) return answer;
    if (alsoFine.includes(answer.refused)) return undefined as T;
    throw new SpendLimitsUnavailableError(
      ANTHROPIC,
      `${req.what}: HTTP ${answer.refused}: this organization cannot use the spend-limits API (an early-access beta): ${CONSOLE} (the API said: ${answer.error.message.replace(`${ANTHROPIC}: ${req.what}: HTTP ${answer.refused}: `, '')})`,
    );
  }
}

type WireScope = { type: 'organization' } | { type: 'workspace'; workspace_id: string };

function wireScope(scope: SpendLimitScope): WireScope {
  if (scope.type === 'organization') return { type: 'organization' };
  if (scope.id === DEFAULT_WORKSPACE) {
    throw new SpendLimitsUnavailableError(
      ANTHROPIC,
      `the default workspace has no id the spend-limits API can scope a limit to: ${CONSOLE}`,
    );
  }
  return { type: 'workspace', workspace_id: scope.id };
}

const what = (scope: SpendLimitScope) =>
  scope.type === 'organization'
    ? 'anthropic organization spend_limit'
    : `anthropic workspace ${scope.id} spend_limit`;
