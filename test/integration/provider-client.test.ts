import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ProviderAuthError,
  ProviderResponseError,
  ProviderUnavailableError,
} from '../../shared/providers/errors.ts';
import { type ClientOptions, type Fake, MODES, PROVIDERS } from '../support/providers.ts';

const DAY = 86_400_000;
const start = new Date('2026-08-26T00:00:00Z');
const end = new Date(start.getTime() + 90 * DAY);

function history() {
  const h: Record<string, Array<{ projectId?: string | null; usd: number }>> = {};
  for (let i = 0; i < 90; i++) {
    h[new Date(start.getTime() + i * DAY).toISOString().slice(0, 10)] = [
      { projectId: 'scope_a', usd: 1.1 + i / 100 },
      { projectId: null, usd: 0.29 },
    ];
  }
  return h;
}

/**
 * The same behaviour, asserted once, for every provider behind the CostSource port, against each
 * fake answering as the spec says and as the live API does.
 */
const CASES = PROVIDERS.flatMap((p) => MODES.map((mode) => ({ ...p, mode })));
describe.each(CASES)('$name client against its fake API ($mode)', (p) => {
  /** Buckets per page: the live OpenAI costs endpoint clamps to 31 whatever `limit` says. */
  const perPage = p.mode === 'live' ? Math.min(p.pageMax, 31) : p.pageMax;
  let fake: Fake;
  let small: Fake;
  const sleeps: number[] = [];
  const client = (f: Fake = fake, o: ClientOptions = {}) =>
    p.client(f, {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      timeoutMs: 500,
      maxRetries: 3,
      ...o,
    });
  const range = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z') };

  beforeAll(async () => {
    fake = await p.start({ mode: p.mode });
    small = await p.start({ maxPageSize: 7, mode: p.mode });
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

  it('reads 90 days with the per-scope breakdown, the unscoped part under (none)', async () => {
    const days = await client().dailyCosts({ start, end });
    expect(days).toHaveLength(90);
    expect(fake.requests).toHaveLength(Math.ceil(90 / perPage));
    expect(days[0]).toEqual({
      day: '2026-08-26',
      amountMicros: 1_390_000,
      byScope: { scope_a: 1_100_000, '(none)': 290_000 },
    });
    expect(days[89]?.day).toBe('2026-11-23');
  });

  it('follows the cursor across small pages', async () => {
    const days = await client(small).dailyCosts({ start, end });
    expect(days.map((d) => d.amountMicros)).toEqual(
      (await client().dailyCosts({ start, end })).map((d) => d.amountMicros),
    );
    expect(small.requests).toHaveLength(Math.ceil(90 / 7));
    expect(small.requests[1]?.query.get('page')).toMatch(/^page_/);
  });

  it('prices today’s hourly usage as an estimate and reports unknown models', async () => {
    fake.setUsage([
      { hour: '2026-11-24T03:00:00Z', model: p.model, input_tokens: 400_000, output_tokens: 100_000 },
      { hour: '2026-11-24T04:00:00Z', model: 'mystery-model', input_tokens: 5, output_tokens: 5 },
    ]);
    const e = await client().usageEstimate({
      start: new Date('2026-11-24T00:00:00Z'),
      end: new Date('2026-11-24T09:00:00Z'),
    });
    expect(e.amountMicros).toBe(p.estimateMicros);
    expect(e.unknownModels).toEqual(['mystery-model']);
  });

  it('429 then success, waiting what Retry-After says', async () => {
    fake.injectFaults([{ kind: '429', retryAfter: 7 }]);
    await expect(client().dailyCosts(range)).resolves.toHaveLength(2);
    expect(sleeps).toEqual([7000]);
  });

  it('5xx is retried with exponential backoff and jitter, then succeeds; forever, it gives up', async () => {
    fake.injectFaults([{ kind: '500' }, { kind: '500' }]);
    await expect(client().dailyCosts(range)).resolves.toHaveLength(2);
    expect(sleeps).toEqual([250, 500]);
    fake.injectFaults([{ kind: '500' }, { kind: '500' }, { kind: '500' }, { kind: '500' }]);
    const error = await client()
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`^${p.name}: .*gave up after 4 attempts`));
  });

  it('a timeout and a reset connection are retried', async () => {
    fake.injectFaults([{ kind: 'timeout' }, { kind: 'reset' }]);
    await expect(client().dailyCosts(range)).resolves.toHaveLength(2);
    expect(fake.requests).toHaveLength(3);
  });

  it('a slow answer inside the timeout and the deadline is simply waited for', async () => {
    fake.injectFaults([{ kind: 'slow', ms: 300 }]);
    await expect(
      client(fake, { timeoutMs: 5_000, deadline: Date.now() + 30_000 }).dailyCosts(range),
    ).resolves.toHaveLength(2);
    expect(fake.requests).toHaveLength(1);
  });

  it('a provider slower than the deadline: the attempt is cut at the deadline and nothing is retried past it', async () => {
    fake.injectFaults(Array.from({ length: 5 }, () => ({ kind: 'slow' as const, ms: 20_000 })));
    const started = Date.now();
    const error = await client(fake, { timeoutMs: 15_000, deadline: started + 1_500 })
      .dailyCosts(range)
      .catch((e: unknown) => e);
    fake.clearFaults();
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${p.name}: .*gave up after 1 attempts \\(no time left before this account's deadline for another\\): timed out`,
      ),
    );
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    // Cut at the deadline (1.5 s), not at the 15 s request timeout: bounded by behaviour, not speed.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('retries stop when the next wait and attempt would pass the deadline (clock advanced by the waits)', async () => {
    let t = 0;
    const timed = (o: ClientOptions) =>
      client(fake, {
        ...o,
        clock: () => t,
        sleep: async (ms) => {
          sleeps.push(ms);
          t += ms;
        },
      });
    fake.injectFaults([{ kind: '500' }, { kind: '500' }, { kind: '500' }]);
    // Waits with jitter 0.5: 250, 500, ... An attempt needs >= 1 s: 0 + 250 + 1000 <= 1600, 250 + 500 + 1000 > 1600.
    const error = await timed({ deadline: 1_600 })
      .dailyCosts(range)
      .catch((e: unknown) => e);
    fake.clearFaults();
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/gave up after 2 attempts \(no time left .*\): HTTP 5\d\d/);
    expect(fake.requests).toHaveLength(2);
    expect(sleeps).toEqual([250]);
    // No time for even one attempt: nothing is sent.
    t = 0;
    await expect(timed({ deadline: 900 }).dailyCosts(range)).rejects.toThrow(
      /no time left before this account's deadline before the first attempt/,
    );
    expect(fake.requests).toHaveLength(2);
  });

  it('a rejected key is an auth error after exactly one request', async () => {
    const error = await client(fake, { adminKey: 'wrong-admin-key-secret' })
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as ProviderAuthError).reason).toBe('invalid-key');
    expect(fake.requests).toHaveLength(1);
  });

  it('truncated JSON, a malformed field, and has_more without a cursor are errors that say what is wrong', async () => {
    fake.injectFaults([{ kind: 'truncated' }]);
    await expect(client().dailyCosts(range)).rejects.toThrow(/response is not complete JSON/);
    fake.injectFaults([{ kind: 'malformed' }]);
    const malformed = await client()
      .dailyCosts(range)
      .catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(ProviderResponseError);
    expect((malformed as Error).message).toMatch(/data\[0\]\.results\[0\]\.amount/);
    fake.injectFaults([{ kind: 'has_more_without_next' }]);
    await expect(client().dailyCosts(range)).rejects.toThrow('has_more is true but next_page is null');
  });

  it('never puts the admin key in an error', async () => {
    const errors: unknown[] = [];
    for (const kind of ['401', 'truncated', 'malformed'] as const) {
      fake.injectFaults([{ kind }]);
      errors.push(
        await client()
          .dailyCosts(range)
          .catch((e: unknown) => e),
      );
    }
    errors.push(
      await client(fake, { adminKey: 'sk-admin-WRONG-secret' })
        .dailyCosts(range)
        .catch((e: unknown) => e),
    );
    for (const e of errors) {
      const err = e as Error;
      const all = `${err.message}\n${err.stack}\n${JSON.stringify(err)}`;
      expect(all).not.toContain(fake.adminKey);
      expect(all).not.toContain('sk-admin-WRONG-secret');
    }
  });
});
