import { type AlertKey, candidate } from '../core/alert-keys.ts';
import { type ActiveFreeze, hardLimitSettings } from '../core/hard-limits.ts';
import { dayKey } from '../core/time.ts';
import { limitText } from '../email/hard-limit-text.ts';
import type {
  AlertRecord,
  AuditRecord,
  LimitReading,
  LimitsRecord,
  LimitWrite,
  Metrics,
  OperatorNotices,
  ProjectsRecord,
  SpendLimits,
  UpkeepStore,
} from '../ports.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { groupsAtFire } from './delivery-groups.ts';
import { limitNotices } from './limit-notices.ts';
import { readLimits, scopeOf } from './limit-readings.ts';

/** The guard's active freezes (issue 18): the keeper takes them as the limit it keeps. */
export interface Freezes {
  organization?: ActiveFreeze;
  projects: ReadonlyMap<string, ActiveFreeze>;
}

export interface KeepLimitsInput {
  accountId: string;
  config: AccountConfig;
  previous: LimitsRecord | undefined;
  listing: ProjectsRecord | undefined;
  limits: SpendLimits;
  now: number;
  freezes: Freezes;
  store: UpkeepStore;
  notices?: OperatorNotices | undefined;
  metrics?: Metrics | undefined;
}

export interface KeepLimitsResult {
  /** Alert keys raised (limits set, limits left alone), pending delivery by the sync. */
  raised: string[];
  /** Writes that failed or were refused (retried next run). */
  failed: string[];
  /** Scopes with hardLimitUsd the provider will not let this key manage. */
  unavailable: string[];
  /** Configured ids the provider does not list. */
  unknown: string[];
  notices: string[];
}

/** At most this many writes per run (each adds an audit and an alert item to the one transaction). */
const MAX_WRITES = 40;

const auditScope = (projectId?: string) =>
  projectId === undefined ? 'organization' : `project:${projectId}`;

/**
 * One check of an account's hard limits (LEDGER.md "Hard limits"): read each scope's limit (the
 * organization, every configured project, and the scopes the settings had before), set those that
 * differ from `desiredLimitCents`, audit and raise an alert key for each write, raise a key once
 * for a scope whose hardLimitUsd was removed (its limit is left alone), and keep the readings, the
 * settings digest and the day in LIMITS. Writes are recorded as an intent first: a run that dies
 * between the provider's write and the audit is completed by the next run, never written twice.
 */
export async function keepLimits(input: KeepLimitsInput): Promise<KeepLimitsResult> {
  const { config, previous, now } = input;
  const nowIso = new Date(now).toISOString();
  const settings = hardLimitSettings(config);
  const result: KeepLimitsResult = { raised: [], failed: [], unavailable: [], unknown: [], notices: [] };
  const read = await readLimits(input, nowIso);
  const { readings, plan, wanted } = read;
  let retry = read.retry;
  result.unavailable.push(...read.unavailable);
  result.unknown.push(...read.unknown);
  const setReading = (projectId: string | undefined, r: LimitReading) => {
    if (projectId === undefined) readings.organization = r;
    else readings.projects[projectId] = r;
  };

  const audits: AuditRecord[] = [];
  const alerts: AlertRecord[] = [];
  const raise = (k: AlertKey) => {
    const c = candidate(k);
    // A project's key reaches its project's recipients too, like the sync's project keys.
    const groups = groupsAtFire(c, config);
    alerts.push({ key: c.key, kind: c.kind, status: 'pending', firedAt: nowIso, ...(groups && { groups }) });
    result.raised.push(c.key);
  };
  const record = (w: LimitWrite, at: string, enforcement?: string) => {
    audits.push({
      at,
      scope: auditScope(w.projectId),
      action: 'hard-limit-set',
      by: 'burnrate',
      previousCents: w.previousCents,
      cents: w.cents,
      source: w.source,
      ...(enforcement !== undefined && { enforcement }),
    });
    const change = { at: Math.floor(Date.parse(at) / 1000), cents: w.cents, previousCents: w.previousCents };
    raise(
      w.projectId === undefined
        ? { kind: 'hard-limit', ...change }
        : { kind: 'project-hard-limit', projectId: w.projectId, ...change },
    );
  };
  // A write an earlier run made but did not get to audit: the provider has its value now.
  for (const w of previous?.intent?.writes ?? []) {
    const have = (w.projectId === undefined ? readings.organization : readings.projects[w.projectId])
      ?.provider;
    if (have?.state === 'set' && have.thresholdCents === w.cents)
      record(w, previous?.intent?.at as string, have.enforcement);
  }

  let version = previous?.version ?? 0;
  const base: LimitsRecord = {
    version,
    settings,
    projects: {},
    ...(previous?.notices && { notices: previous.notices }),
  };
  const writes = plan.slice(0, MAX_WRITES);
  if (plan.length > writes.length) retry = true;
  if (writes.length > 0) {
    // The intent first (with anything recovered above): the writes below are then never lost.
    await input.store.commitLimits({
      accountId: input.accountId,
      expectedVersion: version,
      limits: { ...(previous ?? base), version: version + 1, intent: { at: nowIso, writes } },
      audits: audits.splice(0),
      alerts: alerts.splice(0),
    });
    version++;
  }
  // A write that failed may still have landed (an answer lost to a timeout): it stays an intent, so
  // the next run audits and reports it if the provider has the value, or writes it again if not.
  const unsure: LimitWrite[] = [];
  for (const w of writes) {
    try {
      const after = await input.limits.set(scopeOf(w.projectId), w.cents);
      setReading(w.projectId, { provider: after, readAt: nowIso });
      record(w, nowIso, after.state === 'set' ? after.enforcement : undefined);
      input.metrics?.record('HardLimitsSet', 1);
    } catch (error) {
      const old = w.projectId === undefined ? readings.organization : readings.projects[w.projectId];
      const what = `${w.projectId === undefined ? 'organization' : w.projectId}: setting ${limitText(w.cents)} failed: ${(error as Error).message}`;
      setReading(w.projectId, { ...old, error: what });
      result.failed.push(what);
      unsure.push(w);
      input.metrics?.record('HardLimitWriteFailed', 1);
      retry = true;
    }
  }

  // hardLimitUsd removed: the provider's limit stays as it is, and the email says so once.
  const at = Math.floor(now / 1000);
  const providerCents = (r: LimitReading | undefined) =>
    r?.provider?.state === 'set' ? r.provider.thresholdCents : null;
  if (previous?.settings.organization !== undefined && !wanted())
    raise({ kind: 'hard-limit-unmanaged', at, providerCents: providerCents(readings.organization) });
  for (const id of Object.keys(previous?.settings.projects ?? {})) {
    if (!wanted(id))
      raise({
        kind: 'project-hard-limit-unmanaged',
        projectId: id,
        at,
        providerCents: providerCents(readings.projects[id]),
      });
  }

  const { notices, unsent } = await limitNotices(input, result, previous?.notices ?? {}, dayKey(now));
  if (unsent > 0) retry = true;
  await input.store.commitLimits({
    accountId: input.accountId,
    expectedVersion: version,
    limits: {
      version: version + 1,
      settings,
      checkedAt: nowIso,
      ...(retry && { retry }),
      ...readings,
      ...(unsure.length > 0 && { intent: { at: nowIso, writes: unsure } }),
      ...(Object.keys(notices).length > 0 && { notices }),
    },
    audits,
    alerts,
  });
  return result;
}
