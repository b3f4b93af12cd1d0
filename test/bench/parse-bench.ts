import { AnthropicCostSource } from '../../shared/providers/anthropic/client.ts';
import { OpenAiCostSource } from '../../shared/providers/openai/client.ts';

/**
 * Cost of reading amounts exactly: the clients over in-memory pages (no network), spec-shaped
 * (OpenAI numbers, Anthropic plain cents) against live-shaped (numeric strings with 10 decimals,
 * exponent cents, extra keys). 90 days × 50 rows, pages of 31 buckets as the live API sends them.
 */
const DAYS = 90;
const ROWS = 50;
const DAY = 86_400;
const START = Date.parse('2026-08-26T00:00:00Z') / 1000;

function openAiPages(live: boolean): unknown[] {
  const buckets = Array.from({ length: DAYS }, (_, d) => ({
    object: 'bucket',
    start_time: START + d * DAY,
    end_time: START + (d + 1) * DAY,
    results: Array.from({ length: ROWS }, (_, r) => {
      const usd = (d * ROWS + r) / 997;
      return {
        object: 'organization.costs.result',
        amount: { value: live && r % 2 ? usd.toFixed(10) : usd, currency: 'usd' },
        line_item: live ? 'gpt-5, input' : null,
        project_id: `proj_${r % 5}`,
        ...(live
          ? { project_name: null, organization_id: 'org', quantity: null, user_email: null, api_key_id: null }
          : {}),
      };
    }),
  }));
  return paged(buckets, (data, more, i) => ({
    object: 'page',
    data,
    has_more: more,
    next_page: more ? `p${i}` : null,
  }));
}

function anthropicPages(live: boolean): unknown[] {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  const buckets = Array.from({ length: DAYS }, (_, d) => ({
    starting_at: iso(START + d * DAY),
    ending_at: iso(START + (d + 1) * DAY),
    results: Array.from({ length: ROWS }, (_, r) => {
      const cents = `${d * ROWS + r}.${String(r * 37).padStart(4, '0')}`;
      return {
        currency: 'USD',
        amount: live && r % 2 ? `${cents.replace('.', '')}e-4` : cents,
        workspace_id: `wrkspc_${r % 5}`,
        ...(live ? { list_amount: cents, model: null, token_type: null, product: null, requests: null } : {}),
      };
    }),
  }));
  return paged(buckets, (data, more, i) => ({ data, has_more: more, next_page: more ? `p${i}` : null }));
}

function paged<B>(buckets: B[], page: (data: B[], more: boolean, i: number) => unknown): unknown[] {
  const out = [];
  for (let i = 0; i * 31 < buckets.length; i++)
    out.push(page(buckets.slice(i * 31, (i + 1) * 31), (i + 1) * 31 < buckets.length, i + 1));
  return out;
}

function replay(pages: unknown[]): typeof fetch {
  const bodies = pages.map((p) => JSON.stringify(p));
  return async (input) => {
    const page = new URL(String(input)).searchParams.get('page');
    return new Response(bodies[page ? Number(page.slice(1)) : 0], { status: 200 });
  };
}

async function time(label: string, run: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await run(); // warm up
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await run();
  const ms = (performance.now() - t0) / n;
  console.log(`  ${label.padEnd(52)} ${ms.toFixed(2)} ms per ${DAYS}-day read (${DAYS * ROWS} rows)`);
}

export async function parseBench(): Promise<void> {
  console.log('provider parsing: exact decimal amounts, spec- vs live-shaped pages (in memory)');
  const range = { start: new Date(START * 1000), end: new Date((START + DAYS * DAY) * 1000) };
  for (const live of [false, true]) {
    const o = new OpenAiCostSource({
      adminKey: 'sk-admin-bench',
      baseUrl: 'http://bench.invalid/v1',
      fetch: replay(openAiPages(live)),
    });
    await time(`openai costs, ${live ? 'live (strings, extra keys)' : 'spec (numbers)'}`, () =>
      o.dailyCosts(range),
    );
  }
  for (const live of [false, true]) {
    const a = new AnthropicCostSource({
      adminKey: 'sk-ant-admin01-bench',
      baseUrl: 'http://bench.invalid/v1',
      fetch: replay(anthropicPages(live)),
    });
    await time(`anthropic cost_report, ${live ? 'live (exponents, extra keys)' : 'spec (cents)'}`, () =>
      a.dailyCosts(range),
    );
  }
}
