import { type AlertCandidate, isProjectKey } from '../core/alert-keys.ts';
import { ACCOUNT_GROUP, type AlertRecord, type DeliveryGroup, type GroupDeliveryState } from '../ports.ts';
import type { AccountConfig } from '../schemas/account-config.ts';

/**
 * Recipient groups (README, "How a run works"): who gets which key, and where each group's delivery
 * state lives. The account group (the account's `recipients`) gets every alert; its state is the
 * alert item's top-level status, so items written before groups existed read as exactly that. A
 * project's group (`projects.<id>.recipients`) gets only that project's keys (`isProjectKey`); its
 * state is `groups["project:<id>"]`, written when the key fires if the project has recipients then.
 */
export { ACCOUNT_GROUP };

const PROJECT_PREFIX = 'project:';

export const projectGroup = (projectId: string): DeliveryGroup => `${PROJECT_PREFIX}${projectId}`;

/** The project id of a project group; undefined for the account group. */
export function projectOfGroup(group: DeliveryGroup): string | undefined {
  return group.startsWith(PROJECT_PREFIX) ? group.slice(PROJECT_PREFIX.length) : undefined;
}

/**
 * The groups beyond the account's that a key must reach, as it fires: its project's, if that project
 * has recipients. Undefined when there are none (the item keeps the shape of earlier versions).
 */
export function groupsAtFire(
  alert: AlertCandidate,
  config: AccountConfig,
): Record<string, GroupDeliveryState> | undefined {
  if (!isProjectKey(alert)) return undefined;
  const recipients = config.projects?.[alert.projectId]?.recipients ?? [];
  return recipients.length > 0 ? { [projectGroup(alert.projectId)]: { status: 'pending' } } : undefined;
}

/** Who a group is now; undefined when it no longer has recipients (the project entry lost them). */
export function groupRecipients(config: AccountConfig, group: DeliveryGroup): string[] | undefined {
  const projectId = projectOfGroup(group);
  if (projectId === undefined) return config.recipients;
  const recipients = config.projects?.[projectId]?.recipients ?? [];
  return recipients.length > 0 ? recipients : undefined;
}

/** A group's state of a key; undefined when the key was never meant for that group. */
export function groupState(record: AlertRecord, group: DeliveryGroup): GroupDeliveryState | undefined {
  return group === ACCOUNT_GROUP ? record : record.groups?.[group];
}

/**
 * The groups a record must still reach, account first: its state there is pending, or claimed by a
 * run presumed dead (`claimedAt` before `staleBefore`). A project group whose project has no
 * recipients any more is not due (its key reached the account group, which gets every alert).
 */
export function dueGroups(record: AlertRecord, config: AccountConfig, staleBefore: string): DeliveryGroup[] {
  const groups: DeliveryGroup[] = [ACCOUNT_GROUP];
  for (const g of Object.keys(record.groups ?? {}).sort()) groups.push(g as DeliveryGroup);
  return groups.filter((g) => {
    const s = groupState(record, g);
    if (!s || groupRecipients(config, g) === undefined) return false;
    return s.status === 'pending' || (s.status === 'claimed' && (s.claimedAt ?? '') < staleBefore);
  });
}

/**
 * Delivered to every group it must reach: the account group and each of its project groups (with
 * `config`, only those that still have recipients). Only then may the key get a TTL.
 */
export function deliveredEverywhere(record: AlertRecord, config?: AccountConfig): boolean {
  if (record.status !== 'sent') return false;
  return Object.entries(record.groups ?? {}).every(
    ([g, s]) =>
      s.status === 'sent' ||
      (config !== undefined && groupRecipients(config, g as DeliveryGroup) === undefined),
  );
}
