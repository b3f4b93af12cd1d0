import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROPAGATION_MS,
  FakeEnforcement,
  type SpendRow,
} from '../../shared/local/fakes/limit-enforcement.ts';

/**
 * The fakes' propagation delay (issue 18 item 8), on the enforcement alone: a limit written at 15:40
 * by the fake's clock is in force 5 minutes later by default, and after whatever delay is configured.
 */
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const MIN = 60_000;
/** $2 a minute in Search from 15:20 to 16:00. */
const rows: SpendRow[] = Array.from({ length: 40 }, (_, i) => ({
  at: T('15:20') + i * MIN,
  scope: 'proj_search',
  micros: 2_000_000,
}));
const noCosts = () => undefined;
const lastServed = (e: FakeEnforcement) => {
  const keep = e.served(rows, noCosts);
  return new Date(Math.max(...rows.filter((_, i) => keep[i]).map((r) => r.at))).toISOString().slice(11, 16);
};

describe('FakeEnforcement propagation delay', () => {
  it('defaults to 5 minutes: a limit at the spend written at 15:40 stops the loop from 15:45', () => {
    const e = new FakeEnforcement(() => T('15:40'));
    expect(e.delayMs).toBe(DEFAULT_PROPAGATION_MS);
    expect(DEFAULT_PROPAGATION_MS).toBe(5 * MIN);
    e.recordLimit('proj_search', 100); // $1: reached at once
    expect(lastServed(e)).toBe('15:44');
  });

  it('is configurable: 15 minutes in the constructor, or 1 minute set later', () => {
    const slow = new FakeEnforcement(() => T('15:40'), 15 * MIN);
    slow.recordLimit('proj_search', 100);
    expect(lastServed(slow)).toBe('15:54');
    const fast = new FakeEnforcement(() => T('15:40'));
    fast.delayMs = MIN;
    fast.recordLimit('proj_search', 100);
    expect(lastServed(fast)).toBe('15:40');
  });

  it('a DELETE is delayed too: the loop resumes 5 minutes after the limit is removed', () => {
    let now = T('15:30');
    const e = new FakeEnforcement(() => now);
    e.recordLimit('proj_search', 100);
    now = T('15:45');
    e.recordLimit('proj_search', null);
    const keep = e.served(rows, noCosts);
    const served = rows.filter((_, i) => keep[i]).map((r) => new Date(r.at).toISOString().slice(11, 16));
    expect(served[14]).toBe('15:34');
    expect(served[15]).toBe('15:50');
  });
});
