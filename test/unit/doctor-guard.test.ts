import { describe, expect, it } from 'vitest';
import { SigningKeyError } from '../../shared/guard/token.ts';
import { type ApiKeys, type SpendLimits, SpendLimitsUnavailableError } from '../../shared/ports.ts';
import { type AccountConfig, accountConfigSchema } from '../../shared/schemas/account-config.ts';
import { type DoctorGuardDeps, guardCheck, signingKeyCheck } from '../../shared/use-cases/doctor-guard.ts';

/** doctor's guard checks over in-memory ports: which lever a guarded account would pull, and the key. */
const config = (raw: Record<string, unknown>): AccountConfig =>
  accountConfigSchema.parse({ id: 'acme', recipients: ['ops@acme.example'], ...raw });

function deps(o: { beta?: boolean; keys?: number; keyError?: string; signing?: string } = {}) {
  const reads: string[] = [];
  const limits: SpendLimits = {
    get: async (scope) => {
      reads.push(`limits:${scope.type}`);
      if (o.beta === false) throw new SpendLimitsUnavailableError('anthropic', 'no beta access');
      return { state: 'none' };
    },
    set: async () => {
      throw new Error('doctor must not write');
    },
    remove: async () => {
      throw new Error('doctor must not write');
    },
  };
  const apiKeys: ApiKeys = {
    listKeys: async (ws) => {
      reads.push(`keys:${ws}`);
      if (o.keyError) throw new Error(o.keyError);
      return Array.from({ length: o.keys ?? 0 }, (_, i) => ({
        id: `apikey_${i}`,
        name: `k${i}`,
        status: 'active' as const,
        workspaceId: ws,
      }));
    },
    setStatus: async () => {
      throw new Error('doctor must not write');
    },
    spendByKey: async () => [],
  };
  const d: DoctorGuardDeps = {
    signingKey: {
      signingKey: async () => {
        if (o.signing) throw new SigningKeyError(o.signing);
        return Buffer.alloc(32, 1);
      },
    },
    keyWhere: 'secret burnrate/guard-signing-key',
    spendLimits: () => limits,
    apiKeys: () => apiKeys,
  };
  return { d, reads };
}

describe('doctor: guard checks', () => {
  it('says nothing for an account whose guard is off everywhere', async () => {
    const { d, reads } = deps();
    expect(await guardCheck(d, config({ provider: 'openai' }), 'sk')).toEqual([]);
    expect(reads).toEqual([]);
  });

  it('OpenAI: names the projects and modes it covers', async () => {
    const { d } = deps();
    const [c] = await guardCheck(
      d,
      config({ provider: 'openai', projects: { proj_a: { guard: { mode: 'auto' } }, proj_b: {} } }),
      'sk',
    );
    expect(c).toMatchObject({ id: 'guard', status: 'pass' });
    expect(c?.summary).toContain('proj_a: auto');
    expect(c?.summary).not.toContain('proj_b');
  });

  it('Anthropic with the beta: the workspace limit; without it: the keys, listed read-only', async () => {
    const withBeta = deps({ beta: true });
    const cfg = config({ provider: 'anthropic', projects: { wrkspc_1: { guard: { mode: 'approve' } } } });
    expect((await guardCheck(withBeta.d, cfg, 'sk'))[0]?.summary).toContain('workspace hard limits');

    const noBeta = deps({ beta: false, keys: 3 });
    const [c] = await guardCheck(noBeta.d, cfg, 'sk');
    expect(c).toMatchObject({ id: 'guard', status: 'pass' });
    expect(c?.summary).toContain('3 active key(s) readable in wrkspc_1');
    expect(noBeta.reads).toEqual(['limits:organization', 'keys:wrkspc_1']);

    const refused = deps({ beta: false, keyError: 'HTTP 403' });
    expect((await guardCheck(refused.d, cfg, 'sk'))[0]).toMatchObject({ status: 'fail', ok: false });
  });

  it("warns when Anthropic's default workspace is guarded (it cannot be frozen)", async () => {
    const { d } = deps();
    const [c] = await guardCheck(
      d,
      config({ provider: 'anthropic', projects: { default: { guard: { mode: 'auto' } } } }),
      'sk',
    );
    expect(c).toMatchObject({ id: 'guard', status: 'warn', ok: true });
    expect(c?.fix).toContain('projects.default.guard.mode');
  });

  it('the signing key: pass when readable, fail with the fix and never the value otherwise', async () => {
    expect(await signingKeyCheck(deps().d)).toMatchObject({ id: 'guard-key', status: 'pass' });
    const bad = await signingKeyCheck(deps({ signing: 'cannot read secret burnrate/guard-signing-key' }).d);
    expect(bad).toMatchObject({ id: 'guard-key', status: 'fail', ok: false });
    expect(bad.fix).toContain('BURNRATE_GUARD_KEY');
  });
});
