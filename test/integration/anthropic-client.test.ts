import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { ProviderQuotaError } from '../../shared/providers/errors.ts';
import { startAnthropicFake } from '../fakes/anthropic-fake.ts';

let fake: Awaited<ReturnType<typeof startAnthropicFake>>;
const client = () =>
  new AnthropicCostSource({
    adminKey: fake.adminKey,
    baseUrl: fake.baseUrl,
    sleep: async () => {},
    maxRetries: 2,
  });
const range = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z') };

beforeAll(async () => {
  fake = await startAnthropicFake();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
});

/** What only Anthropic does; the behaviour shared by all providers is in provider-client.test.ts. */
describe('Anthropic specifics', () => {
  it('sends x-api-key and anthropic-version, RFC 3339 bounds, 1d buckets of at most 31, grouped by workspace', async () => {
    fake.setCosts({});
    await client().dailyCosts(range);
    const r = fake.requests[0];
    expect(r?.headers['x-api-key']).toBe(fake.adminKey);
    expect(r?.headers['anthropic-version']).toBe('2023-06-01');
    expect(r?.headers.authorization).toBeUndefined();
    expect(r?.query.get('starting_at')).toBe('2026-11-01T00:00:00Z');
    expect(r?.query.get('limit')).toBe('31');
    expect(r?.query.getAll('group_by[]')).toEqual(['workspace_id']);
  });

  it('parses cents strings exactly through the wire, default workspace under (none)', async () => {
    fake.setRawCosts({
      '2026-11-01': [
        { workspaceId: 'wrkspc_a', cents: '0' },
        { workspaceId: 'wrkspc_a', cents: '0.001' },
        { workspaceId: null, cents: '123456789.99' },
      ],
      '2026-11-02': [{ workspaceId: 'wrkspc_b', cents: '123.78912' }],
    });
    const days = await client().dailyCosts(range);
    expect(days).toEqual([
      {
        day: '2026-11-01',
        amountMicros: 1_234_567_899_910,
        byScope: { wrkspc_a: 10, '(none)': 1_234_567_899_900 },
      },
      { day: '2026-11-02', amountMicros: 1_237_891, byScope: { wrkspc_b: 1_237_891 } },
    ]);
  });

  it.each(['12,5', '', '-', 'NaN', '1.2.3', '4.128e'])(
    'rejects the amount %j naming the field',
    async (cents) => {
      fake.setRawCosts({ '2026-11-02': [{ cents: '1' }, { cents }] });
      await expect(client().dailyCosts(range)).rejects.toThrow(
        `anthropic cost_report: data[1].results[1].amount: expected a decimal amount (a number or a numeric string), got ${JSON.stringify(cents)}`,
      );
    },
  );

  it('reads exponent forms of cents exactly (4.128e4 cents is $412.80)', async () => {
    fake.setRawCosts({
      '2026-11-02': [{ cents: '4.128e4' }, { cents: '1.5E-3' }, { cents: '41280.000000' }],
    });
    const days = await client().dailyCosts(range);
    expect(days.find((d) => d.day === '2026-11-02')?.amountMicros).toBe(825_600_015);
  });

  it('a day totalling a negative amount is refused, naming the day', async () => {
    fake.setRawCosts({ '2026-11-02': [{ cents: '1' }, { cents: '-5' }] });
    await expect(client().dailyCosts(range)).rejects.toThrow(
      'anthropic cost_report: day 2026-11-02 totals a negative amount (-4 in report units)',
    );
  });

  it('a currency other than USD is an error naming it', async () => {
    fake.setRawCosts({ '2026-11-01': [{ cents: '5' }] });
    const eur: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      return new Response((await res.text()).replaceAll('"USD"', '"EUR"'), {
        status: res.status,
        headers: res.headers,
      });
    };
    const c = new AnthropicCostSource({ adminKey: fake.adminKey, baseUrl: fake.baseUrl, fetch: eur });
    await expect(c.dailyCosts(range)).rejects.toThrow(
      'data[0].results[0].currency: currency "EUR" is not USD',
    );
  });

  it('prices cache creation (5 min and 1 h) and cache reads each at their rate', async () => {
    fake.setUsage([
      {
        hour: '2026-11-24T01:00:00Z',
        model: 'claude-sonnet-4-5-20250929',
        input_tokens: 1_000_000,
        input_cached_tokens: 400_000,
        output_tokens: 0,
      },
    ]);
    const e = await client().usageEstimate({
      start: new Date('2026-11-24T00:00:00Z'),
      end: new Date('2026-11-24T03:00:00Z'),
    });
    // 600k uncached × $3 + 400k cache reads × $0.30 per 1M; the dated model falls back to its alias.
    expect(e.amountMicros).toBe(1_800_000 + 120_000);
    expect(fake.requests[0]?.query.getAll('group_by[]')).toEqual([
      'workspace_id',
      'model',
      'service_tier',
      'context_window',
    ]);
  });

  it('billing_error (out of credit) is not retried', async () => {
    fake.injectFaults([{ kind: 'insufficient_quota' }]);
    await expect(client().dailyCosts(range)).rejects.toBeInstanceOf(ProviderQuotaError);
    expect(fake.requests).toHaveLength(1);
  });
});
