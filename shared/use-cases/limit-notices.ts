import type { OperatorNotices } from '../ports.ts';
import type { AccountConfig } from '../schemas/account-config.ts';

/** The operator notices of the hard-limit keeper; each goes out at most once per UTC day. */
export const LIMIT_NOTICE_KINDS = ['spend-limits-unavailable', 'hard-limit-failed'] as const;

/**
 * Tells the operator what only they can fix, at most once per kind and UTC day (the LIMITS item
 * keeps the day each kind was last sent; a new day re-arms it, so it repeats daily while the cause
 * lasts): hard limits configured where the provider's API will not manage them (Anthropic without
 * the spend-limits beta, or its default workspace: "set it in the Console"), and writes that
 * failed or configured ids the provider does not list. A notice that could not be sent is tried
 * again at the next run. Returns the notices map to store.
 */
export async function limitNotices(
  input: { accountId: string; config: AccountConfig; notices?: OperatorNotices | undefined },
  result: { unavailable: string[]; failed: string[]; unknown: string[]; notices: string[] },
  sent: Readonly<Record<string, string>>,
  today: string,
): Promise<{ notices: Record<string, string>; unsent: number }> {
  const out = { ...sent };
  let unsent = 0;
  const id = input.accountId;
  const due: Array<{ kind: string; subject: string; text: string }> = [];
  if (result.unavailable.length > 0 && sent['spend-limits-unavailable'] !== today) {
    due.push({
      kind: 'spend-limits-unavailable',
      subject: `burnrate: account ${id}: hard limits cannot be kept through the ${input.config.provider} API: set them in the Console`,
      text: [
        `Account ${id} has hardLimitUsd set, but the provider will not let its admin key manage these limits:`,
        ...result.unavailable.map((u) => `  - ${u}`),
        '',
        'burnrate cannot keep them in step. Set them by hand in the Claude Console (Settings → Limits), or ask your Anthropic account team for early access to the spend-limits API.',
        'This notice repeats once a day while hardLimitUsd is set and the API stays unavailable; remove hardLimitUsd from the config item to stop it.',
      ].join('\n'),
    });
  }
  const problems = [
    ...result.failed,
    ...result.unknown.map((p) => `projects.${p}: not listed by the provider`),
  ];
  if (problems.length > 0 && sent['hard-limit-failed'] !== today) {
    due.push({
      kind: 'hard-limit-failed',
      subject: `burnrate: account ${id}: ${problems.length} hard limit(s) not kept in step`,
      text: [
        `burnrate could not keep these hard limits of account ${id} in step with its config:`,
        ...problems.map((p) => `  - ${p}`),
        '',
        'Failed writes are tried again at every upkeep run (hourly in AWS, every `burnrate run` locally); alerts and syncs go on meanwhile. `npx burnrate project list --account ' +
          `${id}\` shows each limit; \`npx burnrate doctor --account ${id}\` checks the ids and the key.`,
        'This notice repeats at most once a day while the problem lasts.',
      ].join('\n'),
    });
  }
  for (const n of due) {
    if (!input.notices) continue;
    try {
      await input.notices.tell({ accountId: id, ...n });
      out[n.kind] = today;
      result.notices.push(n.kind);
    } catch {
      unsent++; // not recorded as sent: the next run checks again and retries it
    }
  }
  return { notices: out, unsent };
}
