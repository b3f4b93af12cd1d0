import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardLinks, linkUrl } from '../../shared/guard/links.ts';
import { localSigningKey, StaticSigningKey } from '../../shared/guard/signing-key.ts';
import {
  issueToken,
  SigningKeyError,
  signingKeyBytes,
  signToken,
  TOKEN_LIFETIME_MS,
  type TokenClaims,
  verifyToken,
} from '../../shared/guard/token.ts';
import { INCIDENT, NOW } from '../support/guard-fakes.ts';

const KEY = signingKeyBytes('test-signing-key-0123456789-abcdefghijklmnop', 'test');
const OTHER_KEY = signingKeyBytes('x'.repeat(48), 'test');
const target = { accountId: 'acme', projectId: 'proj_search', incident: INCIDENT };
const freezeToken = (now = NOW, key = KEY) => issueToken({ ...target, action: 'freeze', now }, key);

describe('guard link tokens', () => {
  it('round-trip: a token issued now verifies to exactly its claims, expiring 24 h later to the second', () => {
    const { token, claims } = freezeToken();
    expect(claims.expiresAt.toISOString()).toBe('2026-11-25T15:42:10.000Z');
    const checked = verifyToken(token, KEY, NOW, 'freeze');
    expect(checked).toEqual({ ok: true, claims });
    expect(claims.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // base64url and one dot: nothing in it needs escaping in a URL or an HTML attribute.
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('is refused from the second it expires (410), saying when', () => {
    const { token, claims } = freezeToken();
    const last = new Date(claims.expiresAt.getTime() - 1);
    expect(verifyToken(token, KEY, last).ok).toBe(true);
    const checked = verifyToken(token, KEY, claims.expiresAt);
    expect(checked).toEqual({
      ok: false,
      refusal: {
        reason: 'expired',
        status: 410,
        message: 'This link expired at 2026-11-25 15:42 UTC. Nothing was done.',
      },
    });
    expect(TOKEN_LIFETIME_MS).toBe(86_400_000);
  });

  it('refuses a token for another action (400) and says which it is for', () => {
    const undo = issueToken({ ...target, action: 'release', now: NOW }, KEY).token;
    const checked = verifyToken(undo, KEY, NOW, 'freeze');
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.refusal).toMatchObject({ reason: 'wrong-action', status: 400 });
      expect(checked.refusal.message).toBe(
        'This link is for undoing a freeze, not for freezing. Nothing was done.',
      );
    }
    expect(verifyToken(undo, KEY, NOW, 'release').ok).toBe(true);
  });

  it('refuses a token signed with another key, or whose claims were changed, as altered (403)', () => {
    const { token } = freezeToken(NOW, OTHER_KEY);
    expect(verifyToken(token, KEY, NOW)).toMatchObject({
      ok: false,
      refusal: { reason: 'altered', status: 403 },
    });
    // Another project's payload under this token's MAC.
    const [, mac] = freezeToken().token.split('.');
    const forged = `${issueToken({ ...target, projectId: 'proj_other', action: 'freeze', now: NOW }, OTHER_KEY).token.split('.')[0]}.${mac}`;
    expect(verifyToken(forged, KEY, NOW)).toMatchObject({ ok: false, refusal: { reason: 'altered' } });
  });

  it('any change to any one character is refused, never accepted with other claims (property)', () => {
    const { token } = freezeToken();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (i, c) => {
        fc.pre(token[i] !== c);
        const changed = token.slice(0, i) + c + token.slice(i + 1);
        const checked = verifyToken(changed, KEY, NOW);
        expect(checked.ok).toBe(false);
        if (!checked.ok) expect(['malformed', 'altered']).toContain(checked.refusal.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts only the canonical MAC text: a last character differing in its spare bits is refused', () => {
    const { token } = freezeToken();
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = B64.indexOf(token.at(-1) as string);
    // 32 bytes in 43 characters leave the last character's low 2 bits unused: same bytes decoded.
    const sibling = `${token.slice(0, -1)}${B64[last ^ 1]}`;
    expect(Buffer.from(sibling.split('.')[1] as string, 'base64url')).toEqual(
      Buffer.from(token.split('.')[1] as string, 'base64url'),
    );
    expect(verifyToken(sibling, KEY, NOW)).toMatchObject({ ok: false, refusal: { reason: 'altered' } });
  });

  it('refuses damaged text as malformed (400) without throwing, whatever its length', () => {
    const { token } = freezeToken();
    const [payload, mac] = token.split('.') as [string, string];
    for (const bad of [
      '',
      'abc',
      `${payload}.${mac}.x`,
      `${payload}.`,
      `.${mac}`,
      `${payload}.${mac.slice(0, -1)}`, // truncated: a 31-byte MAC must not reach timingSafeEqual
      `${payload}.${mac}AA`, // too long
      `${payload}.${mac.slice(0, 20)}+${mac.slice(21)}`,
      `${payload}.${mac}`.repeat(20),
    ]) {
      const checked = verifyToken(bad, KEY, NOW);
      expect(checked).toMatchObject({ ok: false, refusal: { reason: 'malformed', status: 400 } });
    }
  });

  it('refuses a correctly signed payload of another version or shape as malformed', () => {
    const sign = (value: unknown) => {
      const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
      const mac = createHmac('sha256', KEY).update('burnrate-guard-link/1.').update(payload).digest();
      return `${payload}.${mac.toString('base64url')}`;
    };
    const seconds = Math.floor(NOW.getTime() / 1000) + 3600;
    // The hand-made encoding is the real one: the right shape verifies.
    expect(verifyToken(sign([1, 'acme', 'p', INCIDENT, 'freeze', seconds, 'n']), KEY, NOW).ok).toBe(true);
    for (const value of [
      [2, 'acme', 'p', INCIDENT, 'freeze', seconds, 'n'],
      [1, 'acme', 'p', INCIDENT, 'delete', seconds, 'n'],
      [1, 'acme', '', INCIDENT, 'freeze', seconds, 'n'],
      [1, 'acme', 'p', INCIDENT, 'freeze', String(seconds), 'n'],
      { v: 1 },
    ])
      expect(verifyToken(sign(value), KEY, NOW)).toMatchObject({
        ok: false,
        refusal: { reason: 'malformed' },
      });
  });

  it('signs only whole-second expiries, so the page shows the exact instant that is checked', () => {
    const claims: TokenClaims = { ...target, action: 'freeze', expiresAt: new Date(1.5), nonce: 'n' };
    expect(() => signToken(claims, KEY)).toThrow(/whole second/);
  });

  it('signs only claims it will read back: an empty or over-long field is refused when signing', () => {
    const claims: TokenClaims = { ...target, action: 'freeze', expiresAt: new Date(1000), nonce: 'n' };
    expect(() => signToken({ ...claims, projectId: '' }, KEY)).toThrow(
      'projectId: expected 1-256 characters, got 0',
    );
    expect(() => signToken({ ...claims, incident: 'x'.repeat(257) }, KEY)).toThrow(/incident: .* got 257/);
    expect(verifyToken(signToken({ ...claims, incident: 'x'.repeat(256) }, KEY), KEY, new Date(0)).ok).toBe(
      true,
    );
  });
});

describe('signing keys', () => {
  it('refuses a key shorter than 32 bytes, without showing it', () => {
    expect(() => signingKeyBytes('short-secret-value', 'BURNRATE_GUARD_KEY')).toThrow(SigningKeyError);
    try {
      new StaticSigningKey('short-secret-value', 'BURNRATE_GUARD_KEY');
    } catch (error) {
      expect((error as Error).message).toBe(
        'BURNRATE_GUARD_KEY: the guard signing key must be at least 32 bytes (it has 18)',
      );
    }
  });

  it('npm start generates a local key once (owner-only file) and reuses it after a restart', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'guard-key-')), 'state');
    const first = localSigningKey(dir);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dir, 'guard-signing-key')).mode & 0o777).toBe(0o600);
    expect(localSigningKey(dir)).toBe(first);
    expect(readFileSync(join(dir, 'guard-signing-key'), 'utf8').trim()).toBe(first);
    writeFileSync(join(dir, 'guard-signing-key'), 'too-short\n');
    expect(() => localSigningKey(dir)).toThrow(/at least 32 bytes \(it has 9\)/);
  });
});

describe('guardLinks', () => {
  it('builds a freeze link and an Undo link, each its own single-use token for this incident', () => {
    const links = guardLinks(
      { ...target, baseUrl: 'https://abc.lambda-url.us-east-1.on.aws/', now: NOW },
      KEY,
    );
    const token = (url: string) => new URL(url).searchParams.get('t') as string;
    expect(links.freeze).toMatch(/^https:\/\/abc\.lambda-url\.us-east-1\.on\.aws\/\?t=[A-Za-z0-9_.-]+$/);
    const freeze = verifyToken(token(links.freeze), KEY, NOW, 'freeze');
    const undo = verifyToken(token(links.undo), KEY, NOW, 'release');
    if (!freeze.ok || !undo.ok) throw new Error('links do not verify');
    expect(freeze.claims).toMatchObject({ ...target, action: 'freeze' });
    expect(undo.claims).toMatchObject({ ...target, action: 'release' });
    expect(freeze.claims.nonce).not.toBe(undo.claims.nonce);
    expect(links.expiresAt).toEqual(freeze.claims.expiresAt);
  });

  it('takes the local base URL as npm start sets it, with or without a trailing slash', () => {
    expect(linkUrl('http://127.0.0.1:8006', 'a.b')).toBe('http://127.0.0.1:8006/?t=a.b');
    expect(linkUrl('http://127.0.0.1:8006/', 'a.b')).toBe('http://127.0.0.1:8006/?t=a.b');
  });
});
