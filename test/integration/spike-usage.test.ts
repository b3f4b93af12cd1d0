import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Fake, MODES, PROVIDERS } from '../support/providers.ts';

/**
 * Hourly usage for the spike alert, per provider, over the real wire format of each fake: one
 * request grouped by project/workspace and model, hour by hour, across midnight.
 */
describe.each(PROVIDERS.flatMap((p) => MODES.map((mode) => ({ ...p, mode }))))(
  '$name hourly usage for the spike alert ($mode)',
  (p) => {
    let fake: Fake;
    const client = () => p.client(fake, { sleep: async () => {}, maxRetries: 1 });

    beforeAll(async () => {
      fake = await p.start({ mode: p.mode });
    });
    afterAll(() => fake.stop());
    beforeEach(() => {
      fake.requests.length = 0;
    });

    it('breaks each hour down by project/workspace and model, and names unknown models per hour', async () => {
      // p.model: 400k input + 100k output tokens cost p.estimateMicros.
      const row = { model: p.model, input_tokens: 400_000, output_tokens: 100_000 };
      fake.setUsage([
        { hour: '2026-11-24T23:00:00Z', ...row, projectId: 'proj_loop' },
        { hour: '2026-11-24T23:00:00Z', ...row, projectId: 'proj_loop' },
        { hour: '2026-11-24T23:00:00Z', ...row, projectId: null },
        { hour: '2026-11-24T23:00:00Z', model: 'mystery-model', input_tokens: 9, output_tokens: 9 },
        { hour: '2026-11-25T00:00:00Z', ...row, projectId: 'proj_web' },
      ]);
      // A run at 00:10: the usage range starts at yesterday 23:00 (the last complete hour).
      const e = await client().usageEstimate({
        start: new Date('2026-11-24T23:00:00Z'),
        end: new Date('2026-11-25T00:10:00Z'),
      });
      expect(fake.requests).toHaveLength(1);
      const m = p.estimateMicros;
      expect(e.hours.map((h) => [h.start.toISOString(), h.amountMicros])).toEqual([
        ['2026-11-24T23:00:00.000Z', 3 * m],
        ['2026-11-25T00:00:00.000Z', m],
      ]);
      expect(e.hours[0]?.byScope).toEqual({ proj_loop: 2 * m, '(none)': m });
      expect(e.hours[0]?.byModel).toEqual({ [p.model]: 3 * m });
      expect(e.hours[0]?.unknownModels).toEqual(['mystery-model']);
      expect(e.hours[1]?.byScope).toEqual({ proj_web: m });
      expect(e.hours[1]?.unknownModels).toEqual([]);
      expect(e.amountMicros).toBe(4 * m);
      expect(e.unknownModels).toEqual(['mystery-model']);
      // Today's estimate counts only today's hours; the hours still cover yesterday 23:00.
      const today = await client().usageEstimate({
        start: new Date('2026-11-24T23:00:00Z'),
        end: new Date('2026-11-25T00:10:00Z'),
        countFrom: new Date('2026-11-25T00:00:00Z'),
      });
      expect(today.amountMicros).toBe(m);
      expect(today.unknownModels).toEqual([]);
      expect(today.hours).toEqual(e.hours);
      // Today's split and top models per project come from the counted hours only.
      expect(today.byScope).toEqual({ proj_web: m });
      expect(today.byScopeModel).toEqual({ proj_web: { [p.model]: m } });
      expect(e.byScope).toEqual({ proj_loop: 2 * m, '(none)': m, proj_web: m });
    });

    it('breaks usage down per project/workspace and model, hour by hour and for the counted hours', async () => {
      const row = { input_tokens: 400_000, output_tokens: 100_000 };
      const other = p.name === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5';
      fake.setUsage([
        { hour: '2026-11-25T01:00:00Z', model: p.model, ...row, projectId: 'proj_a' },
        { hour: '2026-11-25T01:00:00Z', model: other, ...row, projectId: 'proj_a' },
        { hour: '2026-11-25T02:00:00Z', model: p.model, ...row, projectId: 'proj_a' },
        { hour: '2026-11-25T02:00:00Z', model: other, ...row, projectId: 'proj_b' },
      ]);
      const e = await client().usageEstimate({
        start: new Date('2026-11-25T00:00:00Z'),
        end: new Date('2026-11-25T02:30:00Z'),
        countFrom: new Date('2026-11-25T00:00:00Z'),
      });
      const m = p.estimateMicros;
      const o = e.hours[0]?.byModel[other] ?? 0;
      expect(o).toBeGreaterThan(0);
      expect(e.hours[0]?.byScopeModel).toEqual({ proj_a: { [p.model]: m, [other]: o } });
      expect(e.hours[1]?.byScopeModel).toEqual({ proj_a: { [p.model]: m }, proj_b: { [other]: o } });
      expect(e.byScopeModel).toEqual({ proj_a: { [p.model]: 2 * m, [other]: o }, proj_b: { [other]: o } });
      expect(e.byScope).toEqual({ proj_a: 2 * m + o, proj_b: o });
    });
  },
);
