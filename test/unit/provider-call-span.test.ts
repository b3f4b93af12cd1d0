import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ProviderUnavailableError } from '../../shared/providers/errors.ts';
import {
  getJson,
  type ProviderCall,
  type ProviderCallSpan,
  spanForAccount,
} from '../../shared/providers/http.ts';
import { sendJson } from '../../shared/providers/http-request.ts';

/** A span that records what it wrapped and which fetches ran inside it. */
function recordingSpan() {
  const spans: Array<{ call: ProviderCall; fetches: number; outcome?: string }> = [];
  let open: (typeof spans)[number] | undefined;
  const span: ProviderCallSpan = async (call, run) => {
    const entry: (typeof spans)[number] = { call, fetches: 0 };
    spans.push(entry);
    open = entry;
    try {
      const result = await run();
      entry.outcome = 'ok';
      return result;
    } catch (error) {
      entry.outcome = (error as Error).name;
      throw error;
    } finally {
      open = undefined;
    }
  };
  const fetchFrom = (statuses: number[]): typeof fetch => {
    let i = 0;
    return async () => {
      if (!open) throw new Error('fetch outside the span');
      open.fetches++;
      const status = statuses[Math.min(i++, statuses.length - 1)] as number;
      return new Response(JSON.stringify({ ok: true }), { status });
    };
  };
  return { span, spans, fetchFrom };
}

const options = { provider: 'openai', headers: {}, sleep: async () => undefined, random: () => 0 };
const schema = z.object({ ok: z.boolean() });

describe('the provider call span (an X-Ray subsegment per provider call in Lambda)', () => {
  it('wraps the whole call: its retries run inside one span, named for the endpoint', async () => {
    const r = recordingSpan();
    const out = await getJson(new URL('https://api.example/costs'), 'openai costs', schema, {
      ...options,
      span: r.span,
      fetch: r.fetchFrom([500, 429, 200]),
    });
    expect(out).toEqual({ ok: true });
    expect(r.spans).toEqual([
      { call: { provider: 'openai', what: 'openai costs' }, fetches: 3, outcome: 'ok' },
    ]);
  });

  it('a call that gives up ends its span with the error', async () => {
    const r = recordingSpan();
    const call = getJson(new URL('https://api.example/costs'), 'openai costs', schema, {
      ...options,
      maxRetries: 1,
      span: r.span,
      fetch: r.fetchFrom([503]),
    });
    await expect(call).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(r.spans).toEqual([
      { call: { provider: 'openai', what: 'openai costs' }, fetches: 2, outcome: 'ProviderUnavailableError' },
    ]);
  });

  it('writes (sendJson) get their span too, and spanForAccount adds the account to every call', async () => {
    const r = recordingSpan();
    await sendJson(
      {
        method: 'POST',
        url: new URL('https://api.example/limits'),
        what: 'openai spend_limit',
        schema,
        body: {},
      },
      { ...options, span: spanForAccount(r.span, 'acme'), fetch: r.fetchFrom([200]) },
    );
    expect(r.spans).toEqual([
      {
        call: { provider: 'openai', what: 'openai spend_limit', accountId: 'acme' },
        fetches: 1,
        outcome: 'ok',
      },
    ]);
    expect(spanForAccount(undefined, 'acme')).toBeUndefined();
  });

  it('without a span the call runs as before', async () => {
    const out = await getJson(new URL('https://api.example/costs'), 'openai costs', schema, {
      ...options,
      fetch: async () => new Response('{"ok":true}', { status: 200 }),
    });
    expect(out).toEqual({ ok: true });
  });
});
