import type { AlertCandidate } from '../core/alert-keys.ts';
import type { Figures } from '../core/figures.ts';
import { HOUR_MS } from '../core/spike.ts';
import { dayKey } from '../core/time.ts';
import type { FreezeRecord } from '../ports.ts';
import { type AccountConfig, projectName } from '../schemas/account-config.ts';
import type { AlertText } from './alert-text.ts';
import { isoMinute, usd, usdMicros } from './format.ts';

type GuardAlert = Extract<AlertCandidate, { kind: 'guard' | 'guard-reminder' }>;

/** What the guard did this run, for the texts: each project's FREEZE item and its links. */
export interface GuardFacts {
  /** FREEZE items by project id, as they stand after this run's guard step. */
  freezes: ReadonlyMap<string, FreezeRecord>;
  /** "Freeze <project> now" and Undo links by project id (none without a guard page). */
  links: ReadonlyMap<string, { freeze: string; undo: string }>;
  /** Names the provider lists, by id (a config name wins). */
  names?: ReadonlyMap<string, string> | undefined;
}

/** How requests fail once a freeze is in force (GUARD.md §3.3, §5): clients must not retry-loop. */
const REFUSED: Record<AccountConfig['provider'], string> = {
  openai: 'requests now get 429 project_spend_limit_exceeded within minutes',
  anthropic:
    'requests now get 400 "You have reached your specified workspace API usage limits" within minutes',
};

const cents = (c: number) => usd(c / 100);

/** `03:10 UTC` today, else `2026-11-24 03:10 UTC`. */
function sinceText(iso: string, at: number): string {
  const ms = Date.parse(iso);
  return dayKey(ms) === dayKey(at) ? `${new Date(ms).toISOString().slice(11, 16)} UTC` : isoMinute(ms);
}

/** What holds the project: `at $57.20 (hard limit)`, or `with 2 API key(s) switched off`. */
function holdText(z: FreezeRecord): string {
  return z.lever === 'keys'
    ? `with ${z.keyIds?.length ?? 0} API key(s) switched off`
    : `at ${cents(z.thresholdCents ?? 0)} (hard limit)`;
}

/** "Search frozen since 03:10 UTC at $57.20 (hard limit)": every email and the digest carry it. */
export function frozenLine(z: FreezeRecord, name: string, at: number): string {
  return `${name} frozen since ${sinceText(z.appliedAt ?? z.requestedAt ?? z.proposedAt, at)} ${holdText(z)}`;
}

const releaseCommand = (config: AccountConfig, projectId: string) =>
  `\`npx burnrate guard release --account ${config.id} --project ${projectId}\``;

/** The hour and the project's spend in it, from the incident. */
function hourText(z: FreezeRecord | undefined, name: string): string {
  if (z?.hourStart === undefined || z.hourSpendMicros === undefined) return '';
  const start = Date.parse(z.hourStart);
  const hh = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  return `${name} spent ${usdMicros(z.hourSpendMicros)} in ${dayKey(start)} ${hh(start)}–${hh(start + HOUR_MS)} UTC (an estimate from hourly usage), the largest part of the spiking hour. `;
}

/**
 * The guard's incident and its daily reminder. With `auto` the email leads with what was done
 * ("Frozen Search at $57.20 (hard limit); requests now get 429 … Undo: <link> or `npx burnrate
 * guard release …`"); with `approve` it carries the "Freeze Search now" link; a reminder says the
 * freeze is still in force. Without facts (previews) it says what the key says.
 */
export function describeGuard(
  alert: GuardAlert,
  f: Figures,
  config: AccountConfig,
  guard?: GuardFacts,
): AlertText {
  const id = alert.projectId;
  const name = projectName(config, id, guard?.names?.get(id));
  const z = guard?.freezes.get(id);
  const links = guard?.links.get(id);
  const undo = `Undo: ${links ? `${links.undo} or ` : ''}${releaseCommand(config, id)} (restores the exact limit it had before).`;
  const held = z && (z.status === 'frozen' || z.status === 'intent');
  if (alert.kind === 'guard-reminder') {
    return {
      headline: held ? `reminder: ${frozenLine(z, name, f.at)}` : `reminder: ${name} was frozen by burnrate`,
      detail: `The guard's freeze of ${name} (${id}) stays in force until someone releases it; spend in it stays stopped until then, or until the provider's monthly period resets.`,
      action: `If the runaway is fixed, release it. ${undo}`,
    };
  }
  const hour = hourText(z, name);
  if (held) {
    const refused =
      z.lever === 'keys' ? 'requests with those keys are refused within minutes' : REFUSED[config.provider];
    const how =
      z.lever === 'keys'
        ? `burnrate switched off the API keys that spent in that hour (${(z.keyIds ?? []).join(', ')}; status inactive, never deleted): the spend-limits API is not available to this organization.`
        : `burnrate set its hard monthly spend limit to ${cents(z.thresholdCents ?? 0)} (month to date ${usdMicros(z.monthToDateMicros)} + ${cents(z.headroomCents)} headroom; the provider had ${z.prior?.state === 'set' ? cents(z.prior.thresholdCents) : 'no limit'}).`;
    // The lead, as issue 18 words it: what was done, how requests fail now, and the undo.
    return {
      headline: `Frozen ${name} ${holdText(z)}; ${refused}`,
      detail: `${undo} ${hour}${how} Enforcement is not instantaneous: a few minutes of spend can still pass. The freeze stays until released.`,
      action: `Find and fix the caller, then release it (the Undo above).`,
    };
  }
  if (z?.status === 'already-limited')
    return {
      headline: `${name} is running away, and its hard limit already stops it`,
      detail: `${hour}Its hard monthly limit (${z.prior?.state === 'set' ? cents(z.prior.thresholdCents) : '?'}) is already at or below what a freeze would set, so burnrate left it as it is.`,
      action: 'Find the caller and stop it; the provider refuses its requests once the limit is reached.',
    };
  if (z?.status === 'failed')
    return {
      headline: `${name} is running away and could not be frozen`,
      detail: `${hour}burnrate tried to freeze it and the provider said: ${z.error ?? 'unknown error'}. It tries again at the next run; the operator is told.`,
      action: `Find the caller and stop it, or revoke its API key in the provider console, now. To try again by hand: \`npx burnrate guard freeze --account ${config.id} --project ${id}\`.`,
    };
  const freeze = links
    ? `Freeze ${name} now: ${links.freeze} (the page shows what it will do; nothing happens until you press its button).`
    : `Freeze ${name} now: \`npx burnrate guard freeze --account ${config.id} --project ${id}\`.`;
  return {
    headline: `${name} is running away: freeze it now?`,
    detail: `${hour}A freeze sets its hard monthly limit to its month to date plus ${cents(z?.headroomCents ?? 0)} headroom, so the provider stops its requests within minutes; Undo restores the exact prior limit.`,
    action: freeze,
  };
}

/**
 * What the spike email and chat message add about the guard (issue 18): for each project of the
 * spiking hour's incident, the "Freeze <project> now" link in `approve` mode (the CLI command
 * without a guard page), or what the guard did. Empty when the guard has nothing to say.
 */
export function guardSpikeNote(f: Figures, config: AccountConfig, guard?: GuardFacts): string {
  if (!guard || !f.hour) return '';
  const day = dayKey(f.hour.start);
  const out: string[] = [];
  for (const z of guard.freezes.values()) {
    if (z.incident !== `guard:${z.projectId}:${day}`) continue;
    const name = projectName(config, z.projectId, guard.names?.get(z.projectId));
    const links = guard.links.get(z.projectId);
    if (z.status === 'proposed' && z.mode === 'approve')
      out.push(
        links
          ? `Freeze ${name} now: ${links.freeze} (nothing happens until you press the page's button).`
          : `Freeze ${name} now: \`npx burnrate guard freeze --account ${config.id} --project ${z.projectId}\`.`,
      );
    else if (z.status === 'frozen' || z.status === 'intent')
      out.push(
        `${frozenLine(z, name, f.at)}. Undo: ${links ? `${links.undo} or ` : ''}${releaseCommand(config, z.projectId)}.`,
      );
    else if (z.status === 'failed')
      out.push(`The guard could not freeze ${name}: ${z.error ?? 'unknown error'}.`);
  }
  return out.join(' ');
}

/** "Search frozen since 03:10 UTC at $57.20 (hard limit)" for each freeze in force: every email says it. */
export function frozenLines(
  freezes: Iterable<FreezeRecord>,
  config: AccountConfig,
  at: number,
  names?: ReadonlyMap<string, string>,
): string[] {
  return [...freezes]
    .filter((z) => z.status === 'frozen' || z.status === 'intent')
    .sort((a, b) => (a.projectId < b.projectId ? -1 : 1))
    .map((z) => frozenLine(z, projectName(config, z.projectId, names?.get(z.projectId)), at));
}
