/**
 * `burnrate doctor`: read-only checks that prove a setup before anyone trusts it. Every check is a
 * line with a status and, when it fails, the exact fix. Nothing is written anywhere; admin keys are
 * used for two GET requests and never appear in the result.
 */
import { DAY_MS, dayKey, startOfUtcDay } from '../core/time.ts';
import { usdMicros } from '../email/format.ts';
import type { AccountItems, CostSource } from '../ports.ts';
import {
  ProviderAuthError,
  type ProviderAuthReason,
  ProviderQuotaError,
  ProviderRateLimitError,
  ProviderResponseError,
  ProviderUnavailableError,
} from '../providers/errors.ts';
import type { AccountConfig } from '../schemas/account-config.ts';
import { InvalidInputError } from '../schemas/invalid-input.ts';
import { type DoctorGuardDeps, guardCheck, guardedProjects, signingKeyCheck } from './doctor-guard.ts';
import { type DoctorProjectDeps, projectChecks } from './doctor-projects.ts';
import { validateAccountItems } from './load-account.ts';

/** pass ✓, fail ✗, warn ! (works, but look), unanswered – (the endpoint cannot say, e.g. an emulator). */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'unanswered';

export interface DoctorCheck {
  /** table, ses-account, sender, operator, accounts; per account: config, admin-key, costs, usage, recipients. */
  id: string;
  account?: string;
  status: CheckStatus;
  /** false only for `fail`. */
  ok: boolean;
  summary: string;
  /** What to do, for `fail` and `warn`. */
  fix?: string;
  /** Extra lines: spend per day, problems, endpoint answers. */
  details?: string[];
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** The table as DescribeTable shows it, compared with the key schema burnrate creates. */
export type TableInspection =
  | { exists: false; tableName: string }
  | { exists: true; tableName: string; status: string; problems: string[] };

export type SesAnswer<T> = { answered: true; value: T } | { answered: false; reason: string };

export interface SesAccountInfo {
  sandbox: boolean;
  sendingEnabled: boolean;
  enforcementStatus?: string;
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
}

export interface SesIdentityInfo {
  /** The identity that answered: the address itself or its domain. */
  identity: string;
  exists: boolean;
  verified: boolean;
  status?: string;
}

/** The SES questions doctor asks; `unanswered` when the endpoint does not implement the call. */
export interface SesIdentityChecker {
  account(): Promise<SesAnswer<SesAccountInfo>>;
  identity(address: string): Promise<SesAnswer<SesIdentityInfo>>;
}

/** Where admin keys come from, and how to say where without saying what. */
export interface AdminKeySource {
  adminKey(account: { id: string; provider: string; adminKeySecret?: string | undefined }): Promise<string>;
  /** e.g. `Secrets Manager secret burnrate/acme` or `environment variable OPENAI_ADMIN_KEY`. */
  location(account: { id: string; provider: string; adminKeySecret?: string | undefined }): string;
  /** The command or setting that stores a new key there. */
  storeHint(account: { id: string; provider: string; adminKeySecret?: string | undefined }): string;
}

export interface DoctorDeps {
  now: () => Date;
  table: { inspect(): Promise<TableInspection> };
  store: {
    listAccounts(): Promise<Array<{ id: string; enabled: boolean }>>;
    loadAccount(accountId: string): Promise<AccountItems>;
  };
  keys: AdminKeySource;
  costSource: (config: AccountConfig, adminKey: string) => CostSource;
  ses: SesIdentityChecker;
  sender: string | undefined;
  operatorEmail: string | undefined;
  /** Projects and spend limits (the `projects` and `spend-limits` checks); absent: not checked. */
  projects?: DoctorProjectDeps;
  /** The guard (the `guard` and `guard-key` checks); absent: not checked. */
  guard?: DoctorGuardDeps;
}

const COST_DAYS = 7;
/** A cost report more days behind than this is unusual (providers say within 24-48 h). */
const MAX_USUAL_LAG_DAYS = 2;

/**
 * Runs every check, for all accounts or the one named. Throws InvalidInputError (exit 2) for an
 * account the table does not have; everything else becomes a check.
 */
export async function runDoctor(
  deps: DoctorDeps,
  options: { accountId?: string } = {},
): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const tableUsable = await checkTable(deps, checks);
  const sesAccount = await checkSesAccount(deps, checks);
  const identities = memoIdentities(deps.ses);
  await checkSender(deps, identities, checks);
  await checkOperator(deps, sesAccount, identities, checks);

  if (tableUsable) {
    let ids: string[] | undefined;
    try {
      ids = (await deps.store.listAccounts()).map((a) => a.id).sort();
    } catch (error) {
      checks.push(fail('accounts', `cannot list accounts: ${message(error)}`, TABLE_ACCESS_FIX));
    }
    if (ids) {
      if (options.accountId !== undefined && !ids.includes(options.accountId)) {
        throw new InvalidInputError([
          `--account ${options.accountId}: no such account${ids.length ? ` (the table has: ${ids.join(', ')})` : ' (the table has none)'}`,
        ]);
      }
      const chosen = options.accountId !== undefined ? [options.accountId] : ids;
      if (chosen.length === 0) {
        checks.push(
          fail(
            'accounts',
            'no accounts in the table',
            'add one: npx burnrate account put acme.json, then npx burnrate grant add --account acme --amount 500 --effective 2026-01-15',
          ),
        );
      }
      let guarded = false;
      for (const id of chosen) {
        const config = await checkAccount(deps, id, sesAccount, identities, checks);
        if (config && guardedProjects(config).length > 0) guarded = true;
      }
      // The links need the signing key: checked once, when an account uses the guard.
      if (guarded && deps.guard) checks.push(await signingKeyCheck(deps.guard));
    }
  }
  return { ok: checks.every((c) => c.ok), checks };
}

const TABLE_ACCESS_FIX =
  'check AWS credentials and region (AWS_REGION), BURNRATE_TABLE, and AWS_ENDPOINT_URL_DYNAMODB for a local table';

async function checkTable(deps: DoctorDeps, checks: DoctorCheck[]): Promise<boolean> {
  let t: TableInspection;
  try {
    t = await deps.table.inspect();
  } catch (error) {
    checks.push(fail('table', `table not reachable: ${message(error)}`, TABLE_ACCESS_FIX));
    return false;
  }
  if (!t.exists) {
    checks.push(
      fail(
        'table',
        `table ${t.tableName} does not exist`,
        'deploy the stateful stack (npx cdk deploy --all …) and set BURNRATE_TABLE to its table name, or locally: npx burnrate table create',
      ),
    );
    return false;
  }
  if (t.problems.length > 0) {
    checks.push({
      ...fail(
        'table',
        `table ${t.tableName} does not have burnrate's key schema`,
        'point BURNRATE_TABLE at the table the stateful stack created (a table cannot change its keys; npx burnrate table create makes a correct one locally)',
      ),
      details: t.problems,
    });
    return false;
  }
  if (t.status === 'UPDATING') {
    // Readable and writable while it updates (e.g. an index being added): worth a look, not a failure.
    checks.push({
      ...pass('table', `table ${t.tableName} is UPDATING (still readable and writable)`),
      status: 'warn',
      fix: 'wait until it is ACTIVE, then run doctor again',
    });
    return true;
  }
  if (t.status !== 'ACTIVE') {
    checks.push(
      fail('table', `table ${t.tableName} is ${t.status}`, 'wait until it is ACTIVE, then run doctor again'),
    );
    return false;
  }
  checks.push(
    pass('table', `table ${t.tableName}: reachable, ACTIVE, keys pk/sk and index byKind as expected`),
  );
  return true;
}

async function checkSesAccount(
  deps: DoctorDeps,
  checks: DoctorCheck[],
): Promise<SesAnswer<SesAccountInfo> | undefined> {
  let answer: SesAnswer<SesAccountInfo>;
  try {
    answer = await deps.ses.account();
  } catch (error) {
    checks.push(fail('ses-account', `SES account: ${message(error)}`, sesAccessFix(error, 'ses:GetAccount')));
    return undefined;
  }
  if (!answer.answered) {
    checks.push(unanswered('ses-account', 'SES sandbox and send quota', answer.reason));
    return answer;
  }
  const a = answer.value;
  const quota = `sent ${a.sentLast24Hours} of ${a.max24HourSend} in the last 24 h, at most ${a.maxSendRate}/s`;
  if (!a.sendingEnabled) {
    checks.push(
      fail(
        'ses-account',
        `SES sending is paused for this account${a.enforcementStatus ? ` (${a.enforcementStatus})` : ''}; ${quota}`,
        'SES console → Account dashboard / Reputation metrics: resolve the review, then resume sending',
      ),
    );
  } else if (a.max24HourSend > 0 && a.sentLast24Hours >= a.max24HourSend) {
    checks.push(
      fail(
        'ses-account',
        `SES daily quota used up: ${quota}`,
        'wait for the 24-hour window to move on, or ask for a higher quota (SES console → Account dashboard)',
      ),
    );
  } else if (a.sandbox) {
    checks.push({
      ...pass('ses-account', `SES account in the sandbox: only verified recipients get email; ${quota}`),
      status: 'warn',
      fix: 'request production access (SES console → Account dashboard → Request production access), or verify every recipient (see the recipients checks)',
    });
  } else {
    checks.push(pass('ses-account', `SES production access; ${quota}`));
  }
  return answer;
}

type Identities = (address: string) => Promise<SesAnswer<SesIdentityInfo>>;

function memoIdentities(ses: SesIdentityChecker): Identities {
  const cache = new Map<string, Promise<SesAnswer<SesIdentityInfo>>>();
  return (address) => {
    const key = address.toLowerCase();
    let answer = cache.get(key);
    if (!answer) {
      answer = ses.identity(address);
      cache.set(key, answer);
    }
    return answer;
  };
}

async function checkSender(deps: DoctorDeps, identities: Identities, checks: DoctorCheck[]): Promise<void> {
  const sender = deps.sender;
  if (!sender) {
    checks.push(
      fail(
        'sender',
        'BURNRATE_SENDER is not set: burnrate records alerts but sends no email',
        'set BURNRATE_SENDER to the sender address verified in SES (the senderEmail passed at deploy)',
      ),
    );
    return;
  }
  let answer: SesAnswer<SesIdentityInfo>;
  try {
    answer = await identities(sender);
  } catch (error) {
    checks.push(
      fail('sender', `sender ${sender}: ${message(error)}`, sesAccessFix(error, 'ses:GetEmailIdentity')),
    );
    return;
  }
  if (!answer.answered) {
    checks.push(unanswered('sender', `sender ${sender}: identity and verification`, answer.reason));
    return;
  }
  const i = answer.value;
  const via = i.identity === sender ? '' : ` (through domain identity ${i.identity})`;
  if (!i.exists) {
    checks.push(
      fail(
        'sender',
        `sender ${sender}: no SES identity for the address or its domain`,
        `deploy with -c senderEmail=${sender} (the stack creates the identity), or: aws sesv2 create-email-identity --email-identity ${sender}; then click the link SES emails to it`,
      ),
    );
  } else if (!i.verified) {
    checks.push(
      fail(
        'sender',
        `sender ${sender}: identity ${i.identity} is not verified${i.status ? ` (${i.status})` : ''}`,
        i.identity.includes('@')
          ? `click the verification link SES emailed to ${i.identity} (to resend: aws sesv2 delete-email-identity --email-identity ${i.identity}, then create-email-identity again)`
          : `add the DKIM CNAME records for ${i.identity} shown in the SES console (Identities → ${i.identity}) to its DNS`,
      ),
    );
  } else {
    checks.push(pass('sender', `sender ${sender}: verified${via}`));
  }
}

async function checkOperator(
  deps: DoctorDeps,
  sesAccount: SesAnswer<SesAccountInfo> | undefined,
  identities: Identities,
  checks: DoctorCheck[],
): Promise<void> {
  const operator = deps.operatorEmail;
  if (!operator) {
    checks.push(
      fail(
        'operator',
        'BURNRATE_OPERATOR_EMAIL is not set: nobody hears about invalid config items, rejected keys or stale data',
        'set BURNRATE_OPERATOR_EMAIL to the operator address (the operatorEmail passed at deploy)',
      ),
    );
    return;
  }
  const sandbox = sesAccount?.answered ? sesAccount.value.sandbox : false;
  const unverified = sandbox ? await unverifiedAmong([operator], identities) : { missing: [] };
  if ('error' in unverified) {
    checks.push(fail('operator', `operator ${operator}: ${unverified.error}`, unverified.fix));
  } else if (unverified.missing.length > 0) {
    checks.push(
      fail(
        'operator',
        `operator ${operator}: not a verified identity, and SES is in the sandbox`,
        sandboxRecipientFix([operator]),
      ),
    );
  } else {
    checks.push(pass('operator', `operator email ${operator}`));
  }
}

async function unverifiedAmong(
  addresses: readonly string[],
  identities: Identities,
): Promise<{ missing: string[]; unanswered?: string } | { error: string; fix: string }> {
  const missing: string[] = [];
  for (const address of addresses) {
    try {
      const answer = await identities(address);
      if (!answer.answered) return { missing, unanswered: answer.reason };
      if (!answer.value.verified) missing.push(address);
    } catch (error) {
      return { error: message(error), fix: sesAccessFix(error, 'ses:GetEmailIdentity') };
    }
  }
  return { missing };
}

function sandboxRecipientFix(addresses: readonly string[]): string {
  return `verify each address (aws sesv2 create-email-identity --email-identity ${addresses[0]}, then its owner clicks the link) and deploy with -c sandboxRecipients=${addresses.join(',')}; or request production access (SES console → Account dashboard)`;
}

async function checkAccount(
  deps: DoctorDeps,
  id: string,
  sesAccount: SesAnswer<SesAccountInfo> | undefined,
  identities: Identities,
  checks: DoctorCheck[],
): Promise<AccountConfig | undefined> {
  const at = <T extends DoctorCheck>(c: T): T => ({ ...c, account: id });
  let config: AccountConfig;
  try {
    const items = await deps.store.loadAccount(id);
    const valid = validateAccountItems(items);
    config = valid.config;
    checks.push(
      at(
        pass(
          'config',
          `config item and ${valid.grants.length} grant(s) valid (${config.provider}${config.enabled ? '' : ', disabled: not synced'})`,
        ),
      ),
    );
  } catch (error) {
    if (!(error instanceof InvalidInputError)) {
      checks.push(at(fail('config', `cannot load the account: ${message(error)}`, TABLE_ACCESS_FIX)));
      return undefined;
    }
    checks.push(
      at({
        ...fail(
          'config',
          `config item or grants invalid (${error.problems.length} problem(s)); key and provider not checked`,
          `edit the item (npx burnrate account set ${id} field=value, or the DynamoDB console), then npx burnrate account check`,
        ),
        details: error.problems,
      }),
    );
    return undefined;
  }

  await checkRecipients(config, sesAccount, identities, (c) => checks.push(at(c)));

  const where = deps.keys.location(config);
  let key: string;
  try {
    key = await deps.keys.adminKey(config);
    checks.push(at(pass('admin-key', `admin key found in ${where}`)));
  } catch (error) {
    checks.push(at(fail('admin-key', `no admin key: ${message(error)}`, deps.keys.storeHint(config))));
    return config;
  }

  const source = deps.costSource(config, key);
  const now = deps.now();
  const today = startOfUtcDay(now.getTime());
  const fixFor = (error: unknown) => providerFix(error, config, deps.keys.storeHint(config));
  const failed = (id: string, what: string, error: unknown): DoctorCheck =>
    error instanceof ProviderAuthError
      ? { ...fail(id, `${what}: ${authSummary(error)}`, fixFor(error)), details: [message(error)] }
      : fail(id, `${what}: ${message(error)}`, fixFor(error));
  let keyRefused = false;
  try {
    const days = await source.dailyCosts({ start: new Date(today - COST_DAYS * DAY_MS), end: now });
    checks.push(at(costsCheck(days, today)));
  } catch (error) {
    keyRefused = error instanceof ProviderAuthError;
    checks.push(at(failed('costs', `costs for the last ${COST_DAYS} days`, error)));
  }
  try {
    const estimate = await source.usageEstimate({ start: new Date(now.getTime() - 3_600_000), end: now });
    const priced = `usage for the last hour: parsed, priced at ${usdMicros(estimate.amountMicros)}`;
    if (estimate.unknownModels.length > 0) {
      checks.push(
        at({
          ...pass(
            'usage',
            `${priced}; models the price table cannot price (left out of today's estimate): ${estimate.unknownModels.join(', ')}`,
          ),
          status: 'warn',
          fix: `add them to shared/providers/${config.provider}/prices.json; until then today's estimate is low by their spend (the cost report catches up within a day or two)`,
        }),
      );
    } else {
      checks.push(at(pass('usage', `${priced}; every model seen has a price`)));
    }
  } catch (error) {
    checks.push(at(failed('usage', 'usage for the last hour', error)));
  }
  // A refused key fails these the same way: the costs check has said it once, with the fix.
  if (deps.projects && !keyRefused)
    for (const c of await projectChecks(deps.projects, config, key)) checks.push(at(c));
  if (deps.guard && !keyRefused)
    for (const c of await guardCheck(deps.guard, config, key)) checks.push(at(c));
  return config;
}

async function checkRecipients(
  config: AccountConfig,
  sesAccount: SesAnswer<SesAccountInfo> | undefined,
  identities: Identities,
  push: (c: DoctorCheck) => void,
): Promise<void> {
  const recipients = config.recipients;
  if (!sesAccount) return; // the SES account check failed already and says why
  if (!sesAccount.answered) {
    push({
      ...unanswered('recipients', `recipients ${recipients.join(', ')}: whether SES may send to them`, ''),
      details: ['see ses-account: the sandbox question was not answered'],
    });
    return;
  }
  if (!sesAccount.value.sandbox) {
    push(
      pass('recipients', `recipients ${recipients.join(', ')}: SES has production access, any address works`),
    );
    return;
  }
  const result = await unverifiedAmong(recipients, identities);
  if ('error' in result) {
    push(fail('recipients', `recipients: ${result.error}`, result.fix));
  } else if (result.unanswered) {
    push(unanswered('recipients', 'recipients: sandbox verification', result.unanswered));
  } else if (result.missing.length > 0) {
    push(
      fail(
        'recipients',
        `SES is in the sandbox and these recipients are not verified: ${result.missing.join(', ')}`,
        sandboxRecipientFix(result.missing),
      ),
    );
  } else {
    push(pass('recipients', `recipients ${recipients.join(', ')}: verified (SES sandbox)`));
  }
}

function costsCheck(days: ReadonlyArray<{ day: string; amountMicros: number }>, today: number): DoctorCheck {
  const perDay = days.map((d) => `${d.day}  ${usdMicros(d.amountMicros)}`);
  const total = days.reduce((s, d) => s + d.amountMicros, 0);
  const withSpend = days.filter((d) => d.amountMicros > 0).map((d) => d.day);
  const latest = withSpend.at(-1);
  const range = days.length ? ` (${days[0]?.day} … ${days.at(-1)?.day})` : '';
  const head = `costs for the last ${COST_DAYS} days: key accepted, pages parsed, ${days.length} day(s) back${range}, ${usdMicros(total)} in all`;
  if (!latest) {
    return {
      ...pass('costs', `${head}; no spend in those days`),
      status: 'warn',
      fix: 'if this organization did spend recently, check the key belongs to it (an admin key of another organization sees no costs)',
      details: perDay,
    };
  }
  const lag = Math.round((today - Date.parse(`${latest}T00:00:00Z`)) / DAY_MS);
  const summary = `${head}; latest day with spend ${latest}, ${lag} day(s) behind today (${dayKey(today)})`;
  if (lag > MAX_USUAL_LAG_DAYS) {
    return {
      ...pass('costs', summary),
      status: 'warn',
      fix: `the cost report usually lags a day or two: if there was spend since ${latest}, the provider is late; burnrate's estimate covers only today`,
      details: perDay,
    };
  }
  return { ...pass('costs', summary), details: perDay };
}

const ADMIN_KEY_PAGE: Record<string, string> = {
  openai:
    'create an admin key (sk-admin-…) under Organization settings → Admin keys (https://platform.openai.com/settings/organization/admin-keys)',
  anthropic:
    'create an Admin API key (sk-ant-admin…) in the Claude Console under Settings → Admin keys (organization admins only)',
};

const AUTH_SUMMARY: Record<ProviderAuthReason, string> = {
  'not-admin-key': 'not an admin key (a project, user or standard API key)',
  'missing-scope': 'an admin key without the usage read scope',
  'invalid-key': 'rejected: revoked, mistyped or of another organization',
  unknown: 'refused',
};

/** The refusal in a few words; the provider's full answer goes in the details. */
function authSummary(error: ProviderAuthError): string {
  const status = /HTTP (\d{3})/.exec(error.message)?.[1];
  return `key refused${status ? ` (HTTP ${status})` : ''}: ${AUTH_SUMMARY[error.reason]}`;
}

const AUTH_FIX: Record<ProviderAuthReason, (create: string) => string> = {
  'not-admin-key': (create) => `this is a project or standard API key, which cannot read costs: ${create}`,
  'missing-scope': (create) =>
    `this admin key lacks the usage read scope (api.usage.read): ${create} with read access to usage`,
  'invalid-key': (create) => `the key was rejected (revoked, mistyped or of another organization): ${create}`,
  unknown: (create) => `check that the stored key is an admin key: ${create}`,
};

function providerFix(error: unknown, config: AccountConfig, storeHint: string): string {
  const create = ADMIN_KEY_PAGE[config.provider] ?? 'create an admin key';
  if (error instanceof ProviderAuthError) return `${AUTH_FIX[error.reason](create)}; then ${storeHint}`;
  if (error instanceof ProviderQuotaError)
    return "the organization is out of quota or credit: add credit on the provider's billing page";
  if (error instanceof ProviderRateLimitError)
    return 'rate limited by the provider: run doctor again in a minute';
  if (error instanceof ProviderUnavailableError)
    return `the provider did not answer: check the network and ${config.provider === 'openai' ? 'OPENAI_BASE_URL' : 'ANTHROPIC_BASE_URL'}, then run doctor again`;
  if (error instanceof ProviderResponseError)
    return 'the provider answered in a shape burnrate does not read (the field is named above): report it with this output';
  return 'run doctor again; if it persists, report it with this output';
}

function sesAccessFix(error: unknown, action: string): string {
  const name = (error as Error).name ?? '';
  if (/AccessDenied/i.test(name))
    return `allow ${action} for the credentials doctor runs with (the functions need only SendEmail)`;
  return 'check AWS credentials, AWS_REGION (the region of the SES identity) and AWS_ENDPOINT_URL_SES for the emulator';
}

function message(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string };
  const text = e.message || e.code || e.name || String(error);
  return text.split('\n')[0] ?? text;
}

function pass(id: string, summary: string): DoctorCheck {
  return { id, status: 'pass', ok: true, summary };
}

function fail(id: string, summary: string, fix: string): DoctorCheck {
  return { id, status: 'fail', ok: false, summary, fix };
}

function unanswered(id: string, what: string, reason: string): DoctorCheck {
  return {
    id,
    status: 'unanswered',
    ok: true,
    summary: `${what}: not answered by this endpoint`,
    details: [reason],
  };
}

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', unanswered: '–' };

/** The checklist as text: one line per check, the fix and details indented under it. */
export function formatDoctorReport(report: DoctorReport, options: { only?: CheckStatus[] } = {}): string {
  const lines: string[] = [];
  let account: string | undefined;
  for (const c of report.checks) {
    if (options.only && !options.only.includes(c.status)) continue;
    if (!options.only && c.account !== account) {
      account = c.account;
      lines.push('', `account ${c.account}`);
    }
    const label = options.only && c.account ? `${c.account} ${c.id}` : c.id;
    lines.push(`${SYMBOL[c.status]} ${label}: ${c.summary}`);
    if (c.fix) lines.push(`    fix: ${c.fix}`);
    if (!options.only) for (const d of c.details ?? []) lines.push(`    ${d}`);
  }
  if (!options.only) {
    const failed = report.checks.filter((c) => !c.ok).length;
    lines.push('', report.ok ? 'all checks passed' : `${failed} check(s) failed`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
