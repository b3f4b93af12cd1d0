import type { App } from 'aws-cdk-lib';

/** Deploy-time settings, from `-c key=value`. A missing required one fails synth with what to pass. */
export interface BurnrateContext {
  /** Sender address (verified in SES). */
  senderEmail: string;
  /** Verify the whole domain instead of the one address (optional). */
  senderDomain?: string | undefined;
  operatorEmail: string;
  /** EventBridge Scheduler expression for the dispatch. */
  schedule: string;
  /** Minutes between runs: the heartbeat alarm fires after two of them without a successful sync. */
  periodMinutes: number;
  stage: string;
  /** While SES is in the sandbox, sending is also authorized against each (verified) recipient. */
  sandboxRecipients: string[];
  /** AWS Chatbot Slack channel for the alerts topic (optional: both ids, or neither). */
  slack?: { workspaceId: string; channelId: string } | undefined;
  /** The guard page's reserved concurrency (default 5); undefined: none reserved (`-c guardConcurrency=none`). */
  guardConcurrency: number | undefined;
  /**
   * `-c accountMetrics=true`: the sync writes each account's BalanceUsd, RunwayDays, MonthToDateUsd
   * and HourSpendUsd as metrics with an `account` dimension, graphed on the dashboard. Off by
   * default: 4 custom metrics per account, each billed every month.
   */
  accountMetrics: boolean;
}

const EXAMPLE = 'npx cdk deploy --all -c senderEmail=alerts@example.com -c operatorEmail=ops@example.com';
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export class ContextError extends Error {
  override readonly name = 'ContextError';
}

export function readContext(app: App): BurnrateContext {
  const get = (key: string) => {
    const v = app.node.tryGetContext(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const problems: string[] = [];
  const senderEmail = get('senderEmail');
  const operatorEmail = get('operatorEmail');
  if (!senderEmail || !EMAIL.test(senderEmail))
    problems.push(`senderEmail: expected the SES sender address, got ${senderEmail ?? 'nothing'}`);
  if (!operatorEmail || !EMAIL.test(operatorEmail))
    problems.push(`operatorEmail: expected the operator's address, got ${operatorEmail ?? 'nothing'}`);
  const schedule = get('schedule') ?? 'rate(15 minutes)';
  const rate = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule);
  const periodMinutes = rate
    ? Number(rate[1]) * (rate[2]?.startsWith('hour') ? 60 : 1)
    : Number(get('periodMinutes') ?? Number.NaN);
  if (!rate && !/^cron\(.+\)$/.test(schedule))
    problems.push(`schedule: expected rate(N minutes) or cron(...), got ${schedule}`);
  if (!(periodMinutes > 0))
    problems.push(
      'periodMinutes: with a cron() schedule, pass -c periodMinutes=N (minutes between runs) for the heartbeat alarm',
    );
  const senderDomain = get('senderDomain');
  if (senderDomain && senderEmail && !senderEmail.endsWith(`@${senderDomain}`))
    problems.push(`senderDomain: ${senderEmail} is not in ${senderDomain}`);
  const bad = (get('sandboxRecipients') ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r && !EMAIL.test(r));
  if (bad.length > 0)
    problems.push(`sandboxRecipients: expected comma-separated email addresses, got ${bad.join(', ')}`);
  const slackWorkspaceId = get('slackWorkspaceId');
  const slackChannelId = get('slackChannelId');
  if ((slackWorkspaceId === undefined) !== (slackChannelId === undefined))
    problems.push(
      'slackWorkspaceId, slackChannelId: pass both (from the AWS Chatbot console and the Slack channel link) or neither',
    );
  const guardConcurrencyText = get('guardConcurrency') ?? '5';
  const guardConcurrency = guardConcurrencyText === 'none' ? undefined : Number(guardConcurrencyText);
  if (guardConcurrency !== undefined && !(Number.isInteger(guardConcurrency) && guardConcurrency >= 1))
    problems.push(
      `guardConcurrency: expected a whole number >= 1 (the guard page's reserved concurrency) or none, got ${guardConcurrencyText}`,
    );
  const accountMetricsText = get('accountMetrics') ?? 'false';
  if (accountMetricsText !== 'true' && accountMetricsText !== 'false')
    problems.push(`accountMetrics: expected true or false, got ${accountMetricsText}`);
  if (problems.length > 0) {
    throw new ContextError(
      `burnrate: missing or invalid deploy settings:\n  ${problems.join('\n  ')}\nPass them like: ${EXAMPLE}`,
    );
  }
  return {
    senderEmail: senderEmail as string,
    senderDomain,
    operatorEmail: operatorEmail as string,
    schedule,
    periodMinutes,
    stage: get('stage') ?? 'prod',
    sandboxRecipients: (get('sandboxRecipients') ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    guardConcurrency,
    accountMetrics: accountMetricsText === 'true',
    slack:
      slackWorkspaceId && slackChannelId
        ? { workspaceId: slackWorkspaceId, channelId: slackChannelId }
        : undefined,
  };
}
