import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ProviderAuthError,
  ProviderQuotaError,
  ProviderResponseError,
  ProviderUnavailableError,
} from '../../shared/providers/errors.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';
import { startOpenAiFake } from '../fakes/openai-fake.ts';

const DAY = 86_400_000;
const start = new Date('2026-08-26T00:00:00Z');
const end = new Date(start.getTime() + 90 * DAY);

function history(days = 90) {
  const h: Record<string, Array<{ projectId?: string | null; usd: number }>> = {};
  for (let i = 0; i < days; i++) {
    const day = new Date(start.getTime() + i * DAY).toISOString().slice(0, 10);
    h[day] = [
      { projectId: 'proj_a', usd: 1.1 + i / 100 },
      { projectId: null, usd: 0.29 },
    ];
  }
  return h;
}

let fake: Awaited<ReturnType<typeof startOpenAiFake>>;
let small: Awaited<ReturnType<typeof startOpenAiFake>>;
const sleeps: number[] = [];
const client = (f = fake, extra: Partial<ConstructorParameters<typeof OpenAiCostSource>[0]> = {}) =>
  new OpenAiCostSource({
    adminKey: f.adminKey,
    baseUrl: f.baseUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    timeoutMs: 500,
    maxRetries: 3,
    ...extra,
  });

beforeAll(async () => {
  fake = await startOpenAiFake();
  small = await startOpenAiFake({ maxPageSize: 7 });
  fake.setCosts(history());
  small.setCosts(history());
});
afterAll(async () => {
  await fake.stop();
  await small.stop();
});
beforeEach(() => {
  sleeps.length = 0;
  fake.requests.length = 0;
  small.requests.length = 0;
});

describe('OpenAI costs', () => {
  it('reads 90 days in one request (limit=180), per-project, dollars to micro-dollars exactly', async () => {
    const days = await client().dailyCosts({ start, end });
    expect(days).toHaveLength(90);
    expect(fake.requests).toHaveLength(1);
    const q = fake.requests[0]?.query;
    expect(q?.get('bucket_width')).toBe('1d');
    expect(q?.get('limit')).toBe('180');
    expect(q?.getAll('group_by')).toEqual(['project_id']);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${fake.adminKey}`);
    expect(days[0]).toEqual({
      day: '2026-08-26',
      amountMicros: 1_390_000,
      byScope: { proj_a: 1_100_000, '(none)': 290_000 },
    });
    expect(days[89]?.day).toBe('2026-11-23');
  });

  it('follows has_more/next_page across pages', async () => {
    const days = await client(small).dailyCosts({ start, end });
    expect(days).toHaveLength(90);
    expect(small.requests).toHaveLength(Math.ceil(90 / 7));
    expect(small.requests[1]?.query.get('page')).toMatch(/^page_/);
  });

  it('returns days with no spend as zero', async () => {
    const days = await client().dailyCosts({
      start: new Date('2026-12-01T00:00:00Z'),
      end: new Date('2026-12-03T00:00:00Z'),
    });
    expect(days).toEqual([
      { day: '2026-12-01', amountMicros: 0, byScope: {} },
      { day: '2026-12-02', amountMicros: 0, byScope: {} },
    ]);
  });
});

describe('OpenAI usage estimate', () => {
  it('prices hourly usage, with cached input, batch rates, dated snapshots, and reports unknown models', async () => {
    fake.setUsage([
      {
        hour: '2026-11-24T00:00:00Z',
        model: 'gpt-4o',
        input_tokens: 1_000_000,
        input_cached_tokens: 400_000,
        output_tokens: 100_000,
      },
      { hour: '2026-11-24T01:00:00Z', model: 'gpt-4o-2024-08-06', input_tokens: 1_000_000, output_tokens: 0 },
      {
        hour: '2026-11-24T01:00:00Z',
        model: 'gpt-4o-mini',
        input_tokens: 2_000_000,
        output_tokens: 1_000_000,
        batch: true,
      },
      { hour: '2026-11-24T02:00:00Z', model: 'mystery-model', input_tokens: 5, output_tokens: 5 },
    ]);
    const estimate = await client().usageEstimate({
      start: new Date('2026-11-24T00:00:00Z'),
      end: new Date('2026-11-24T09:00:00Z'),
    });
    // gpt-4o: 600k × 2.5 + 400k × 1.25 + 100k × 10 (per 1M) = 1.5 + 0.5 + 1.0 = $3.00
    // gpt-4o-2024-08-06 → gpt-4o prices: 1M × 2.5 = $2.50
    // gpt-4o-mini batch: 2M × 0.075 + 1M × 0.30 = $0.45
    expect(estimate.amountMicros).toBe(5_950_000);
    expect(estimate.unknownModels).toEqual(['mystery-model']);
    const q = fake.requests[0]?.query;
    expect(q?.get('bucket_width')).toBe('1h');
    expect(q?.getAll('group_by')).toEqual(['model', 'batch']);
  });
});

describe('OpenAI faults', () => {
  const range = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z') };

  it('429 with Retry-After waits that long, then succeeds', async () => {
    fake.injectFaults([{ kind: '429', retryAfter: 7 }]);
    await expect(client().dailyCosts(range)).resolves.toHaveLength(2);
    expect(sleeps).toEqual([7000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('429 insufficient_quota is not retried', async () => {
    fake.injectFaults([{ kind: 'insufficient_quota' }]);
    await expect(client().dailyCosts(range)).rejects.toBeInstanceOf(ProviderQuotaError);
    expect(fake.requests).toHaveLength(1);
  });

  it('500 is retried with exponential backoff and jitter, then succeeds', async () => {
    fake.injectFaults([{ kind: '500' }, { kind: '500' }]);
    await expect(client().dailyCosts(range)).resolves.toHaveLength(2);
    expect(sleeps).toEqual([250, 500]); // random 0.5 × 500 ms × 2^n
  });

  it('500 forever gives up after the bounded retries', async () => {
    fake.injectFaults([{ kind: '500' }, { kind: '500' }, { kind: '500' }, { kind: '500' }]);
    const error = await client()
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/openai: openai costs: gave up after 4 attempts: HTTP 500/);
  });

  it('a timeout and a reset connection are retried', async () => {
    fake.injectFaults([{ kind: 'timeout' }, { kind: 'reset' }]);
    await expect(client().dailyCosts(range)).resolves.toHaveLength(2);
    expect(fake.requests).toHaveLength(3);
  });

  it('401 is an auth error after exactly one request', async () => {
    fake.injectFaults([{ kind: '401' }]);
    await expect(client().dailyCosts(range)).rejects.toBeInstanceOf(ProviderAuthError);
    expect(fake.requests).toHaveLength(1);
  });

  it('truncated JSON and a malformed field are response errors naming what is wrong', async () => {
    fake.injectFaults([{ kind: 'truncated' }]);
    await expect(client().dailyCosts(range)).rejects.toThrow(/openai costs: response is not complete JSON/);
    fake.injectFaults([{ kind: 'malformed' }]);
    const error = await client()
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect((error as Error).message).toMatch(/openai costs: data\[0\]\.results\[0\]\.amount\.value: /);
  });

  it('has_more without next_page is an error, not a loop', async () => {
    fake.injectFaults([{ kind: 'has_more_without_next' }]);
    await expect(client().dailyCosts(range)).rejects.toThrow('has_more is true but next_page is null');
  });

  it('a non-USD amount is an error naming the currency', async () => {
    const eur = await startOpenAiFake();
    eur.setCosts({ '2026-11-01': [{ usd: 1 }] });
    const original = eur.requests;
    try {
      // The fake speaks USD; rewrite one response through a fetch wrapper to send EUR.
      const fetchEur: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        const text = (await res.text()).replace('"usd"', '"eur"');
        return new Response(text, { status: res.status, headers: res.headers });
      };
      await expect(client(eur, { fetch: fetchEur }).dailyCosts(range)).rejects.toThrow(
        /results\[0\]\.amount\.currency: expected "usd", got "eur"/,
      );
      expect(original.length).toBeGreaterThan(0);
    } finally {
      await eur.stop();
    }
  });

  it('never puts the admin key in an error', async () => {
    const errors: unknown[] = [];
    for (const kind of ['401', 'insufficient_quota', 'truncated', 'malformed'] as const) {
      fake.injectFaults([{ kind }]);
      errors.push(
        await client()
          .dailyCosts(range)
          .catch((e: unknown) => e),
      );
    }
    fake.injectFaults([{ kind: '500' }, { kind: '500' }, { kind: '500' }, { kind: '500' }]);
    errors.push(
      await client()
        .dailyCosts(range)
        .catch((e: unknown) => e),
    );
    const wrong = await client(fake, { adminKey: 'sk-admin-WRONG-secret' })
      .dailyCosts(range)
      .catch((e: unknown) => e);
    for (const e of [...errors, wrong]) {
      const err = e as Error;
      const all = `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${String((err as { cause?: unknown }).cause ?? '')}`;
      expect(all).not.toContain(fake.adminKey);
      expect(all).not.toContain('sk-admin-WRONG-secret');
    }
  });
});
