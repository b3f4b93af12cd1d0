import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { ProviderAuthError, ProviderResponseError } from '../../shared/providers/errors.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';

/**
 * The real clients over recorded-style responses (test/fixtures/*): spec-shaped and live-shaped
 * pages must give the same kind of figures; live quirks (string amounts, exponent cents, nulls,
 * extra keys, bare-string errors) must parse or fail as LIVE.md says.
 */
interface Fixture {
  _note: string;
  status: number;
  body: unknown;
}
const load = (path: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as Fixture;

/** A fetch that answers each request with the next fixture, recording the URLs asked for. */
function replay(...paths: string[]) {
  const urls: URL[] = [];
  const queue = paths.map(load);
  const fetch: typeof globalThis.fetch = async (input) => {
    urls.push(new URL(String(input)));
    const f = queue.shift();
    if (!f) throw new Error('no more fixtures');
    return new Response(JSON.stringify(f.body), { status: f.status });
  };
  return { fetch, urls };
}

const opts = { sleep: async () => {}, maxRetries: 0, baseUrl: 'http://fixtures.invalid/v1' };
const openai = (fetch: typeof globalThis.fetch, adminKey = 'sk-admin-fixture-key-0001') =>
  new OpenAiCostSource({ adminKey, fetch, ...opts });
const anthropic = (fetch: typeof globalThis.fetch, adminKey = 'sk-ant-admin01-fixture-key') =>
  new AnthropicCostSource({ adminKey, fetch, ...opts });
const range = (start: string, end: string) => ({
  start: new Date(`${start}T00:00:00Z`),
  end: new Date(`${end}T00:00:00Z`),
});
const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Error);

describe('fixtures carry a note naming their source', () => {
  it.each([
    'openai/costs-spec.json',
    'openai/costs-live-string-amounts.json',
    'openai/error-403-bare-string.json',
    'anthropic/cost-report-live-exponent.json',
  ])('%s', (path) => {
    expect(load(path)._note.length).toBeGreaterThan(20);
  });
});

describe('OpenAI costs pages', () => {
  it('spec shape: numeric amounts, an empty day is a zero-spend day', async () => {
    const days = await openai(replay('openai/costs-spec.json').fetch).dailyCosts(
      range('2026-11-20', '2026-11-23'),
    );
    expect(days).toEqual([
      { day: '2026-11-20', amountMicros: 12_790_000, byScope: { proj_a: 12_500_000, '(none)': 290_000 } },
      { day: '2026-11-21', amountMicros: 3_002_595, byScope: { proj_a: 3_002_595 } },
      { day: '2026-11-22', amountMicros: 0, byScope: {} },
    ]);
  });

  it('live shape: "12.50" strings beside numbers, undocumented keys and nulls, the partial day dropped', async () => {
    const days = await openai(replay('openai/costs-live-string-amounts.json').fetch).dailyCosts(
      range('2026-11-20', '2026-11-23'),
    );
    expect(days).toEqual([
      // 12.50 + 0.0025945 + 0.29, summed exactly and rounded once (…594.5 → …595)
      { day: '2026-11-20', amountMicros: 12_792_595, byScope: { proj_a: 12_502_595, '(none)': 290_000 } },
      { day: '2026-11-21', amountMicros: 0, byScope: {} },
      { day: '2026-11-22', amountMicros: 3_000_000, byScope: { proj_b: 3_000_000 } },
    ]);
  });

  it('many decimals are summed exactly before rounding: five $0.0000001234 rows count', async () => {
    const [day] = await openai(replay('openai/costs-live-many-decimals.json').fetch).dailyCosts(
      range('2026-11-20', '2026-11-21'),
    );
    // 7.123456 + 5 × 0.0000001234 = 7.123456617; per-row rounding would say 7_123_456.
    expect(day?.amountMicros).toBe(7_123_457);
  });

  it('a clamped page (31 buckets for limit=180) is followed with the same query plus page', async () => {
    const r = replay('openai/costs-live-clamped-page.json', 'openai/costs-spec.json');
    const days = await openai(r.fetch).dailyCosts(range('2026-10-01', '2026-11-23'));
    expect(days).toHaveLength(34);
    expect(r.urls.map((u) => u.searchParams.get('page'))).toEqual([null, 'page_AAAAAGdUdW0AAAAA']);
    const withoutPage = r.urls.map((u) => {
      const q = new URLSearchParams(u.searchParams);
      q.delete('page');
      return q.toString();
    });
    expect(withoutPage[1]).toBe(withoutPage[0]);
    expect(r.urls[0]?.searchParams.get('limit')).toBe('180');
  });

  it('a non-numeric amount string fails naming its JSON path', async () => {
    const e = await failure(
      openai(replay('openai/costs-live-non-numeric.json').fetch).dailyCosts(
        range('2026-11-20', '2026-11-21'),
      ),
    );
    expect(e).toBeInstanceOf(ProviderResponseError);
    expect(e?.message).toBe(
      'openai: openai costs: data[0].results[1].amount.value: expected a decimal amount (a number or a numeric string), got "NaN"',
    );
  });

  it('a non-USD currency fails naming the currency and the path', async () => {
    const e = await failure(
      openai(replay('openai/costs-live-eur.json').fetch).dailyCosts(range('2026-11-20', '2026-11-21')),
    );
    expect(e?.message).toMatch(
      /^openai: openai costs: data\[0\]\.results\[0\]\.amount\.currency: currency "eur" is not USD/,
    );
  });
});

describe('OpenAI usage pages', () => {
  it.each(['openai/usage-completions-spec.json', 'openai/usage-completions-live-nulls.json'])(
    '%s prices to the same estimate (null token fields are zero)',
    async (path) => {
      const e = await openai(replay(path).fetch).usageEstimate({
        start: new Date('2026-11-24T00:00:00Z'),
        end: new Date('2026-11-24T01:00:00Z'),
      });
      expect(e.amountMicros).toBe(2_000_000); // 400k × $2.50 + 100k × $10 per 1M (gpt-4o)
    },
  );
});

describe('OpenAI errors', () => {
  it.each([
    ['openai/error-403-bare-string.json', 'missing-scope', 'HTTP 403: You have insufficient permissions'],
    [
      'openai/error-401-envelope.json',
      'missing-scope',
      'HTTP 401: invalid_request_error: You have insufficient',
    ],
    [
      'openai/error-401-invalid-key.json',
      'invalid-key',
      'HTTP 401: invalid_request_error: Incorrect API key provided: sk-…',
    ],
  ] as const)('%s is a ProviderAuthError (%s)', async (path, reason, text) => {
    const e = await failure(openai(replay(path).fetch).dailyCosts(range('2026-11-20', '2026-11-21')));
    expect(e).toBeInstanceOf(ProviderAuthError);
    expect((e as ProviderAuthError).reason).toBe(reason);
    expect(e?.message).toContain(text);
    expect(e?.message).toContain('Organization settings → Admin keys');
    expect(e?.message).not.toMatch(/malformed|wxyz|fixture-key/);
  });

  it('a missing-scope message names the scope to add', async () => {
    const e = await failure(
      openai(replay('openai/error-403-bare-string.json').fetch).dailyCosts(range('2026-11-20', '2026-11-21')),
    );
    expect(e?.message).toContain('this key lacks `api.usage.read`');
  });

  it('400 limit is a response error quoting the provider, not retried', async () => {
    const r = replay('openai/error-400-limit.json');
    const e = await failure(openai(r.fetch).dailyCosts(range('2026-11-20', '2026-11-21')));
    expect(e).toBeInstanceOf(ProviderResponseError);
    expect(e?.message).toContain('Limit must be less than or equal to 180');
    expect(r.urls).toHaveLength(1);
  });
});

describe('Anthropic cost_report pages', () => {
  it('spec shape: cents strings', async () => {
    const days = await anthropic(replay('anthropic/cost-report-spec.json').fetch).dailyCosts(
      range('2026-11-20', '2026-11-22'),
    );
    expect(days).toEqual([
      { day: '2026-11-20', amountMicros: 12_790_000, byScope: { wrkspc_a: 12_500_000, '(none)': 290_000 } },
      { day: '2026-11-21', amountMicros: 1_237_891, byScope: { wrkspc_a: 1_237_891 } },
    ]);
  });

  it('live shape: "41280.000000" and "4.128e4" are both $412.80, uppercase USD, extra keys, partial day dropped', async () => {
    const days = await anthropic(replay('anthropic/cost-report-live-exponent.json').fetch).dailyCosts(
      range('2026-11-20', '2026-11-22'),
    );
    expect(days).toEqual([
      {
        day: '2026-11-20',
        amountMicros: 825_600_015,
        byScope: { wrkspc_a: 412_800_000, '(none)': 412_800_015 },
      },
      { day: '2026-11-21', amountMicros: 0, byScope: {} },
    ]);
  });

  it('a non-USD currency fails naming it and its path', async () => {
    const e = await failure(
      anthropic(replay('anthropic/cost-report-live-eur.json').fetch).dailyCosts(
        range('2026-11-20', '2026-11-21'),
      ),
    );
    expect(e?.message).toMatch(
      /^anthropic: anthropic cost_report: data\[0\]\.results\[0\]\.currency: currency "EUR" is not USD/,
    );
  });
});

describe('Anthropic usage pages and errors', () => {
  it.each(['anthropic/usage-messages-spec.json', 'anthropic/usage-messages-live-nulls.json'])(
    '%s prices to the same estimate (null cache_creation fields are zero)',
    async (path) => {
      const e = await anthropic(replay(path).fetch).usageEstimate({
        start: new Date('2026-11-24T01:00:00Z'),
        end: new Date('2026-11-24T02:00:00Z'),
      });
      expect(e.amountMicros).toBe(1_920_000); // 600k uncached × $3 + 400k cache reads × $0.30 per 1M
    },
  );

  it.each([
    ['anthropic/error-401-invalid-key.json', 'invalid-key'],
    ['anthropic/error-403-not-admin.json', 'not-admin-key'],
  ] as const)('%s is a ProviderAuthError (%s)', async (path, reason) => {
    const e = await failure(anthropic(replay(path).fetch).dailyCosts(range('2026-11-20', '2026-11-21')));
    expect(e).toBeInstanceOf(ProviderAuthError);
    expect((e as ProviderAuthError).reason).toBe(reason);
    expect(e?.message).toContain('Settings → Admin keys');
    expect(e?.message).not.toContain('fixture-key');
  });
});
