import type { SigningKeySource } from '../guard/signing-key.ts';
import { type ApiKeys, DEFAULT_WORKSPACE, type SpendLimits, SpendLimitsUnavailableError } from '../ports.ts';
import { type AccountConfig, guardFor } from '../schemas/account-config.ts';
import type { DoctorCheck } from './doctor.ts';

/** What doctor reads for the guard (GET only, nothing written, the key's value never shown). */
export interface DoctorGuardDeps {
  /** The links' signing key: the stack's secret in AWS, BURNRATE_GUARD_KEY locally. */
  signingKey: SigningKeySource;
  /** Where it is read from, for the messages (`secret burnrate/guard-signing-key`). */
  keyWhere: string;
  spendLimits(config: AccountConfig, adminKey: string): SpendLimits;
  apiKeys(config: AccountConfig, adminKey: string): ApiKeys | undefined;
}

const check = (
  id: string,
  status: DoctorCheck['status'],
  summary: string,
  more: Partial<DoctorCheck> = {},
) => ({
  id,
  status,
  ok: status !== 'fail',
  summary,
  ...more,
});

/** The projects (and the account itself, as `*`) whose guard mode is not off. */
export function guardedProjects(config: AccountConfig): Array<{ id: string; mode: string }> {
  const out: Array<{ id: string; mode: string }> = [];
  if ((config.guard?.mode ?? 'off') !== 'off') out.push({ id: '*', mode: config.guard?.mode ?? 'off' });
  for (const id of Object.keys(config.projects ?? {}).sort()) {
    const mode = guardFor(config, id).mode;
    if (mode !== 'off') out.push({ id, mode });
  }
  return out;
}

/**
 * `guard`, per account with a guard mode on: which projects it covers, and whether the lever it
 * would pull answers this key: OpenAI's project limits (the spend-limits check reads them), or
 * Anthropic's beta, else the keys that spent (read: the workspace's key list). Anthropic's default
 * workspace cannot be frozen (no id for a limit; its keys are not told apart safely): a warning.
 */
export async function guardCheck(
  deps: DoctorGuardDeps,
  config: AccountConfig,
  adminKey: string,
): Promise<DoctorCheck[]> {
  const on = guardedProjects(config);
  if (on.length === 0) return [];
  const covers = on.map((p) => (p.id === '*' ? `every project: ${p.mode}` : `${p.id}: ${p.mode}`)).join('; ');
  if (config.provider === 'openai')
    return [
      check('guard', 'pass', `guard on (${covers}): freezes set project hard limits (see spend-limits)`),
    ];
  const details: string[] = [];
  if (on.some((p) => p.id === DEFAULT_WORKSPACE))
    return [
      check('guard', 'warn', `guard on (${covers}), but Anthropic's default workspace cannot be frozen`, {
        fix: `set projects.default.guard.mode to "off" (npx burnrate account set ${config.id} projects.default.guard.mode='"off"'): the default workspace has no id for a spend limit, and its keys cannot be told apart from organization keys safely`,
      }),
    ];
  try {
    await deps.spendLimits(config, adminKey).get({ type: 'organization' });
    return [
      check(
        'guard',
        'pass',
        `guard on (${covers}): freezes set workspace hard limits through the spend-limits API`,
      ),
    ];
  } catch (error) {
    if (!(error instanceof SpendLimitsUnavailableError))
      return [
        check('guard', 'fail', `could not read the spend limits: ${(error as Error).message}`, {
          fix: 'see the costs check: the same key and endpoint',
        }),
      ];
    details.push((error as Error).message);
  }
  const workspace = on.find((p) => p.id !== '*')?.id;
  try {
    const keys = deps.apiKeys(config, adminKey);
    const listed = workspace && keys ? await keys.listKeys(workspace) : undefined;
    return [
      check(
        'guard',
        'pass',
        `guard on (${covers}): no spend-limits API for this organization, so a freeze switches off the workspace's API keys that spent in the spiking hour (reversible)${listed ? `; ${listed.length} active key(s) readable in ${workspace}` : ''}`,
        { details },
      ),
    ];
  } catch (error) {
    return [
      check(
        'guard',
        'fail',
        `the guard's fallback lever is not readable: listing API keys failed: ${(error as Error).message}`,
        {
          fix: 'use an Admin API key of the organization (sk-ant-admin…), which can list and update API keys',
          details,
        },
      ),
    ];
  }
}

/** `guard-key`: the links' signing key can be read (its value is never shown). */
export async function signingKeyCheck(deps: DoctorGuardDeps): Promise<DoctorCheck> {
  try {
    await deps.signingKey.signingKey();
    return check('guard-key', 'pass', `the guard's link signing key is readable (${deps.keyWhere})`);
  } catch (error) {
    return check(
      'guard-key',
      'fail',
      `the guard's link signing key is not readable: ${(error as Error).message}`,
      {
        fix: 'in AWS deploy the stack (it generates the secret burnrate/guard-signing-key and grants the functions access); locally set BURNRATE_GUARD_KEY (32+ characters) or run npm start, which keeps one in .burnrate/',
      },
    );
  }
}
