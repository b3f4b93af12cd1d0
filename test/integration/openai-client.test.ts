import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderQuotaError } from '../../shared/providers/errors.ts';
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
  fake.setCosts(history());
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  sleeps.length = 0;
  fake.requests.length = 0;
});

const range = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z') };

/** What only OpenAI does; the behaviour shared by all providers is in provider-client.test.ts. */
describe('OpenAI specifics', () => {
  it('asks for 1d buckets, limit 180, grouped by project, with the Bearer key', async () => {
    await client().dailyCosts({ start, end });
    const q = fake.requests[0]?.query;
    expect(q?.get('bucket_width')).toBe('1d');
    expect(q?.get('limit')).toBe('180');
    expect(q?.getAll('group_by')).toEqual(['project_id']);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${fake.adminKey}`);
  });

  it('prices cached input, batch rates and dated snapshots', async () => {
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
    ]);
    const estimate = await client().usageEstimate({
      start: new Date('2026-11-24T00:00:00Z'),
      end: new Date('2026-11-24T09:00:00Z'),
    });
    // gpt-4o: 600k × 2.5 + 400k × 1.25 + 100k × 10 (per 1M) = $3.00; the dated snapshot at gpt-4o
    // prices: $2.50; gpt-4o-mini batch: 2M × 0.075 + 1M × 0.30 = $0.45.
    expect(estimate.amountMicros).toBe(5_950_000);
    expect(fake.requests[0]?.query.getAll('group_by')).toEqual(['project_id', 'model', 'batch']);
    expect(fake.requests[0]?.query.get('bucket_width')).toBe('1h');
  });

  it('429 insufficient_quota is not retried', async () => {
    fake.injectFaults([{ kind: 'insufficient_quota' }]);
    await expect(client().dailyCosts(range)).rejects.toBeInstanceOf(ProviderQuotaError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a non-USD amount is an error naming the currency', async () => {
    const fetchEur: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const text = (await res.text()).replaceAll('"usd"', '"eur"');
      return new Response(text, { status: res.status, headers: res.headers });
    };
    await expect(client(fake, { fetch: fetchEur }).dailyCosts(range)).rejects.toThrow(
      /data\[\d+\]\.results\[0\]\.amount\.currency: currency "eur" is not USD/,
    );
  });
});
