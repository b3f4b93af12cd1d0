import {
  type ApiKeyInfo,
  type ApiKeys,
  DEFAULT_WORKSPACE,
  type KeyHourSpend,
  NO_SCOPE,
} from '../../ports.ts';
import { ProviderResponseError } from '../errors.ts';
import type { HttpOptions } from '../http.ts';
import { sendJson } from '../http-request.ts';
import { collectIdPages } from '../id-pages.ts';
import { paginate } from '../paginate.ts';
import { ANTHROPIC, type AnthropicAdminOptions, anthropicAdminHttp } from './admin-http.ts';
import { type AnthropicApiKey, apiKeyListSchema, apiKeySchema, keyUsageSchema } from './admin-schemas.ts';
import {
  type AnthropicPriceTable,
  defaultAnthropicPrices,
  messagesTokens,
  priceMessages,
} from './pricing.ts';

const HOUR_MS = 3_600_000;
const PICOS_PER_MICRO = 1_000_000n;

/**
 * Anthropic API keys, the lever when the spend-limits beta is not available (GUARD.md §5, §8):
 * list a workspace's active keys (`GET /v1/organizations/api_keys?workspace_id=…&status=active`,
 * `after_id` pages), switch one `active`/`inactive` (`POST /v1/organizations/api_keys/{id}`; never
 * `archived`, which cannot be undone), and price one hour of usage grouped by `api_key_id` the way
 * the estimate prices it, so the guard finds the keys that spent in a runaway hour.
 */
export class AnthropicApiKeys implements ApiKeys {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly prices: AnthropicPriceTable;
  private readonly pageSize: number;

  constructor(options: AnthropicAdminOptions & { prices?: AnthropicPriceTable; pageSize?: number }) {
    const { prices, pageSize, ...rest } = options;
    ({ http: this.http, baseUrl: this.baseUrl } = anthropicAdminHttp(rest));
    this.prices = prices ?? defaultAnthropicPrices;
    this.pageSize = pageSize ?? 100;
  }

  /**
   * The default workspace cannot be filtered on (it has no id in the list filter), so its keys are
   * the active keys whose `workspace_id` is null and that are not organization-scoped.
   */
  async listKeys(workspaceId: string): Promise<ApiKeyInfo[]> {
    const what = `anthropic api_keys of ${workspaceId}`;
    const isDefault = workspaceId === DEFAULT_WORKSPACE;
    const keys = await collectIdPages(ANTHROPIC, what, (after) => {
      const url = new URL(`${this.baseUrl}/organizations/api_keys`);
      if (!isDefault) url.searchParams.set('workspace_id', workspaceId);
      url.searchParams.set('status', 'active');
      url.searchParams.set('limit', String(this.pageSize));
      if (after) url.searchParams.set('after_id', after);
      return sendJson({ method: 'GET', url, what, schema: apiKeyListSchema }, this.http);
    });
    return keys
      .filter((k) => !isDefault || (!k.workspace_id && k.scope?.type !== 'organization'))
      .map(keyInfo);
  }

  async setStatus(keyId: string, status: 'active' | 'inactive'): Promise<ApiKeyInfo> {
    if (status !== 'active' && status !== 'inactive') {
      throw new RangeError(
        `anthropic api key ${keyId}: status ${JSON.stringify(status)} is not active or inactive`,
      );
    }
    const url = new URL(`${this.baseUrl}/organizations/api_keys/${encodeURIComponent(keyId)}`);
    const what = `anthropic api_key ${keyId}`;
    const key = await sendJson(
      { method: 'POST', url, what, schema: apiKeySchema, body: { status } },
      this.http,
    );
    return keyInfo(key);
  }

  async spendByKey(hourStart: Date): Promise<KeyHourSpend[]> {
    const start = hourStart.getTime();
    if (start % HOUR_MS !== 0)
      throw new RangeError(`spendByKey: ${hourStart.toISOString()} is not a UTC hour`);
    const what = 'anthropic usage_report by api_key_id';
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const query = new URLSearchParams({
      starting_at: iso(start),
      ending_at: iso(start + HOUR_MS),
      bucket_width: '1h',
    });
    // Model, tier and context window as well: they set the rate, as in the estimate.
    for (const g of ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'])
      query.append('group_by[]', g);
    const sums = new Map<string, { key: string | null; ws: string; picos: bigint; unknown: Set<string> }>();
    const buckets = paginate(ANTHROPIC, what, (page) => {
      const url = new URL(`${this.baseUrl}/organizations/usage_report/messages?${query}`);
      if (page) url.searchParams.set('page', page);
      return sendJson({ method: 'GET', url, what, schema: keyUsageSchema }, this.http);
    });
    for await (const bucket of buckets) {
      const at = Date.parse(bucket.starting_at);
      if (Number.isNaN(at))
        throw new ProviderResponseError(
          ANTHROPIC,
          `${what}: starting_at: expected an RFC 3339 instant, got ${JSON.stringify(bucket.starting_at)}`,
        );
      for (const r of bucket.results) {
        const ws = r.workspace_id || NO_SCOPE;
        const id = JSON.stringify([r.api_key_id ?? null, ws]);
        let sum = sums.get(id);
        if (!sum) {
          sum = { key: r.api_key_id ?? null, ws, picos: 0n, unknown: new Set() };
          sums.set(id, sum);
        }
        const picos = priceMessages(this.prices, r, new Date(at));
        if (picos !== undefined) sum.picos += picos;
        else if (messagesTokens(r) > 0) sum.unknown.add(r.model ?? '(no model)');
      }
    }
    return [...sums.values()]
      .map((s) => ({
        apiKeyId: s.key,
        workspaceId: s.ws,
        // Rounded once, half up, as the estimate rounds its sums.
        amountMicros: Number((s.picos + PICOS_PER_MICRO / 2n) / PICOS_PER_MICRO),
        unknownModels: [...s.unknown].sort(),
      }))
      .sort((a, b) => b.amountMicros - a.amountMicros);
  }
}

function keyInfo(k: AnthropicApiKey): ApiKeyInfo {
  // `workspace_id` (null for the default workspace) wins over `scope`, which carries the default
  // workspace's real id; `scope` only when an answer no longer has the deprecated field.
  const workspaceId = k.workspace_id !== undefined ? k.workspace_id : (k.scope?.workspace_id ?? null);
  return { id: k.id, name: k.name, status: k.status, workspaceId };
}
