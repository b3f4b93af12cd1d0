import { ProviderQuotaError } from '../errors.ts';
import type { HttpOptions } from '../http.ts';
import { openAiAuthAdvice } from './client.ts';

/** What every OpenAI admin client takes: the key, a base URL, and the HTTP knobs of getJson. */
export interface OpenAiAdminOptions extends Omit<HttpOptions, 'provider' | 'headers' | 'classify'> {
  adminKey: string;
  baseUrl?: string;
}

export const OPENAI = 'openai';

/** The request options the cost source uses, for the admin endpoints (same auth advice and quota rule). */
export function openAiAdminHttp(options: OpenAiAdminOptions): { http: HttpOptions; baseUrl: string } {
  const { adminKey, baseUrl, ...rest } = options;
  return {
    baseUrl: (baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, ''),
    http: {
      ...rest,
      provider: OPENAI,
      headers: { authorization: `Bearer ${adminKey}`, accept: 'application/json' },
      authAdvice: openAiAuthAdvice(adminKey),
      classify: (status, body) => {
        const error = (body as { error?: { type?: string; code?: string; message?: string } })?.error;
        const quota = error?.type === 'insufficient_quota' || error?.code === 'insufficient_quota';
        return status === 429 && quota
          ? new ProviderQuotaError(OPENAI, `insufficient_quota: ${error?.message ?? 'quota exhausted'}`)
          : undefined;
      },
    },
  };
}
