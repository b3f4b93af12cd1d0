/**
 * Ports: the small interfaces the use cases depend on. Adapters (provider clients, the DynamoDB
 * store, the SES mailer) implement them at the edge; tests hand in fakes or local emulators.
 */
import type { Micros } from './core/money.ts';
import { UNATTRIBUTED } from './core/projects.ts';

/** One UTC day of actual cost from a provider's cost report. */
export interface DailyCost {
  /** UTC day, `YYYY-MM-DD`; the bucket is [day 00:00Z, next day 00:00Z). */
  day: string;
  amountMicros: Micros;
  /** Per-scope breakdown (OpenAI project_id, Anthropic workspace_id); NO_SCOPE = none given. */
  byScope: Record<string, Micros>;
}

/** Scope key for costs without a project/workspace id (DynamoDB map keys cannot be empty). */
export const NO_SCOPE = UNATTRIBUTED;

/** Priced estimate of usage the cost report does not cover yet (hourly usage × price table). */
export interface UsageEstimate {
  /** Hours from `countFrom` (default: the whole range), summed exactly and rounded once. */
  amountMicros: Micros;
  /**
   * The same hours per project/workspace (NO_SCOPE = none), each summed exactly and rounded once:
   * today's split of the estimate. The parts may be a micro-dollar or two off `amountMicros`.
   */
  byScope: Record<string, Micros>;
  /** The same hours per project/workspace, then per model (unknown models not priced, so absent). */
  byScopeModel: Record<string, Record<string, Micros>>;
  /** Models seen in the counted hours that the price table does not know; not priced. */
  unknownModels: string[];
  /** Hour buckets covered: [start, end). */
  start: Date;
  end: Date;
  /** Every UTC hour of the range with usage, ascending: what the spike alert is built from. */
  hours: HourUsage[];
}

/** One UTC hour [start, start + 1h) of priced usage. */
export interface HourUsage {
  start: Date;
  amountMicros: Micros;
  /** Per project (OpenAI project_id) or workspace (Anthropic workspace_id); NO_SCOPE = none. */
  byScope: Record<string, Micros>;
  /** Per model (unknown models are not priced, so absent here). */
  byModel: Record<string, Micros>;
  /** Per project/workspace, then per model. */
  byScopeModel: Record<string, Record<string, Micros>>;
  /** Models seen in this hour that the price table does not know. */
  unknownModels: string[];
}

export interface CostSource {
  /** Daily actual costs for the whole UTC days in [start, end). Follows pagination. */
  dailyCosts(range: { start: Date; end: Date }): Promise<DailyCost[]>;
  /**
   * Hourly usage in [start, end) priced with the price table: an estimate. `countFrom` (an hour
   * boundary) limits `amountMicros` to the hours from it on, while `hours` covers the range.
   */
  usageEstimate(range: { start: Date; end: Date; countFrom?: Date }): Promise<UsageEstimate>;
}

/** One stored UTC day of cost: actual (from the cost report) or estimate (priced usage). */
export interface CostDayRecord {
  day: string;
  amountMicros: Micros;
  byScope: Record<string, Micros>;
  kind: 'actual' | 'estimate';
  /** When this day's figure was last fetched (ISO instant). */
  fetchedAt: string;
}

/** Sync cursor and the last run's figures, one item per account (humans read it in the console). */
export interface AccountStateRecord {
  /** Optimistic-lock version: a sync commits only if nobody committed since it loaded. */
  version: number;
  /** Earliest and latest UTC day of actual costs fetched so far (YYYY-MM-DD). */
  costsFrom?: string;
  costsThrough?: string;
  /** When the last successful sync committed, by the real clock (staleness, `status`, the byKind index). */
  lastSyncAt?: string;
  /**
   * The ledger's "now" of that sync: the same instant, except under `burnrate run --now`. The
   * weekly digest's "previous run" (absent on items written before it existed: lastSyncAt).
   */
  ledgerAt?: string;
  /** The figures of the last successful run, as the spec's output shape plus freshness notes. */
  snapshot?: Record<string, unknown>;
  /**
   * The config item as the last successful sync validated and used it (its attributes, without the
   * keys). While a hand edit leaves the config item invalid, the sync keeps using this one (and the
   * operator is told once), so a typo never silences the account's alerts.
   */
  goodConfig?: Record<string, unknown>;
}

/**
 * The last `burnrate checkpoint` (re-anchoring to the billing page): when, how far the ledger had
 * drifted from the page (total absolute difference, configured burn order), and which order fit best.
 * Its own item, so a sync's STATE write never drops it.
 */
export interface ReconciledRecord {
  /** The checkpoint instant T (ISO). */
  at: string;
  driftUsd: number;
  burnOrder: 'expiring-first' | 'oldest-first';
  bestBurnOrder: 'expiring-first' | 'oldest-first';
  byOrder: Record<string, number>;
  /** When the checkpoint was written (ISO). */
  recordedAt: string;
}

/** Where one recipient group stands with one key: claim → send → mark, or release on failure. */
export interface GroupDeliveryState {
  status: 'pending' | 'claimed' | 'sent';
  claimedAt?: string;
  claimToken?: string;
  sentAt?: string;
  messageId?: string;
}

/**
 * A key that fired (is disarmed). Delivery moves it from pending to sent, once per recipient group:
 * the top-level status fields are the ACCOUNT group's (the account's `recipients`, every alert; an
 * item of an earlier version, with only these, reads as exactly that), and `groups` holds each
 * other group's, keyed `project:<id>` (a project key whose project had `recipients` when it fired).
 */
export interface AlertRecord extends GroupDeliveryState {
  key: string;
  kind: string;
  firedAt: string;
  /** Epoch seconds after which DynamoDB deletes the item (TTL): set once the key can never fire again. */
  ttl?: number;
  groups?: Record<string, GroupDeliveryState>;
}

/** Everything stored for one account, as loaded by one Query; config and grants still unvalidated. */
export interface AccountItems {
  accountId: string;
  config?: Record<string, unknown>;
  grants: Array<Record<string, unknown>>;
  /** The sort keys of `grants`, in the same order (the store's; hand-built test items may leave it out). */
  grantKeys?: string[];
  costs: CostDayRecord[];
  state?: AccountStateRecord;
  /** Keys that fired (disarmed). Keys a sync wrote but never confirmed are not here: they are armed. */
  alerts: AlertRecord[];
  /** Keys an interrupted sync wrote but did not confirm (see commitSync): armed, not delivered. */
  unconfirmed?: string[];
  reconciled?: ReconciledRecord;
  /** The provider's projects/workspaces as the upkeep last listed them (once per UTC day). */
  projects?: ProjectsRecord;
  /** The hard limits as the upkeep last read and kept them. */
  limits?: LimitsRecord;
  /** The guard's FREEZE items, one per project it ever proposed or applied a freeze for. */
  freezes?: FreezeRecord[];
}

export interface SyncCommit {
  accountId: string;
  /** The version loaded; the commit fails with ConcurrentSyncError if it changed. */
  expectedVersion: number;
  /**
   * What the sync's figures and alerts were computed from, as loaded: the commit fails with
   * ConcurrentSyncError if the config item or a grant was changed, added or removed since.
   */
  loaded: Pick<AccountItems, 'config' | 'grants' | 'grantKeys' | 'unconfirmed'>;
  costPuts: CostDayRecord[];
  state: AccountStateRecord;
  /** Keys that fired: recorded (disarmed) only if the commit holds. */
  alertPuts: AlertRecord[];
  alertDeletes: string[];
  /**
   * Sent keys that can never fire again, and when DynamoDB may delete them (`ttl`, epoch seconds).
   * Idempotent: those that find no room in this commit are left for the next run.
   */
  alertTtls?: Array<{ key: string; ttl: number }>;
}

export interface AccountStore {
  /** One Query (more pages only past 1 MB). Throws StoredItemError on an item burnrate cannot read. */
  loadAccount(accountId: string): Promise<AccountItems>;
  listAccounts(): Promise<Array<{ id: string; enabled: boolean }>>;
  /**
   * Writes a sync's changes if the version and everything in `loaded` are still as loaded (else
   * ConcurrentSyncError, nothing disarmed). Returns the number of write requests and the keys of
   * `alertPuts` it recorded (a key another sync recorded first is not in it).
   */
  commitSync(commit: SyncCommit): Promise<{ writeRequests: number; recorded: string[] }>;
}

/* ---- The upkeep (names and hard limits, once a day): its items ---- */

/** The PROJECTS item: every project/workspace the provider lists, archived ones too, by id. */
export interface ProjectsRecord {
  /** When they were listed (ISO instant); a new UTC day lists them again. */
  listedAt: string;
  projects: Record<string, { name: string; status: string; archived: boolean }>;
}

/** One scope's hard limit as the upkeep last saw it. */
export interface LimitReading {
  /** What the provider had (after burnrate's write, when it wrote), and when it was read. */
  provider?: SpendLimitState;
  readAt?: string;
  /** The provider will not let this key read or set it (Anthropic without the beta; its default workspace). */
  unavailable?: string;
  /** The read or write failed (kept until a later check succeeds; the next run tries again). */
  error?: string;
}

/** A limit write the upkeep is about to make: recorded first, so a crash between write and audit converges. */
export interface LimitWrite {
  /** Absent: the organization. */
  projectId?: string;
  cents: number;
  /** What the provider had before (null: none). */
  previousCents: number | null;
  source: 'config' | 'freeze';
}

/** The LIMITS item: the hard-limit settings last checked (the digest), and every scope's reading. */
export interface LimitsRecord {
  /** Optimistic lock: two upkeeps of one account never both write. */
  version: number;
  /** Desired cents per scope at the last check: a change makes the next run check again. */
  settings: { organization?: number; projects: Record<string, number> };
  /** The last complete check (ISO instant); a new UTC day checks again. */
  checkedAt?: string;
  /** Something failed at the last check: the next run checks again, whatever the day. */
  retry?: boolean;
  organization?: LimitReading;
  projects: Record<string, LimitReading>;
  /** Writes started and not yet audited (at = their instant, ISO). */
  intent?: { at: string; writes: LimitWrite[] };
  /** Operator notices: kind → the UTC day it was last sent (each at most once a day). */
  notices?: Record<string, string>;
}

/** An `AUDIT#<iso>#<scope>` item: a provider setting burnrate changed (who, when, from, to). */
export interface AuditRecord {
  at: string;
  /** `organization` or `project:<id>`. */
  scope: string;
  action: 'hard-limit-set';
  by: 'burnrate';
  previousCents: number | null;
  cents: number;
  source: 'config' | 'freeze';
  /** The provider's enforcement word after the write. */
  enforcement?: string;
}

export interface LimitsCommit {
  accountId: string;
  /** The LIMITS version loaded (0: none yet); the commit fails with ConcurrentSyncError if it changed. */
  expectedVersion: number;
  limits: LimitsRecord;
  audits: AuditRecord[];
  /** Alert keys raised (hard-limit changes), pending delivery by the next sync. */
  alerts: AlertRecord[];
}

/** The upkeep's writes: its own items, never CONFIG, GRANT, COST or STATE. */
export interface UpkeepStore {
  putProjects(accountId: string, record: ProjectsRecord): Promise<void>;
  /** LIMITS with the version check, its audit items and raised alerts, in one transaction. */
  commitLimits(commit: LimitsCommit): Promise<void>;
}

/* ---- The guard (issue 18): freezing a runaway project, and undoing it ---- */

/**
 * Where a project's freeze stands (LEDGER.md "Guard"):
 * - `proposed`: an incident was raised and nothing is done yet (`approve` waits for the button);
 * - `intent`: the exact prior state is stored and the provider write is under way (or was cut off:
 *   the next run re-reads the provider and records `frozen` without writing again if it holds the limit);
 * - `frozen`: in force until released; `already-limited`: its limit already stopped spend, nothing written;
 * - `failed`: the provider refused or failed (retried by the next run, reported to the operator);
 * - `released`: undone, the prior state restored.
 */
export type FreezeStatus = 'proposed' | 'intent' | 'frozen' | 'already-limited' | 'failed' | 'released';

/** How a freeze stops spend: the provider's hard limit, or (Anthropic without the beta) the keys that spent. */
export type FreezeLever = 'limit' | 'keys';

/** A project's `FREEZE#<projectId>` item: its latest incident and what the guard did about it. */
export interface FreezeRecord {
  /** Optimistic lock: two processes (the page, a run, the CLI) never both write to the provider. */
  version: number;
  projectId: string;
  /** The incident: the alert key `guard:<projectId>:<day>`, or `manual:<projectId>:<epoch s>` (CLI). */
  incident: string;
  /** Who decides: `approve` (the page), `auto` (the run), `manual` (the CLI). */
  mode: 'approve' | 'auto' | 'manual';
  status: FreezeStatus;
  proposedAt: string;
  /** The spiking hour (absent for a freeze by hand) and the project's spend in it (an estimate). */
  hourStart?: string;
  hourSpendMicros?: number;
  /** The project's month to date, today's estimate included, when the incident was raised. */
  monthToDateMicros: number;
  headroomCents: number;
  lever?: FreezeLever;
  /** `limit`: the provider's limit exactly as it was before the freeze (what Undo restores). */
  prior?: SpendLimitState;
  /** `limit`: the threshold the freeze sets (month to date + headroom, in cents). */
  thresholdCents?: number;
  /** `keys`: the API keys the freeze switched to inactive (what Undo switches back). */
  keyIds?: string[];
  /** Who asked for it and when (the page's link, `auto`, the CLI). */
  requestedBy?: string;
  requestedAt?: string;
  appliedAt?: string;
  /** The provider's enforcement word when read back after the write. */
  enforcement?: string;
  releasedAt?: string;
  releasedBy?: string;
  /** The last failure (kept until a later attempt succeeds), never a secret. */
  error?: string;
  failedAt?: string;
  /** The UTC day the operator was last told of a failure (at most once a day per project). */
  reportedOn?: string;
}

/** One step of the guard's audit trail: an `AUDIT#<iso>#project:<id>#<step>` item. */
export interface GuardAuditRecord {
  at: string;
  /** `project:<id>`. */
  scope: string;
  action: `guard-${GuardStep}`;
  by: string;
  incident: string;
  /** One sentence: what was done, from what to what. */
  detail: string;
  previousCents?: number | null;
  cents?: number;
  keyIds?: string[];
}

export type GuardStep =
  | 'proposed'
  | 'approved'
  | 'applied'
  | 'already-limited'
  | 'failed'
  | 'released'
  | 'reminded';

/** The guard's writes: FREEZE items (version-checked) with their audit steps, in one transaction. */
export interface GuardStore {
  loadAccount(accountId: string): Promise<AccountItems>;
  /**
   * Writes the FREEZE item if its version is still `expectedVersion` (0: none yet), with the audit
   * items, atomically; ConcurrentSyncError when another process wrote it first.
   */
  putFreeze(
    accountId: string,
    record: FreezeRecord,
    expectedVersion: number,
    audits: readonly GuardAuditRecord[],
  ): Promise<void>;
  /** Audit items of one-off steps (`reminded`): one that exists already is left as it is. */
  putAudits(accountId: string, audits: readonly GuardAuditRecord[]): Promise<void>;
  /** Every AUDIT# item of the account, oldest first (hard-limit changes and guard steps). */
  listAudit(accountId: string): Promise<Array<AuditRecord | GuardAuditRecord>>;
}

/**
 * Things only the operator can act on, outside the alert emails (SES locally, the operator SNS topic
 * in AWS, where the upkeep has no SES). The caller decides how often (at most once a day per kind).
 */
export interface OperatorNotices {
  tell(notice: { accountId: string; kind: string; subject: string; text: string }): Promise<void>;
}

/** Where admin keys come from: Secrets Manager in AWS, the environment locally. Never logged. */
export interface SecretSource {
  adminKey(account: { id: string; provider: string; adminKeySecret?: string | undefined }): Promise<string>;
}

/** Another sync of the same account committed first: reload and recompute. */
export class ConcurrentSyncError extends Error {
  override readonly name = 'ConcurrentSyncError';
}

/** Fan-out: one message per account to sync. */
export interface AccountQueue {
  enqueue(messages: ReadonlyArray<{ accountId: string; runId: string }>): Promise<void>;
}

/**
 * A recipient group: `account` (the account's `recipients`: every alert, the digest, the top-level
 * state of an alert item) or `project:<id>` (that project's `recipients`: only its own keys).
 */
export type DeliveryGroup = 'account' | `project:${string}`;

export const ACCOUNT_GROUP = 'account' satisfies DeliveryGroup;

/**
 * Exactly-once delivery state of alert keys, per key and recipient group (claim → send → mark sent;
 * release on failure). `group` defaults to the account group.
 */
export interface AlertDeliveryStore {
  /** Claims a pending key, or one whose claim is older than `staleBefore`. False if not claimable. */
  claim(
    accountId: string,
    key: string,
    token: string,
    now: string,
    staleBefore: string,
    group?: DeliveryGroup,
  ): Promise<boolean>;
  markSent(
    accountId: string,
    key: string,
    token: string,
    messageId: string,
    now: string,
    group?: DeliveryGroup,
  ): Promise<void>;
  release(accountId: string, key: string, token: string, group?: DeliveryGroup): Promise<void>;
  /** Records an operator alert key as pending unless it exists (fired and not re-armed). */
  raise(accountId: string, record: AlertRecord): Promise<boolean>;
  /** Re-arms a key by deleting it (an operator notice whose problem is shown to be gone). */
  rearm(accountId: string, key: string): Promise<void>;
}

export interface OutgoingEmail {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/**
 * Delivery and sync counters (CloudWatch metrics through Powertools Metrics/EMF in Lambda; a no-op
 * or a summary in the CLI). Names and units are fixed here so the alarms and the README agree.
 */
export const METRICS_NAMESPACE = 'burnrate';

export const METRIC_UNITS = {
  /** Alert keys delivered by email (one email can carry several). */
  AlertsDelivered: 'Count',
  /** Alert keys that were due and claimed but whose email SES refused or that failed to send. */
  AlertDeliveryFailed: 'Count',
  /** Chat (SNS) messages published, one per delivered alert key or digest. */
  AlertsPublished: 'Count',
  /** Chat (SNS) messages that could not be published after the SDK's retries. */
  AlertPublishFailed: 'Count',
  /** Accounts synced successfully. */
  AccountsSynced: 'Count',
  /** Accounts whose sync failed (provider, key, store) or whose items are invalid. */
  SyncFailed: 'Count',
  /** Wall time of one account's sync and delivery. */
  SyncDurationMs: 'Milliseconds',
  /** Weekly digest emails sent (the digest use case records this). */
  DigestsSent: 'Count',
  /** Accounts whose upkeep (names, hard limits) failed in part or whole (retried next run). */
  UpkeepFailed: 'Count',
  /** Hard-limit writes the provider refused or that failed (retried next run). */
  HardLimitWriteFailed: 'Count',
  /** Hard limits burnrate set (each also an audit item and an email). */
  HardLimitsSet: 'Count',
  /** Guard freezes or releases the provider refused or that failed (retried next run, alarmed). */
  GuardActionFailed: 'Count',
  /** Guard freezes applied (each also an audit item). */
  GuardFreezesApplied: 'Count',
  /** Stored alert keys this version cannot read (a later burnrate's, or a hand edit): reported, left as they are. */
  AlertKeysUnreadable: 'Count',
} as const;

export type MetricName = keyof typeof METRIC_UNITS;

/**
 * Opt-in per-account metrics (`-c accountMetrics=true`), each with an `account` dimension next to
 * service and stage, written by the sync once per account and run. Unit None (dollars, days).
 */
export const ACCOUNT_METRIC_NAMES = ['BalanceUsd', 'RunwayDays', 'MonthToDateUsd', 'HourSpendUsd'] as const;
export type AccountMetricName = (typeof ACCOUNT_METRIC_NAMES)[number];

export interface Metrics {
  /** Adds `value` to the metric for this invocation (a count, or milliseconds for *DurationMs). */
  record(name: MetricName, value: number): void;
}

/** Metrics that go nowhere (tests, the CLI without a summary). */
export const NO_METRICS: Metrics = { record: () => undefined };

/** `schema` is the message's version tag; `projectId` only on a project's alerts. */
export interface ChatAttributes {
  accountId: string;
  kind: string;
  schema: string;
  projectId?: string;
}

/** The chat channel: one JSON message per delivered alert key or digest (SNS topic in AWS). */
export interface AlertPublisher {
  publish(message: {
    body: string;
    /** SNS String message attributes, for subscription filter policies. */
    attributes: ChatAttributes;
  }): Promise<{ messageId: string }>;
}

/* ---- Projects, hard spend limits and keys (issues 17 and 18: the provider edge) ---- */

/**
 * A project (OpenAI `proj_…`) or workspace (Anthropic `wrkspc_…`) as the provider lists it,
 * archived ones included (their past costs keep their ids). Anthropic's default workspace has no
 * id: the directory lists it as `DEFAULT_WORKSPACE` ('default'); its costs are booked under
 * NO_SCOPE, since the cost report gives it `workspace_id: null`.
 */
export interface ProjectInfo {
  id: string;
  name: string;
  /** 'active' | 'archived' as documented, or any other string the provider sends. */
  status: string;
  archived: boolean;
}

/** The id the directory gives Anthropic's default workspace (the API lists it nowhere). */
export const DEFAULT_WORKSPACE = 'default';

export interface ProjectDirectory {
  /** Every project/workspace, archived ones too, following pagination. */
  listProjects(): Promise<ProjectInfo[]>;
}

/** What a hard monthly spend limit applies to: the organization, or one project/workspace. */
export type SpendLimitScope = { type: 'organization' } | { type: 'project'; id: string };

/**
 * A provider's hard monthly spend limit, in integer US cents. `enforcement` is the provider's own
 * word, an open string: OpenAI `enforcement.status` ('enforcing' | 'inactive' | …); Anthropic has
 * none, so its adapter says 'enforcing' when `is_enabled` and 'inactive' otherwise.
 */
export type SpendLimitState =
  | { state: 'none' }
  | { state: 'set'; thresholdCents: number; enforcement: string };

export interface SpendLimits {
  /** The limit as the provider has it now ('none' when unset, whichever way the provider says so). */
  get(scope: SpendLimitScope): Promise<SpendLimitState>;
  /**
   * Creates or replaces the monthly limit; `cents` must be an integer >= 1 (the caller rounds, e.g.
   * up). Returns the limit as the provider answered the write.
   */
  set(scope: SpendLimitScope, cents: number): Promise<SpendLimitState>;
  /** Removes the limit; removing one that is not there is not an error. */
  remove(scope: SpendLimitScope): Promise<void>;
}

/**
 * The provider will not let this key read or write spend limits (Anthropic's spend-limits API is an
 * early-access beta: 400/403/404 without access; its default workspace has no id to scope a limit
 * to). Not retried; the message says what to do instead (set it in the Console).
 */
export class SpendLimitsUnavailableError extends Error {
  override readonly name = 'SpendLimitsUnavailableError';
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** An API key of a workspace, as Anthropic lists it (never the secret). */
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** 'active' | 'inactive' | 'archived' | 'expired', or another string the API sends. */
  status: string;
  /** `null`: the default workspace (or an organization-scoped key). */
  workspaceId: string | null;
}

/** Priced usage of one API key (and workspace) in one UTC hour: an estimate, like UsageEstimate. */
export interface KeyHourSpend {
  /** `null`: usage without a key (Console Workbench), which no key status can stop. */
  apiKeyId: string | null;
  /** The workspace, NO_SCOPE for the default workspace (as the cost booking has it). */
  workspaceId: string;
  amountMicros: Micros;
  /** Models of this key's rows that the price table does not know (not priced, never a silent zero). */
  unknownModels: string[];
}

/**
 * Anthropic's fallback lever when the spend-limits beta is unavailable: find the keys that spent in a
 * runaway hour and switch them off (`inactive`, reversible), never archive (irreversible).
 */
export interface ApiKeys {
  /** The active keys of a workspace (`DEFAULT_WORKSPACE` for the default one), following pagination. */
  listKeys(workspaceId: string): Promise<ApiKeyInfo[]>;
  /** Sets a key's status; returns the key as the provider answered. */
  setStatus(keyId: string, status: 'active' | 'inactive'): Promise<ApiKeyInfo>;
  /** Usage of the hour starting at `hourStart` (a UTC hour boundary) by key and workspace, priced. */
  spendByKey(hourStart: Date): Promise<KeyHourSpend[]>;
}
