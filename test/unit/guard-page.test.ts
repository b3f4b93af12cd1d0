import { createHash } from 'node:crypto';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { GuardUnavailableError } from '../../shared/guard/actions.ts';
import { fromFunctionUrlEvent, toFunctionUrlResult } from '../../shared/guard/function-url.ts';
import { type GuardDeps, type Handled, handleGuardRequest } from '../../shared/guard/handler.ts';
import { StaticSigningKey } from '../../shared/guard/signing-key.ts';
import { issueToken, signingKeyBytes, verifyToken } from '../../shared/guard/token.ts';
import { FakeGuardActions, INCIDENT, MemoryUsedTokens, NOW, searchProposal } from '../support/guard-fakes.ts';

const SECRET = 'unit-test-signing-key-0123456789-abcdef';
const KEY = signingKeyBytes(SECRET, 'test');
let actions: FakeGuardActions;
let used: MemoryUsedTokens;
let deps: GuardDeps;
let now: Date;

beforeEach(() => {
  now = NOW;
  actions = new FakeGuardActions(searchProposal(), () => now);
  used = new MemoryUsedTokens();
  deps = { key: new StaticSigningKey(SECRET, 'test'), usedTokens: used, actions, now: () => now };
});

const link = (action: 'freeze' | 'release' = 'freeze', at = NOW, projectId = 'proj_search') =>
  issueToken({ accountId: 'acme', projectId, incident: INCIDENT, action, now: at }, KEY).token;
const get = (token?: string, method = 'GET') =>
  handleGuardRequest(
    { method, path: '/', query: new URLSearchParams(token === undefined ? '' : { t: token }) },
    deps,
  );
const post = (fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
  handleGuardRequest(
    {
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      body: new URLSearchParams(fields).toString(),
      contentType,
    },
    deps,
  );
/** The hidden token of the page's one form, and its action field. */
function form(h: Handled): { t: string; action: string } | undefined {
  const forms = [...h.response.body.matchAll(/<form method="post" action="\/">(.*?)<\/form>/g)];
  expect(forms.length).toBeLessThanOrEqual(1);
  const inner = forms[0]?.[1];
  if (!inner) return undefined;
  return {
    t: /name="t" value="([^"]+)"/.exec(inner)?.[1] as string,
    action: /name="action" value="([^"]+)"/.exec(inner)?.[1] as string,
  };
}
const ENTITIES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&amp;': '&',
};
/** The page as a person reads it: the body's text, entities decoded. */
const text = (h: Handled) =>
  (/<main>([\s\S]*)<\/main>/.exec(h.response.body)?.[1] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|quot|#39|amp);/g, (m) => ENTITIES[m] ?? m)
    .replace(/\s+/g, ' ');

describe('GET: the approval page changes nothing', () => {
  it('shows the account, project, the hour, the plan and the cost of waiting, with one freeze button', async () => {
    const token = link();
    const h = await get(token);
    expect(h.response.status).toBe(200);
    const t = text(h);
    for (const fact of [
      'Freeze Search now?',
      'Acme production acme · OpenAI',
      'Search proj_search',
      'Spiking hour 2026-11-24 15:00–16:00 UTC: $118.40',
      'Every hour of waiting costs about $118.40 at this pace.',
      "The button will set the project's hard monthly limit to $417.60 (it has none now).",
      'Month to date $412.60',
      'Opening this page changed nothing.',
      'expires at 2026-11-25 15:42 UTC',
    ])
      expect(t).toContain(fact);
    expect(form(h)).toEqual({ t: token, action: 'freeze' });
    expect(h.log).toEqual({
      outcome: 'shown',
      status: 200,
      accountId: 'acme',
      projectId: 'proj_search',
      action: 'freeze',
      link: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/),
    });
  });

  it('GET and HEAD, repeated, only read: no freeze, no release, no link used', async () => {
    const token = link();
    for (let i = 0; i < 3; i++) {
      expect((await get(token)).response.status).toBe(200);
      const head = await get(token, 'HEAD');
      expect(head.response.status).toBe(200);
      expect(head.response.body).toBe('');
      expect(head.response.headers['content-security-policy']).toBeDefined();
    }
    expect(actions.count('freeze') + actions.count('release')).toBe(0);
    expect(actions.count('proposal')).toBe(6);
    expect(used.items.size).toBe(0);
    // And the link still works afterwards.
    expect((await post({ t: token, action: 'freeze' })).response.status).toBe(200);
    expect(actions.count('freeze')).toBe(1);
  });

  it('sends a strict CSP whose hashes match the inline style and script, and no-store, no-referrer, noindex', async () => {
    const h = await get(link());
    const headers = h.response.headers;
    const csp = headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    const style = /<style>([\s\S]*?)<\/style>/.exec(h.response.body)?.[1] as string;
    const script = /<script>([\s\S]*?)<\/script>/.exec(h.response.body)?.[1] as string;
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(headers).toMatchObject({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex, nofollow',
      'content-type': 'text/html; charset=utf-8',
      'x-frame-options': 'DENY',
    });
    // No external asset of any kind.
    expect(h.response.body).not.toMatch(/(src|href)=/);
  });

  it('escapes every name the page shows (a project named like markup stays text)', async () => {
    actions.state = searchProposal({
      projectName: '<img src=x onerror=alert(1)>"Search"',
      accountName: "Acme & Sons' <prod>",
    });
    const h = await get(link());
    expect(h.response.body).not.toContain('<img');
    expect(h.response.body).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;Search&quot;');
    expect(h.response.body).toContain('Acme &amp; Sons&#39; &lt;prod&gt;');
  });

  it('shows the state instead of a button when the project is already frozen', async () => {
    actions.state = searchProposal({
      state: 'frozen',
      frozen: { since: '2026-11-24T15:10:00Z', thresholdUsd: 417.6 },
    });
    const h = await get(link());
    expect(form(h)).toBeUndefined();
    expect(text(h)).toContain(
      'Search frozen since 2026-11-24 15:10 UTC at $417.60 (hard limit). Nothing to do.',
    );
  });

  it('an Undo link shows the freeze in force and a release button', async () => {
    actions.state = searchProposal({
      state: 'frozen',
      frozen: { since: '2026-11-24T15:10:00Z', thresholdUsd: 417.6 },
    });
    const token = link('release');
    const h = await get(token);
    expect(text(h)).toContain('Undo the freeze of Search?');
    expect(form(h)).toEqual({ t: token, action: 'release' });
    expect(actions.count('release')).toBe(0);
  });

  it('without a token, on another path or method, says so and does nothing', async () => {
    expect((await get()).response.status).toBe(400);
    const other = await handleGuardRequest(
      { method: 'GET', path: '/favicon.ico', query: new URLSearchParams() },
      deps,
    );
    expect(other.response.status).toBe(404);
    const put = await handleGuardRequest({ method: 'PUT', path: '/', query: new URLSearchParams() }, deps);
    expect(put.response.status).toBe(405);
    expect(put.response.headers.allow).toBe('GET, HEAD, POST');
    expect(actions.calls).toEqual([]);
  });
});

describe('refusals say why, with their status', () => {
  it.each([
    [
      'expired',
      () => link('freeze', new Date(NOW.getTime() - 25 * 3_600_000)),
      410,
      'This link expired at 2026-11-24 14:42 UTC.',
    ],
    [
      'altered',
      () => link().replace(/^(.{10})./, (_m, p) => `${p}${link()[10] === 'A' ? 'B' : 'A'}`),
      403,
      'This link was altered',
    ],
    ['damaged', () => link().slice(0, -5), 400, 'This link is incomplete or damaged.'],
  ])('%s link: GET and POST refused, nothing done', async (_name, make, status, message) => {
    const token = make();
    const shown = await get(token);
    expect(shown.response.status).toBe(status);
    expect(text(shown)).toContain(message);
    expect(form(shown)).toBeUndefined();
    const posted = await post({ t: token, action: 'freeze' });
    expect(posted.response.status).toBe(status);
    expect(actions.calls.filter((c) => c.op !== 'proposal')).toEqual([]);
    expect(used.items.size).toBe(0);
  });

  it('an Undo token posted as a freeze is refused (400) and not used up', async () => {
    const undo = link('release');
    const h = await post({ t: undo, action: 'freeze' });
    expect(h.response.status).toBe(400);
    expect(text(h)).toContain('This link is for undoing a freeze, not for freezing.');
    expect(used.items.size).toBe(0);
  });

  it('an unknown incident is a 404 and does not use the link', async () => {
    const h = await post({ t: link('freeze', NOW, 'proj_unknown'), action: 'freeze' });
    expect(h.response.status).toBe(404);
    expect(text(h)).toContain(
      'burnrate has no record of incident guard:proj_search:2026-11-24 for proj_unknown',
    );
    expect(used.items.size).toBe(0);
    expect(actions.count('freeze')).toBe(0);
  });

  it('refuses a POST that is not the page form (415) or has no action (400)', async () => {
    expect((await post({ t: link(), action: 'freeze' }, 'application/json')).response.status).toBe(415);
    expect((await post({ t: link() })).response.status).toBe(400);
    expect((await post({ t: link(), action: 'freeze', pad: 'x'.repeat(5000) })).response.status).toBe(413);
    expect(used.items.size).toBe(0);
  });
});

describe('POST: the button', () => {
  it('freezes once, shows the result and a fresh Undo; the link then says it was already used', async () => {
    const token = link();
    now = new Date('2026-11-24T15:45:00.000Z');
    const h = await post({ t: token, action: 'freeze' });
    expect(h.response.status).toBe(200);
    expect(text(h)).toContain('Search is frozen');
    expect(text(h)).toContain('Frozen Search at $417.60 (hard limit)');
    expect(actions.calls.filter((c) => c.op === 'freeze')).toEqual([
      {
        op: 'freeze',
        args: ['acme', 'proj_search', INCIDENT, expect.stringMatching(/^approval page, link .{8}$/)],
      },
    ]);
    const undo = form(h);
    expect(undo?.action).toBe('release');
    const checked = verifyToken(undo?.t as string, KEY, now, 'release');
    expect(checked).toMatchObject({ ok: true, claims: { projectId: 'proj_search', incident: INCIDENT } });
    expect(text(h)).toContain('npx burnrate guard release --account acme --project proj_search');

    const again = await post({ t: token, action: 'freeze' });
    expect(again.response.status).toBe(410);
    expect(text(again)).toContain('This link was already used at 2026-11-24 15:45 UTC.');
    expect(text(again)).toContain('Now: Search frozen since 2026-11-24 15:45 UTC at $417.60 (hard limit).');
    expect((await get(token)).response.status).toBe(410);
    expect(actions.count('freeze')).toBe(1);

    const released = await post({ t: undo?.t as string, action: 'release' });
    expect(text(released)).toContain('Search is released');
    expect(form(released)).toBeUndefined();
    expect(actions.count('release')).toBe(1);
    expect((await post({ t: undo?.t as string, action: 'release' })).response.status).toBe(410);
    expect(actions.count('release')).toBe(1);
  });

  it('when the action throws, answers 500 and frees the link so the person can press again', async () => {
    const token = link();
    actions.failNext = new Error('provider said 500 for sk-admin-SECRET');
    const failed = await post({ t: token, action: 'freeze' });
    expect(failed.response.status).toBe(500);
    expect(text(failed)).toContain('it still works: try again in a minute');
    // The page never shows the error text (it could name internals); the log has it.
    expect(failed.response.body).not.toContain('sk-admin');
    expect(failed.log).toMatchObject({ outcome: 'failed', status: 500, error: { name: 'Error' } });
    expect(used.items.size).toBe(0);
    expect((await post({ t: token, action: 'freeze' })).response.status).toBe(200);
    expect(actions.count('freeze')).toBe(2);
  });

  it('when the store cannot free the link either, says the link is used up and names the CLI', async () => {
    actions.failNext = new Error('provider down');
    used.unconsume = async () => {
      throw new Error('DynamoDB unreachable');
    };
    const failed = await post({ t: link(), action: 'freeze' });
    expect(failed.response.status).toBe(500);
    expect(text(failed)).toContain(
      'This link is used up; the operator can run "npx burnrate guard freeze --account acme --project proj_search".',
    );
  });

  it('answers 503 with Retry-After when the guard cannot act now (e.g. an undo while its freeze is being applied)', async () => {
    const busy = async (): Promise<never> => {
      throw new GuardUnavailableError('A freeze of Search is being applied right now; undo it in a minute.');
    };
    deps.actions = { proposal: busy, freeze: busy, release: busy };
    const h = await get(link());
    expect(h.response.status).toBe(503);
    expect(h.response.headers['retry-after']).toBe('60');
    expect(text(h)).toContain('being applied right now');
  });

  it('never puts the token or the key in what it logs', async () => {
    const token = link();
    const logs = [await get(token), await post({ t: token, action: 'freeze' }), await get(token)].map((h) =>
      JSON.stringify(h.log),
    );
    for (const line of logs) {
      expect(line).not.toContain(token.split('.')[1]);
      expect(line).not.toContain(token.split('.')[0]);
      expect(line).not.toContain(SECRET);
    }
  });
});

describe('the Lambda Function URL adapter', () => {
  it('reads a base64 form body and a query string (payload v2) and answers with the page headers', async () => {
    const token = link();
    const event = {
      version: '2.0',
      rawPath: '/',
      rawQueryString: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: { http: { method: 'POST', path: '/' } },
      body: Buffer.from(new URLSearchParams({ t: token, action: 'freeze' }).toString()).toString('base64'),
      isBase64Encoded: true,
    } as unknown as LambdaFunctionURLEvent;
    const req = fromFunctionUrlEvent(event);
    expect(req).toMatchObject({
      method: 'POST',
      path: '/',
      contentType: 'application/x-www-form-urlencoded',
    });
    const result = toFunctionUrlResult((await handleGuardRequest(req, deps)).response);
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['cache-control']).toBe('no-store');
    expect(actions.count('freeze')).toBe(1);

    const getEvent = {
      ...event,
      rawQueryString: `t=${token}`,
      requestContext: { http: { method: 'GET', path: '/' } },
      body: undefined,
      isBase64Encoded: false,
    } as unknown as LambdaFunctionURLEvent;
    expect(fromFunctionUrlEvent(getEvent).query.get('t')).toBe(token);
  });
});
