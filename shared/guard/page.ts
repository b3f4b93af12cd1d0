import { escapeHtml as e } from '../email/escape.ts';
import { usd } from '../email/format.ts';
import type { GuardOutcome, GuardProposal } from './actions.ts';
import { actionForm, details, type GuardResponse, htmlPage } from './page-shell.ts';
import { formatInstant, type Refusal, type TokenClaims } from './token.ts';

const PROVIDER = { openai: 'OpenAI', anthropic: 'Anthropic' } as const;
const hourText = (iso: string) => {
  const start = new Date(iso);
  const end = new Date(start.getTime() + 3_600_000);
  return `${formatInstant(start).slice(0, 16)}–${end.toISOString().slice(11, 16)} UTC`;
};
const code = (text: string) => `<code>${e(text)}</code>`;
const unit = (p: GuardProposal) => (p.provider === 'anthropic' ? 'workspace' : 'project');

function facts(p: GuardProposal): string {
  return details([
    ['Account', `${e(p.accountName)} ${code(p.accountId)} · ${PROVIDER[p.provider]}`],
    [unit(p) === 'project' ? 'Project' : 'Workspace', `${e(p.projectName)} ${code(p.projectId)}`],
    ['Spiking hour', `${e(hourText(p.hourStart))}: <strong>${e(usd(p.hourSpendUsd))}</strong>`],
    ['Month to date', `${e(usd(p.monthToDateUsd))} (today is an estimate)`],
    ['Incident', code(p.incident)],
  ]);
}

function frozenText(p: GuardProposal): string {
  const f = p.frozen;
  if (!f) return `${p.projectName} is frozen.`;
  const at = f.thresholdUsd === undefined ? '' : ` at ${usd(f.thresholdUsd)} (hard limit)`;
  const keys = f.keys?.length ? `; ${f.keys.length} API key(s) switched off` : '';
  return `${p.projectName} frozen since ${formatInstant(new Date(f.since))}${at}${keys}.`;
}

/** GET of a freeze link: what will be done and what waiting costs, and one button. Changes nothing. */
export function freezePage(p: GuardProposal, token: string, claims: TokenClaims): GuardResponse {
  const title = `Freeze ${p.projectName} now?`;
  const canAct = p.state === 'proposed' || p.state === 'failed';
  const state: Record<GuardProposal['state'], string> = {
    proposed: '',
    failed: `<p class="pace info">An earlier attempt failed at the provider; you can try again.</p>`,
    frozen: `<p class="pace ok">${e(frozenText(p))} Nothing to do.</p>`,
    'already-limited': `<p class="pace ok">Its hard limit is already at or below the freeze threshold: nothing to do.</p>`,
    released: `<p class="pace info">A freeze for this incident was applied and released; this link no longer acts.</p>`,
  };
  return htmlPage(
    200,
    title,
    `<h1>${e(title)}</h1>
<p class="lead">${e(p.projectName)} spent <strong>${e(usd(p.hourSpendUsd))}</strong> in one hour (${e(hourText(p.hourStart))}).</p>
<p class="pace">Every hour of waiting costs about <strong>${e(usd(p.waitingCostUsdPerHour))}</strong> at this pace.</p>
${facts(p)}
${state[p.state]}
${canAct ? `<p class="pace info"><strong>The button will</strong> ${e(p.plan.replace(/\.$/, ''))}.</p>${actionForm(token, 'freeze', `Freeze ${p.projectName} now`)}` : ''}
<p class="note">Opening this page changed nothing. The provider enforces the limit within minutes, not at once, and it can be undone in one step (the result page has the Undo button). This link works once and expires at ${e(formatInstant(claims.expiresAt))}.</p>`,
  );
}

/** GET of an Undo link: the freeze in force and one button to release it. Changes nothing. */
export function releasePage(p: GuardProposal, token: string, claims: TokenClaims): GuardResponse {
  const title = `Undo the freeze of ${p.projectName}?`;
  const frozen = p.state === 'frozen';
  return htmlPage(
    200,
    title,
    `<h1>${e(title)}</h1>
<p class="lead">${e(frozen ? frozenText(p) : `${p.projectName} is not frozen now (${p.state}): nothing to undo.`)}</p>
${facts(p)}
${frozen ? `<p class="pace">Releasing restores the exact limit it had before, and spending resumes once the provider applies it (minutes). If the runaway job still runs, it spends again at about ${e(usd(p.waitingCostUsdPerHour))} an hour.</p>` : ''}
${frozen ? actionForm(token, 'release', `Release ${p.projectName} (undo the freeze)`) : ''}
<p class="note">Opening this page changed nothing. This link works once and expires at ${e(formatInstant(claims.expiresAt))}.</p>`,
  );
}

const RESULT_TITLE: Record<GuardOutcome['state'], (name: string) => string> = {
  frozen: (n) => `${n} is frozen`,
  'already-limited': (n) => `${n} was already limited`,
  released: (n) => `${n} is released`,
  failed: () => 'The action did not go through',
  proposed: () => 'Nothing was done',
};

/** After the button: the outcome, and after a freeze the Undo button (a fresh, single-use link). */
export function resultPage(
  p: GuardProposal,
  outcome: GuardOutcome,
  undo?: { token: string; expiresAt: Date },
): GuardResponse {
  const title = RESULT_TITLE[outcome.state](p.projectName);
  const tone = outcome.state === 'failed' ? 'pace' : outcome.state === 'proposed' ? 'pace info' : 'pace ok';
  return htmlPage(
    200,
    title,
    `<h1>${e(title)}</h1>
<p class="${tone}">${e(outcome.message)}</p>
${facts(p)}
${undo ? actionForm(undo.token, 'release', `Undo: release ${p.projectName}`) : ''}
${undo ? `<p class="note">The Undo button restores the exact prior state. It works once, until ${e(formatInstant(undo.expiresAt))}; after that: ${code(`npx burnrate guard release --account ${p.accountId} --project ${p.projectId}`)}.</p>` : ''}`,
  );
}

/** A refused link: why, with its status (400 damaged, 403 altered, 410 expired or used). */
export function refusalPage(r: Refusal, now?: string): GuardResponse {
  const title = r.reason === 'used' ? 'This link was already used' : 'This link cannot be used';
  return htmlPage(
    r.status,
    title,
    `<h1>${e(title)}</h1><p class="lead">${e(r.message)}</p>${now ? `<p class="pace info">Now: ${e(now)}</p>` : ''}`,
  );
}

/** A page that is not a link's (no token, unknown incident, unknown path, a failure). */
export function messagePage(status: number, title: string, message: string, headers = {}): GuardResponse {
  return htmlPage(status, title, `<h1>${e(title)}</h1><p class="lead">${e(message)}</p>`, headers);
}

/** One line for a refusal page: the state now (e.g. after a double click, the freeze in force). */
export function stateLine(p: GuardProposal): string {
  const n = p.projectName;
  switch (p.state) {
    case 'frozen':
      return frozenText(p);
    case 'released':
      return `${n} was released: the freeze is undone.`;
    case 'proposed':
      return `${n} is not frozen.`;
    case 'already-limited':
      return `${n}'s hard limit was already at or below the freeze threshold.`;
    case 'failed':
      return `The last attempt to freeze ${n} failed at the provider; it is reported to the operator.`;
  }
}
