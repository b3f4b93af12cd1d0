import type { AlertCandidate } from '../core/alert-keys.ts';
import { type AccountConfig, projectName } from '../schemas/account-config.ts';
import type { AlertText } from './alert-text.ts';
import { isoMinute, usd } from './format.ts';

type LimitAlert = Extract<
  AlertCandidate,
  { kind: 'hard-limit' | 'project-hard-limit' | 'hard-limit-unmanaged' | 'project-hard-limit-unmanaged' }
>;

/** `$250.00` for cents, or `no hard limit` for none. */
export const limitText = (cents: number | null): string =>
  cents === null ? 'no hard limit' : usd(cents / 100);

/** How requests fail once a limit is reached (GUARD.md §3.3, §5): clients must not retry-loop. */
const REFUSAL: Record<AccountConfig['provider'], string> = {
  openai: 'requests beyond it get 429 `organization_spend_limit_exceeded` / `project_spend_limit_exceeded`',
  anthropic: 'requests beyond it get 400 "You have reached your specified … API usage limits"',
};

/**
 * The text of a hard-limit change burnrate made ("hard limit for Search set to $250.00 (the provider
 * had $300.00)") or of a `hardLimitUsd` that was removed (burnrate leaves the provider's limit).
 */
export function describeLimitAlert(
  alert: LimitAlert,
  config: AccountConfig,
  names?: ReadonlyMap<string, string>,
): AlertText {
  const project = 'projectId' in alert ? alert.projectId : undefined;
  const name = project === undefined ? 'the organization' : projectName(config, project, names?.get(project));
  const field = project === undefined ? '`hardLimitUsd`' : `\`projects.${project}.hardLimitUsd\``;
  const whole = project === undefined ? 'the whole organization' : `${name} (${project})`;
  const when = isoMinute(alert.at * 1000);
  if (alert.kind === 'hard-limit' || alert.kind === 'project-hard-limit') {
    const had = alert.previousCents === null ? 'no hard limit' : limitText(alert.previousCents);
    return {
      headline: `hard limit for ${name} set to ${limitText(alert.cents)} (the provider had ${had})`,
      detail: `At ${when} burnrate set the provider's hard monthly spend limit for ${whole} to ${limitText(alert.cents)}, as ${field} says; the provider had ${had}. Once the month's spend reaches it, ${REFUSAL[config.provider]}; enforcement is not instantaneous, so spend can pass it slightly.`,
      action: `burnrate checks it once a day and after every config change, and sets it back if someone changes it. To change it, edit ${field}; to stop burnrate managing it, remove ${field} (the provider then keeps whatever it has).`,
    };
  }
  const left = limitText(alert.providerCents);
  return {
    headline: `hard limit for ${name} no longer kept by burnrate (the provider keeps ${left})`,
    detail: `${field} was removed from the config item (noticed at ${when}), so burnrate left the provider's limit for ${whole} as it is: ${left}. It no longer checks or sets it.`,
    action: `To remove or change the limit itself, do it on the provider's limits page. To have burnrate keep it again, set ${field}.`,
  };
}
