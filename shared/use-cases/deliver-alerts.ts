import { type AlertMessage, alertMessages, messageAttributes } from '../chat/alert-message.ts';
import { type AlertCandidate, parseAlertKey } from '../core/alerts.ts';
import { isDigestKey } from '../core/digest.ts';
import type { Figures } from '../core/figures.ts';
import type { GuardFacts } from '../email/guard-text.ts';
import type { ProjectNames, ProviderHardLimits } from '../email/project-summary.ts';
import {
  ACCOUNT_GROUP,
  type AlertDeliveryStore,
  type AlertPublisher,
  type AlertRecord,
  type CostDayRecord,
  type DeliveryGroup,
  type Mailer,
  type Metrics,
  type ReconciledRecord,
} from '../ports.ts';
import { type AccountConfig, scopeOfProject } from '../schemas/account-config.ts';
import { roomToSend } from './deadline.ts';
import { dueGroups, groupRecipients, projectOfGroup } from './delivery-groups.ts';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface AlertEmailFacts {
  account: AccountConfig;
  figures: Figures;
  alerts: AlertCandidate[];
  dailySpend: Array<{
    day: string;
    amountMicros: number;
    estimate?: boolean;
    byScope?: Record<string, number>;
  }>;
  costsReportedThrough?: string | undefined;
  todayIsEstimate: boolean;
  demo?: boolean;
  reconciled?: ReconciledRecord | undefined;
  /** Names the provider lists for projects/workspaces (the config's own names win). */
  projectNames?: ProjectNames | undefined;
  /** The provider's hard limits per project id (USD); absent: the configured ones are shown. */
  hardLimits?: ProviderHardLimits | undefined;
  /** What the guard did and the links it offers (the guard's texts; "frozen since" lines). */
  guard?: GuardFacts | undefined;
}

/** A project's own email: only its alerts, its figures, and today's spend per model in it. */
export interface ProjectEmailFacts extends AlertEmailFacts {
  projectId: string;
  /** Today's estimate per model for this project (micro-dollars), from the hourly usage. */
  todayModels?: Readonly<Record<string, number>> | undefined;
}

export interface DeliveryDeps {
  alerts: AlertDeliveryStore;
  mailer: Mailer;
  /** The account group's email (every alert of the run). */
  render(facts: AlertEmailFacts): RenderedEmail;
  /** A project group's email (that project's alerts only). */
  renderProject(facts: ProjectEmailFacts): RenderedEmail;
  sender: string;
  /** The real clock (claim and sent times are leases other runs judge by theirs): never `run --now`'s. */
  now(): Date;
  newToken(): string;
  /** A claim older than this is presumed dead (its process died between send and mark). */
  claimTimeoutMs: number;
  demo?: boolean | undefined;
  /** The chat channel (SNS alerts topic); absent: messages are built (for `run --json`), not published. */
  publisher?: AlertPublisher | undefined;
  metrics?: Metrics | undefined;
}

/** One email that went out: to which group, whom, with which keys. */
export interface GroupDelivery {
  group: DeliveryGroup;
  to: string[];
  keys: string[];
  messageId: string;
}

export interface DeliveryResult {
  /** Keys emailed in this run to at least one recipient group (each group's marked sent). */
  sent: string[];
  /** The account group's email, when one went out. */
  messageId?: string;
  /** Every email that went out, per group. */
  deliveries?: GroupDelivery[];
  /** The chat messages of the keys the account group got, one per key (published or not). */
  messages: AlertMessage[];
  /** Keys whose chat message the publisher accepted. */
  published: string[];
  /** The publisher failed for these keys (after the SDK's retries); their email did go out. */
  publishFailed?: { keys: string[]; error: Error } | undefined;
  /**
   * Groups whose email failed (AlertDeliveryError: claims released, still due, the next run
   * retries), or was sent but not marked (the claim expires and a later run takes it over).
   */
  failures?: Error[];
  /** Due keys whose group's email was not started for lack of time (still due). */
  deferred?: string[];
  /** Stored keys this version cannot read: reported (metric, operator), left as they are. */
  unreadable?: string[];
}

/**
 * Due alerts that could not be delivered to a group: the claimed keys were released (still due),
 * so the next run sends them. The message names the account, the group (unless it is the
 * account's own), the number of keys and the mailer's error.
 */
export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
  constructor(
    readonly accountId: string,
    readonly keys: readonly string[],
    override readonly cause: Error,
    readonly group: DeliveryGroup = ACCOUNT_GROUP,
  ) {
    const to = projectOfGroup(group);
    super(
      `account ${accountId}: ${keys.length} due alert(s) not delivered${to === undefined ? '' : ` to project ${to}'s recipients`} (${keys.join(', ')}): ${cause.message}`,
      { cause },
    );
  }
}

export interface DeliveryInput {
  accountId: string;
  config: AccountConfig;
  figures: Figures;
  pending: readonly AlertRecord[];
  costs: readonly CostDayRecord[];
  costsReportedThrough?: string | undefined;
  reconciled?: ReconciledRecord | undefined;
  /** Real-clock instant the account's run must be over by: no send starts without room to finish. */
  deadline?: number | undefined;
  /** Today's estimate per project/workspace (cost-split key) and model, for the project emails. */
  todayModels?: Readonly<Record<string, Record<string, number>>> | undefined;
  projectNames?: ProjectNames | undefined;
  hardLimits?: ProviderHardLimits | undefined;
  /** The run's guard step: FREEZE items after it and the links (absent: no guard step). */
  guard?: GuardFacts | undefined;
}

/**
 * Exactly-once delivery per key AND recipient group (delivery-groups.ts): the account group gets
 * one email with every due key, each project group with recipients one email with its own keys.
 * For each group in turn: claim its keys with conditional writes (two runs cannot both hold one),
 * send its email, then mark them sent for that group with the SES message id. A group whose email
 * fails has its claims released (the next run retries it) and never holds back another group. A
 * process that dies between send and mark leaves a claim that another run takes over after
 * `claimTimeoutMs`: at most one duplicate per group, never a lost alert. Chat messages, one per
 * key, go out with the account group's email; a publish that fails after it is counted and
 * reported, not retried (that would mean sending the email again). A stored key this version cannot
 * read is reported (`unreadable`, metric), never skipped silently, and holds nothing back.
 */
export async function deliverAlerts(deps: DeliveryDeps, input: DeliveryInput): Promise<DeliveryResult> {
  const staleBefore = new Date(deps.now().getTime() - deps.claimTimeoutMs).toISOString();
  const out: Required<Omit<DeliveryResult, 'messageId' | 'publishFailed'>> &
    Pick<DeliveryResult, 'messageId' | 'publishFailed'> = {
    sent: [],
    deliveries: [],
    messages: [],
    published: [],
    failures: [],
    deferred: [],
    unreadable: [],
  };
  const plan = new Map<DeliveryGroup, AlertCandidate[]>();
  for (const record of input.pending) {
    if (isDigestKey(record.key)) continue; // the weekly digest goes its own way (deliver-digest.ts)
    const candidate = parseAlertKey(record.key);
    if (!candidate) {
      out.unreadable.push(record.key);
      continue;
    }
    for (const group of dueGroups(record, input.config, staleBefore))
      plan.set(group, [...(plan.get(group) ?? []), candidate]);
  }
  if (out.unreadable.length > 0) deps.metrics?.record('AlertKeysUnreadable', out.unreadable.length);
  const groups = [...plan.keys()].sort((a, b) =>
    a === ACCOUNT_GROUP ? -1 : b === ACCOUNT_GROUP ? 1 : a < b ? -1 : 1,
  );
  for (const group of groups) await deliverGroup(deps, input, group, plan.get(group) ?? [], staleBefore, out);
  out.sent = [...new Set(out.deliveries.flatMap((d) => d.keys))];
  return out;
}

type Outcome = Required<Omit<DeliveryResult, 'messageId' | 'publishFailed'>> &
  Pick<DeliveryResult, 'messageId' | 'publishFailed'>;

/** One group: claim → send → (chat, account group only) → mark. Failures are recorded, not thrown. */
async function deliverGroup(
  deps: DeliveryDeps,
  input: DeliveryInput,
  group: DeliveryGroup,
  alerts: readonly AlertCandidate[],
  staleBefore: string,
  out: Outcome,
): Promise<void> {
  const now = deps.now();
  // Nothing claimed yet: the keys stay due for the next run, and no email is ever cut off mid-send.
  if (!roomToSend(input.deadline, now)) {
    out.deferred.push(...alerts.map((a) => a.key));
    return;
  }
  const to = groupRecipients(input.config, group) ?? [];
  const token = deps.newToken();
  const claimed: AlertCandidate[] = [];
  const releaseAll = () =>
    Promise.allSettled(claimed.map((c) => deps.alerts.release(input.accountId, c.key, token, group)));
  const fail = async (keys: readonly AlertCandidate[], error: unknown) => {
    await releaseAll();
    deps.metrics?.record('AlertDeliveryFailed', keys.length);
    out.failures.push(
      new AlertDeliveryError(
        input.accountId,
        keys.map((k) => k.key),
        error as Error,
        group,
      ),
    );
  };
  try {
    for (const a of alerts) {
      if (await deps.alerts.claim(input.accountId, a.key, token, now.toISOString(), staleBefore, group))
        claimed.push(a);
    }
  } catch (error) {
    return fail(alerts, error);
  }
  if (claimed.length === 0) return;
  let messageId: string;
  try {
    const email = renderFor(deps, input, group, claimed);
    ({ messageId } = await deps.mailer.send({ from: deps.sender, to, ...email }));
  } catch (error) {
    return fail(claimed, error);
  }
  deps.metrics?.record('AlertsDelivered', claimed.length);
  const keys = claimed.map((c) => c.key);
  out.deliveries.push({ group, to, keys, messageId });
  if (group === ACCOUNT_GROUP) {
    out.messageId = messageId;
    const messages = alertMessages({
      config: input.config,
      figures: input.figures,
      alerts: claimed,
      emailMessageId: messageId,
      demo: deps.demo,
      projectNames: input.projectNames,
      guard: input.guard,
    });
    const { published, publishFailed } = await publishAll(deps, messages);
    out.messages.push(...messages);
    out.published.push(...published);
    out.publishFailed = publishFailed;
  }
  const sentAt = deps.now().toISOString();
  try {
    await Promise.all(
      keys.map((key) => deps.alerts.markSent(input.accountId, key, token, messageId, sentAt, group)),
    );
  } catch (error) {
    // The email went out: nothing is released (that would send it again at once). The claim
    // expires and a later run takes it over: at most one duplicate.
    out.failures.push(
      new Error(
        `account ${input.accountId}: ${keys.length} alert(s) emailed to ${group} but not marked sent (${keys.join(', ')}): ${(error as Error).message}`,
        { cause: error },
      ),
    );
  }
}

function renderFor(
  deps: DeliveryDeps,
  input: DeliveryInput,
  group: DeliveryGroup,
  alerts: AlertCandidate[],
): RenderedEmail {
  const facts: AlertEmailFacts = {
    account: input.config,
    figures: input.figures,
    alerts,
    dailySpend: input.costs.map((c) => ({
      day: c.day,
      amountMicros: c.amountMicros,
      estimate: c.kind === 'estimate',
      byScope: c.byScope,
    })),
    costsReportedThrough: input.costsReportedThrough,
    todayIsEstimate: true,
    demo: deps.demo,
    reconciled: input.reconciled,
    projectNames: input.projectNames,
    hardLimits: input.hardLimits,
    guard: input.guard,
  };
  const projectId = projectOfGroup(group);
  if (projectId === undefined) return deps.render(facts);
  return deps.renderProject({
    ...facts,
    projectId,
    todayModels: input.todayModels?.[scopeOfProject(input.config.provider, projectId)],
  });
}

async function publishAll(deps: DeliveryDeps, messages: AlertMessage[]) {
  const publisher = deps.publisher;
  if (!publisher) return { published: [] };
  const results = await Promise.allSettled(
    messages.map((m) => publisher.publish({ body: JSON.stringify(m), attributes: messageAttributes(m) })),
  );
  const published: string[] = [];
  const failedKeys: string[] = [];
  let error: Error | undefined;
  results.forEach((r, i) => {
    const keys = messages[i]?.keys ?? [];
    if (r.status === 'fulfilled') published.push(...keys);
    else {
      failedKeys.push(...keys);
      error ??= r.reason as Error;
    }
  });
  deps.metrics?.record('AlertsPublished', published.length);
  if (failedKeys.length > 0) deps.metrics?.record('AlertPublishFailed', failedKeys.length);
  return {
    published,
    publishFailed: error && { keys: failedKeys, error },
  };
}
