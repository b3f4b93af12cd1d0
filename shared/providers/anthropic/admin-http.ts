import { ProviderQuotaError } from '../errors.ts';
import type { HttpOptions } from '../http.ts';
import { anthropicAuthAdvice } from './client.ts';

/** What every Anthropic admin client takes: the key, a base URL, and the HTTP knobs of getJson. */
export interface AnthropicAdminOptions extends Omit<HttpOptions, 'provider' | 'headers' | 'classify'> {
  adminKey: string;
  baseUrl?: string;
}

export const ANTHROPIC = 'anthropic';

/** The request options the cost source uses (same headers, auth advice and billing rule). */
export function anthropicAdminHttp(options: AnthropicAdminOptions): { http: HttpOptions; baseUrl: string } {
  const { adminKey, baseUrl, ...rest } = options;
  return {
    baseUrl: (baseUrl ?? 'https://api.anthropic.com/v1').replace(/\/+$/, ''),
    http: {
      ...rest,
      provider: ANTHROPIC,
      headers: { 'x-api-key': adminKey, 'anthropic-version': '2023-06-01', accept: 'application/json' },
      authAdvice: anthropicAuthAdvice(adminKey),
      classify: (_status, body) => {
        const error = (body as { error?: { type?: string; message?: string } })?.error;
        return error?.type === 'billing_error'
          ? new ProviderQuotaError(ANTHROPIC, `billing_error: ${error.message ?? ''}`)
          : undefined;
      },
    },
  };
}
