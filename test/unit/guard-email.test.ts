import { describe, expect, it } from 'vitest';
import { alertMessages } from '../../shared/chat/alert-message.ts';
import { candidate } from '../../shared/core/alert-keys.ts';
import type { GuardFacts } from '../../shared/email/guard-text.ts';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { renderDigestEmail } from '../../shared/email/render-digest-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import type { FreezeRecord } from '../../shared/ports.ts';
import { buildInput, buildProjectInput, KIND_SCENARIOS } from '../support/render-emails.ts';

/**
 * The guard in the texts (issue 18 items 4-6), rendered from the real models: the auto email's
 * lead, the approve link in the spike email and chat message, and the frozen line in every email.
 */
const FROZEN: FreezeRecord = {
  version: 3,
  projectId: 'proj_search',
  incident: 'guard:proj_search:2026-11-24',
  mode: 'auto',
  status: 'frozen',
  proposedAt: '2026-11-24T08:40:00.000Z',
  hourStart: '2026-11-24T08:00:00.000Z',
  hourSpendMicros: 40_000_000,
  monthToDateMicros: 52_200_000,
  headroomCents: 500,
  lever: 'limit',
  prior: { state: 'none' },
  thresholdCents: 5_720,
  appliedAt: '2026-11-24T08:41:00.000Z',
};
const LINKS = { freeze: 'https://guard.example/?t=F.x', undo: 'https://guard.example/?t=U.y' };
const facts = (z: FreezeRecord, links = true): GuardFacts => ({
  freezes: new Map([[z.projectId, z]]),
  links: links ? new Map([[z.projectId, LINKS]]) : new Map(),
});
const spikeAndGuard = () => {
  const input = buildInput(KIND_SCENARIOS.guard);
  return {
    ...input,
    alerts: [candidate({ kind: 'spike', day: '2026-11-24' }), ...input.alerts],
  };
};

describe('guard texts', () => {
  it('auto: the email leads with what was done, how requests fail, and the undo (link and command)', () => {
    const email = renderAlertEmail({ ...spikeAndGuard(), guard: facts(FROZEN) });
    expect(email.subject).toBe(
      'Acme production: Frozen Search at $57.20 (hard limit); requests now get 429 project_spend_limit_exceeded within minutes (+1 more)',
    );
    expect(email.text).toContain(
      '* Frozen Search at $57.20 (hard limit); requests now get 429 project_spend_limit_exceeded within minutes\n  Undo: https://guard.example/?t=U.y or npx burnrate guard release --account acme --project proj_search',
    );
    // Without a guard page, the command alone.
    const plain = renderAlertEmail({ ...spikeAndGuard(), guard: facts(FROZEN, false) });
    expect(plain.text).toContain(
      'within minutes\n  Undo: npx burnrate guard release --account acme --project proj_search',
    );
  });

  it('approve: the spike email and its chat message carry "Freeze Search now" (the link, else the command)', () => {
    const proposed: FreezeRecord = { ...FROZEN, mode: 'approve', status: 'proposed', version: 1 };
    for (const [links, want] of [
      [true, 'Freeze Search now: https://guard.example/?t=F.x'],
      [false, 'Freeze Search now: npx burnrate guard freeze --account acme --project proj_search'],
    ] as const) {
      const input = { ...spikeAndGuard(), guard: facts(proposed, links) };
      const messages = alertMessages({
        config: input.account,
        figures: input.figures,
        alerts: input.alerts,
        guard: input.guard,
      });
      const spike = messages.find((m) => m.kind === 'spike');
      expect(spike?.content.nextSteps?.[0]).toContain(want.replace('npx', '`npx'));
      expect(renderAlertEmail(input).text).toContain(want);
    }
    // A spike with no guard facts (no guard step) says nothing of the guard.
    const bare = alertMessages({
      config: spikeAndGuard().account,
      figures: spikeAndGuard().figures,
      alerts: [candidate({ kind: 'spike', day: '2026-11-24' })],
    });
    expect(bare[0]?.content.nextSteps?.[0]).not.toContain('Freeze');
  });

  it('a freeze in force is in every email: the account email, the project email and the digest', () => {
    const line = 'Search frozen since 08:41 UTC at $57.20 (hard limit)';
    const quiet = buildInput({
      ...KIND_SCENARIOS['low-balance'],
      ...{ config: KIND_SCENARIOS.guard.config },
    });
    expect(renderAlertEmail({ ...quiet, guard: facts(FROZEN) }).text).toContain(line);
    expect(renderAlertEmail(quiet).text).not.toContain('frozen since');
    const project = buildProjectInput({ ...KIND_SCENARIOS.guard, split: { proj_search: 1 } }, 'proj_search');
    expect(renderProjectEmail({ ...project, guard: facts(FROZEN) }).text).toContain(line);
    const { alerts: _, ...digest } = quiet;
    expect(renderDigestEmail({ ...digest, week: '2026-11-23', guard: facts(FROZEN) }).text).toContain(line);
    // Released: no longer said.
    const released: FreezeRecord = { ...FROZEN, status: 'released', releasedAt: '2026-11-24T08:50:00.000Z' };
    expect(renderAlertEmail({ ...quiet, guard: facts(released) }).text).not.toContain('frozen since');
  });
});
