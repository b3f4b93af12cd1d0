import { desiredLimitCents } from '../core/hard-limits.ts';
import { usd } from '../email/format.ts';
import {
  type ProjectDirectory,
  type SpendLimitScope,
  type SpendLimitState,
  type SpendLimits,
  SpendLimitsUnavailableError,
} from '../ports.ts';
import { type AccountConfig, projectName } from '../schemas/account-config.ts';
import type { DoctorCheck } from './doctor.ts';
import { scopeWord, unknownProjectIds, unknownProjectText } from './project-names.ts';

/** The provider edge doctor reads for the per-project checks (GET only). */
export interface DoctorProjectDeps {
  projectDirectory(config: AccountConfig, adminKey: string): ProjectDirectory;
  spendLimits(config: AccountConfig, adminKey: string): SpendLimits;
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

const CONSOLE_FIX =
  'set the hard limits by hand in the Claude Console (Settings → Limits), or ask your Anthropic account team for early access to the spend-limits API; or remove hardLimitUsd so burnrate stops trying';

/**
 * `projects`: every configured project/workspace id exists at the provider (a typo is ✗ naming the
 * nearest listed id). `spend-limits`: the key can read the hard limits, and each is shown beside
 * the config (in step, or what the upkeep will set). Read-only: GET requests, nothing written.
 */
export async function projectChecks(
  deps: DoctorProjectDeps,
  config: AccountConfig,
  adminKey: string,
): Promise<DoctorCheck[]> {
  const word = scopeWord(config.provider);
  const configured = Object.keys(config.projects ?? {}).sort();
  const out: DoctorCheck[] = [];
  let unknown = new Set<string>();
  let listedNames = new Map<string, string>();
  try {
    const listed = await deps.projectDirectory(config, adminKey).listProjects();
    const record = {
      listedAt: '',
      projects: Object.fromEntries(
        listed.map((p) => [p.id, { name: p.name, status: p.status, archived: p.archived }]),
      ),
    };
    const missing = unknownProjectIds(configured, record) ?? [];
    unknown = new Set(missing.map((m) => m.id));
    listedNames = new Map(listed.map((p) => [p.id, p.name]));
    const names = listed.map((p) => `${p.id}  ${p.name}${p.archived ? ' (archived)' : ''}`);
    out.push(
      missing.length > 0
        ? check('projects', 'fail', missing.map((m) => unknownProjectText(m, word)).join('; '), {
            fix: `correct the id in the config item (npx burnrate account set ${config.id} projects.<wrong id>= , then set projects.<right id>.…); the provider lists the ${word}s below`,
            details: names,
          })
        : check('projects', 'pass', allListed(configured, listed, config, word), { details: names }),
    );
  } catch (error) {
    out.push(
      check('projects', 'fail', `could not list the ${word}s: ${(error as Error).message}`, {
        fix: 'see the costs check: the same key and endpoint',
      }),
    );
  }

  const limits = deps.spendLimits(config, adminKey);
  const scopes: Array<{ label: string; scope: SpendLimitScope; keep?: number }> = [
    { label: 'organization', scope: { type: 'organization' }, keep: desiredLimitCents(config)?.cents },
    ...configured
      .filter((id) => !unknown.has(id))
      .map((id) => ({
        label: scopeLabel(word, id, projectName(config, id, listedNames.get(id))),
        scope: { type: 'project' as const, id },
        keep: desiredLimitCents(config.projects?.[id])?.cents,
      })),
  ];
  const lines: string[] = [];
  const unavailable: string[] = [];
  const failed: string[] = [];
  const cents = (c: number) => usd(c / 100);
  for (const s of scopes) {
    const want = s.keep === undefined ? 'config: none (not kept by burnrate)' : `config ${cents(s.keep)}`;
    try {
      const have: SpendLimitState = await limits.get(s.scope);
      const provider = have.state === 'set' ? `${cents(have.thresholdCents)} (${have.enforcement})` : 'none';
      const step =
        s.keep === undefined
          ? ''
          : have.state === 'set' && have.thresholdCents === s.keep
            ? ': in step'
            : ': differs (the upkeep sets it at its next run)';
      lines.push(`${s.label}: provider ${provider}, ${want}${step}`);
    } catch (error) {
      const message = (error as Error).message;
      lines.push(`${s.label}: ${message}, ${want}`);
      if (!(error instanceof SpendLimitsUnavailableError)) failed.push(s.label);
      else if (s.keep !== undefined) unavailable.push(s.label);
      else if (s.scope.type === 'organization') {
        // Without the beta, every scope answers alike: one line says it.
        lines.push(
          ...scopes
            .slice(1)
            .filter((x) => x.keep !== undefined)
            .map((x) => `${x.label}: not readable, ${`config ${cents(x.keep as number)}`}`),
        );
        unavailable.push(
          ...scopes
            .slice(1)
            .filter((x) => x.keep !== undefined)
            .map((x) => x.label),
        );
        break;
      }
    }
  }
  if (failed.length > 0)
    out.push(
      check('spend-limits', 'fail', `could not read the hard limits of ${failed.join(', ')}`, {
        fix: 'see the costs check: the same key and endpoint; run doctor again',
        details: lines,
      }),
    );
  else if (unavailable.length > 0)
    out.push(
      check(
        'spend-limits',
        'fail',
        `the key cannot manage the hard limits of ${unavailable.join(', ')}, which the config sets: set it in the Console`,
        { fix: CONSOLE_FIX, details: lines },
      ),
    );
  else
    out.push(
      check('spend-limits', 'pass', `hard limits readable: ${lines.length} scope(s) beside the config`, {
        details: lines,
      }),
    );
  return out;
}

function allListed(
  configured: string[],
  listed: ReadonlyArray<{ id: string; name: string }>,
  config: AccountConfig,
  word: string,
): string {
  const named = configured.map(
    (id) => `${projectName(config, id, listed.find((p) => p.id === id)?.name)} ${id}`,
  );
  const which = configured.length > 0 ? ` all listed by the provider (${named.join(', ')})` : '';
  return `${configured.length} configured ${word}(s)${which}; ${listed.length} listed`;
}

const scopeLabel = (word: string, id: string, name: string) =>
  name === id ? `${word} ${id}` : `${word} ${name} (${id})`;
