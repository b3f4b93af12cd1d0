import type { SpendRow } from '../../shared/local/fakes/limit-enforcement.ts';
import type { UsageRow } from '../../shared/local/fakes/openai-fake.ts';
import type { GuardSetup } from '../support/guard-setup.ts';

/**
 * The guard bench's day (issue 18 "Measure"): an ordinary day ($2 an hour in Web, as in the 30 days
 * before; a usual hour is then $2 and the spike threshold max($10, 5 × $48 / 24) = $10), and from
 * 15:20 UTC a loop in Search at $2 a minute until midnight unless the provider stops it. Usage
 * shows up in the provider's report 5 minutes after it happens ("typically within 5 minutes",
 * GUARD.md §4), as in the spike bench.
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY_START = Date.parse('2026-11-24T00:00:00Z');
export const LOOP_START = DAY_START + 15 * HOUR + 20 * MINUTE;
export const USAGE_LAG_MS = 5 * MINUTE;
export const ORDINARY_USD_PER_DAY = 48;
const ORDINARY_SLICE = 15 * MINUTE;

/** Tokens for exactly $2 (loop minute) and $0.50 (15 minutes of ordinary use) at list price. */
const TOKENS = {
  openai: { model: 'gpt-4o', loop: [400_000, 100_000], ordinary: [100_000, 25_000] }, // $2.50 / $10 per 1M
  anthropic: { model: 'claude-haiku-4-5', loop: [1_000_000, 200_000], ordinary: [250_000, 50_000] }, // $1 / $5 per 1M
} as const;
export const LOOP_MICROS_PER_MINUTE = 2_000_000;
const ORDINARY_MICROS = 500_000;

const webOf = (s: GuardSetup) => s.project.replace('search', 'web');

interface Scripted {
  at: number;
  scope: string;
  loop: boolean;
  apiKeyId?: string;
}

/** Every slice of the day: ordinary Web spend every 15 minutes, the loop every minute from `loopStart`. */
function script(s: GuardSetup, loopStart: number): Scripted[] {
  const out: Scripted[] = [];
  const anthropic = s.provider === 'anthropic';
  for (let t = DAY_START; t < DAY_START + 24 * HOUR; t += ORDINARY_SLICE)
    out.push({ at: t, scope: webOf(s), loop: false, ...(anthropic && { apiKeyId: 'apikey_web' }) });
  let i = 0;
  for (let t = loopStart; t < DAY_START + 24 * HOUR; t += MINUTE, i++)
    out.push({
      at: t,
      scope: s.project,
      loop: true,
      ...(anthropic && { apiKeyId: i % 2 ? 'apikey_loop2' : 'apikey_loop1' }),
    });
  return out;
}

/** The usage rows the provider has recorded by `now` (what happened up to now − lag). */
export function usageAt(s: GuardSetup, now: number, loopStart = LOOP_START): UsageRow[] {
  const t = TOKENS[s.provider];
  return script(s, loopStart)
    .filter((r) => r.at < now - USAGE_LAG_MS)
    .map((r) => {
      const [input, output] = r.loop ? t.loop : t.ordinary;
      return {
        hour: new Date(r.at).toISOString(),
        model: t.model,
        projectId: r.scope,
        input_tokens: input,
        output_tokens: output,
        ...(r.apiKeyId && { apiKeyId: r.apiKeyId }),
      };
    });
}

/** The whole day as spend (for the fake's enforcement to say which slices it served); `loop` marks the loop's. */
export function daySpend(s: GuardSetup, loopStart = LOOP_START): Array<SpendRow & { loop: boolean }> {
  return script(s, loopStart).map((r) => ({
    at: r.at,
    scope: r.scope,
    micros: r.loop ? LOOP_MICROS_PER_MINUTE : ORDINARY_MICROS,
    apiKeyId: r.apiKeyId ?? null,
    loop: r.loop,
  }));
}

/** The 30 days before: $48 a day in Web, nothing in Search. */
export function history(s: GuardSetup): Record<string, Array<{ projectId: string; usd: number }>> {
  const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
  for (let i = 1; i <= 30; i++)
    costs[new Date(DAY_START - i * 24 * HOUR).toISOString().slice(0, 10)] = [
      { projectId: webOf(s), usd: ORDINARY_USD_PER_DAY },
    ];
  return costs;
}

export const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
