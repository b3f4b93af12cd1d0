import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CountingMetrics } from '../../shared/metrics/emf-metrics.ts';
import type { FreezeRecord, GuardStore } from '../../shared/ports.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { accountPk } from '../../shared/store/keys.ts';
import type { GuardDeps } from '../../shared/use-cases/guard-context.ts';
import { AUTO, freezeProject, RETRY } from '../../shared/use-cases/guard-freeze.ts';
import { guardProposal, proposeIncident } from '../../shared/use-cases/guard-proposal.ts';
import { releaseProject } from '../../shared/use-cases/guard-release.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import {
  GUARD_SETUPS,
  type GuardFake,
  guardDepsFor,
  limitsOf,
  loopRows,
  seedGuardCosts,
  startGuardFake,
} from '../support/guard-setup.ts';
import { MODES } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const INCIDENT = (p: string) => `guard:${p}:2026-11-24`;
/** Search's month to date is $50.20 (seedGuardCosts): with $5 headroom the freeze is $55.20. */
const THRESHOLD = 5_520;

describe.each(GUARD_SETUPS.flatMap((s) => MODES.map((mode) => ({ ...s, mode }))))(
  'the freeze ($name, $mode)',
  (s) => {
    let fake: GuardFake;
    let table: string;
    let now: number;
    let deps: GuardDeps;
    let metrics: CountingMetrics;
    const writes = () => fake.requests.filter((r) => r.method === 'POST' || r.method === 'DELETE');
    const limitWrites = () => writes().filter((r) => r.path.includes('spend_limit'));
    const keyWrites = () => writes().filter((r) => r.path.includes('api_keys'));
    const providerCents = async () => {
      const have = await limitsOf(s, fake).get({ type: 'project', id: s.project });
      return have.state === 'set' ? have.thresholdCents : null;
    };
    const status = (id: string) => ('apiKeyStatus' in fake ? fake.apiKeyStatus(id) : undefined);
    const record = async () =>
      (await deps.store.loadAccount('acme')).freezes?.find((z) => z.projectId === s.project) as FreezeRecord;
    const trail = async () => (await deps.store.listAudit('acme')).map((a) => a.action);

    async function propose(mode: 'approve' | 'auto' = 'approve') {
      await proposeIncident(deps, {
        accountId: 'acme',
        current: undefined,
        target: {
          projectId: s.project,
          incident: INCIDENT(s.project),
          mode,
          hourStart: T('15:00'),
          hourSpendMicros: 40_000_000,
        },
        monthToDateMicros: 50_200_000,
        headroomUsd: 5,
        at: new Date(now).toISOString(),
        projectName: 'Search',
      });
    }

    beforeEach(async () => {
      now = T('15:40');
      fake = await startGuardFake(s, s.mode, () => now);
      fake.setUsage(loopRows(s, T('15:20'), T('15:35')));
      table = await ddb.freshTable('guard');
      await seedAccount(ddb.doc, table, {
        id: 'acme',
        provider: s.provider,
        name: 'Acme production',
        recipients: ['ops@acme.example'],
        projects: { [s.project]: { name: 'Search', guard: { mode: 'approve' } } },
      });
      await seedGuardCosts(ddb.doc, table, 'acme', s.project);
      metrics = new CountingMetrics();
      deps = { ...guardDepsFor(s, fake, ddb.doc, table, () => new Date(now)), metrics };
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('freezes once: the prior state is stored first, the provider written once and read back; a second call writes nothing', async () => {
      await propose();
      const first = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: 'approval page, link 1a2b3c4d',
      });
      expect(first.outcome.state).toBe('frozen');
      const z = await record();
      if (s.lever === 'limit') {
        expect(first.outcome.message).toContain('Frozen Search at $55.20 (hard limit)');
        expect(await providerCents()).toBe(THRESHOLD);
        expect(z).toMatchObject({
          status: 'frozen',
          lever: 'limit',
          prior: { state: 'none' },
          thresholdCents: THRESHOLD,
        });
        expect(limitWrites()).toHaveLength(1);
      } else {
        // The two keys that spent in the spiking hour are switched off; the idle one and Web's are not.
        expect(z).toMatchObject({
          status: 'frozen',
          lever: 'keys',
          keyIds: ['apikey_loop1', 'apikey_loop2'],
        });
        expect([
          status('apikey_loop1'),
          status('apikey_loop2'),
          status('apikey_idle'),
          status('apikey_web'),
        ]).toEqual(['inactive', 'inactive', 'active', 'active']);
        expect(keyWrites()).toHaveLength(2);
      }
      const again = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: AUTO,
      });
      expect(again.outcome.state).toBe('frozen');
      expect(again.writes).toBe(0);
      expect(writes()).toHaveLength(s.lever === 'limit' ? 1 : 2);
      expect(await trail()).toEqual(['guard-proposed', 'guard-approved', 'guard-applied']);
      expect(metrics.get('GuardFreezesApplied')).toBe(1);
    });

    it('ten presses at once write to the provider once', async () => {
      await propose();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          freezeProject(deps, {
            accountId: 'acme',
            projectId: s.project,
            incident: INCIDENT(s.project),
            by: `press ${i}`,
          }),
        ),
      );
      expect(results.every((r) => r.outcome.state === 'frozen')).toBe(true);
      expect(writes()).toHaveLength(s.lever === 'limit' ? 1 : 2);
    });

    it('release restores exactly what was there: no limit → DELETE; Anthropic keys back to active', async () => {
      await propose();
      await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: AUTO,
      });
      const released = await releaseProject(deps, { accountId: 'acme', projectId: s.project, by: 'cli' });
      expect(released.outcome.state).toBe('released');
      if (s.lever === 'limit') {
        expect(await providerCents()).toBeNull();
        expect(writes().at(-1)?.method).toBe('DELETE');
      } else {
        expect([status('apikey_loop1'), status('apikey_loop2')]).toEqual(['active', 'active']);
      }
      // Idempotent: released again writes nothing.
      const count = writes().length;
      expect(
        (await releaseProject(deps, { accountId: 'acme', projectId: s.project, by: 'cli' })).outcome.state,
      ).toBe('released');
      expect(writes()).toHaveLength(count);
      expect(await trail()).toEqual(['guard-proposed', 'guard-applied', 'guard-released']);
    });

    // The limit lever only (Anthropic without the beta has no limit to keep or restore).
    if (s.lever === 'limit') {
      it('release puts a prior $300.00 limit back as $300.00', async () => {
        await limitsOf(s, fake).set({ type: 'project', id: s.project }, 30_000);
        await propose();
        await freezeProject(deps, {
          accountId: 'acme',
          projectId: s.project,
          incident: INCIDENT(s.project),
          by: AUTO,
        });
        expect(await providerCents()).toBe(THRESHOLD);
        expect((await record()).prior).toMatchObject({ state: 'set', thresholdCents: 30_000 });
        await releaseProject(deps, { accountId: 'acme', projectId: s.project, by: 'cli' });
        expect(await providerCents()).toBe(30_000);
      });

      it('a project whose limit is already lower is left alone (already-limited, nothing written)', async () => {
        await limitsOf(s, fake).set({ type: 'project', id: s.project }, 4_000);
        const before = writes().length;
        await propose();
        const r = await freezeProject(deps, {
          accountId: 'acme',
          projectId: s.project,
          incident: INCIDENT(s.project),
          by: AUTO,
        });
        expect(r.outcome.state).toBe('already-limited');
        expect(r.outcome.message).toContain('already $40.00');
        expect(writes()).toHaveLength(before);
        expect(await providerCents()).toBe(4_000);
        expect((await record()).status).toBe('already-limited');
        // Nothing to undo either.
        expect(
          (await releaseProject(deps, { accountId: 'acme', projectId: s.project, by: 'cli' })).writes,
        ).toBe(0);
        expect(await providerCents()).toBe(4_000);
      });
    }

    it('a crash between the provider write and the audit converges on the next run without a second write', async () => {
      await propose('auto');
      // The process dies right after the provider answered: the store never records the outcome.
      const dying: GuardStore = {
        ...deps.store,
        loadAccount: (id) => deps.store.loadAccount(id),
        listAudit: (id) => deps.store.listAudit(id),
        putAudits: (id, a) => deps.store.putAudits(id, a),
        putFreeze: async (id, z, v, a) => {
          if (z.status !== 'proposed' && z.status !== 'intent') throw new Error('process killed');
          return deps.store.putFreeze(id, z, v, a);
        },
      };
      await expect(
        freezeProject(
          { ...deps, store: dying },
          { accountId: 'acme', projectId: s.project, incident: INCIDENT(s.project), by: AUTO },
        ),
      ).rejects.toThrow('process killed');
      expect((await record()).status).toBe('intent');
      const landed = writes().length;
      expect(landed).toBe(s.lever === 'limit' ? 1 : 2);
      // A run within two minutes leaves the intent alone (its process may still be writing) ...
      now = T('15:41');
      const early = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: RETRY,
      });
      expect(early.outcome.message).toContain('being applied right now');
      // ... the next run re-reads the provider, finds the freeze in force, and records it.
      now = T('15:55');
      const next = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: RETRY,
      });
      expect(next.outcome.state).toBe('frozen');
      expect(next.writes).toBe(0);
      expect(writes()).toHaveLength(landed);
      expect((await record()).status).toBe('frozen');
      expect((await deps.store.listAudit('acme')).at(-1)).toMatchObject({
        action: 'guard-applied',
        detail: expect.stringContaining('not written again'),
      });
    });

    it('an answer lost after the provider applied the write: failed, then the retry reads it back and writes nothing', async () => {
      await propose('auto');
      const path =
        s.lever === 'keys'
          ? '/v1/organizations/api_keys/apikey_loop1'
          : s.provider === 'openai'
            ? `/v1/organization/projects/${s.project}/spend_limit`
            : '/v1/organizations/spend_limits';
      fake.injectFaults([{ kind: 'truncated' }], path, 'POST');
      const first = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: AUTO,
      });
      expect(first.outcome.state).toBe('failed');
      expect(metrics.get('GuardActionFailed')).toBe(1);
      const landed = writes().length;
      now = T('15:55');
      const retry = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: RETRY,
      });
      expect(retry.outcome.state).toBe('frozen');
      // The limit landed with the lost answer: not written again. Keys: only the one not yet switched.
      expect(writes().length - landed).toBe(s.lever === 'limit' ? 0 : 1);
      expect(await trail()).toEqual(['guard-proposed', 'guard-failed', 'guard-applied']);
    });

    it('the provider refusing the write leaves `failed` with its words, counted, and nothing claimed', async () => {
      await propose('auto');
      fake.injectFaults([{ kind: '401' }], undefined, 'POST');
      const r = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        incident: INCIDENT(s.project),
        by: AUTO,
      });
      expect(r.outcome.state).toBe('failed');
      expect(r.outcome.message).toMatch(/401/);
      expect(await record()).toMatchObject({ status: 'failed', error: expect.stringMatching(/401/) });
      expect(metrics.get('GuardActionFailed')).toBe(1);
      expect(metrics.get('GuardFreezesApplied')).toBe(0);
      // The key never shows in what is stored.
      const items = await ddb.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': accountPk('acme') },
        }),
      );
      expect(JSON.stringify(items.Items)).not.toContain(fake.adminKey);
    });

    it('the page proposal reads only the table: no provider request, nothing written', async () => {
      await propose();
      const before = fake.requests.length;
      const p = await guardProposal(deps, 'acme', s.project);
      expect(p).toMatchObject({
        projectName: 'Search',
        incident: INCIDENT(s.project),
        hourSpendUsd: 40,
        monthToDateUsd: 50.2,
        state: 'proposed',
      });
      expect(p?.plan).toContain('$55.20');
      if (s.provider === 'anthropic') expect(p?.plan).toContain('switch off the API keys');
      expect(fake.requests.length).toBe(before);
      expect(await guardProposal(deps, 'acme', 'proj_unknown')).toBeUndefined();
    });

    it('--dry-run reads and says what it would do, and writes nothing anywhere', async () => {
      const r = await freezeProject(deps, {
        accountId: 'acme',
        projectId: s.project,
        by: 'cli',
        dryRun: true,
      });
      expect(r.outcome.message).toMatch(
        s.lever === 'limit'
          ? /Would set Search's hard monthly limit to \$55\.20/
          : /Would switch off 2 API key/,
      );
      expect(writes()).toHaveLength(0);
      expect((await deps.store.loadAccount('acme')).freezes).toBeUndefined();
    });

    it('a freeze by hand takes an incident of its own; an unknown project is refused before anything is done', async () => {
      const r = await freezeProject(deps, { accountId: 'acme', projectId: s.project, by: 'cli' });
      expect(r.outcome.state).toBe('frozen');
      expect(r.record?.incident).toBe(`manual:${s.project}:${Math.floor(T('15:40') / 1000)}`);
      await expect(
        freezeProject(deps, { accountId: 'acme', projectId: 'proj_typo', by: 'cli' }),
      ).rejects.toThrow(InvalidInputError);
    });
  },
);
