/**
 * The approval page driven in headless Chromium (Debian's /usr/bin/chromium; .ci/run installs it),
 * served by the same handler and local server `npm start` runs, with single use on DynamoDB Local
 * and the guard use case as an in-memory fake that counts calls. With BURNRATE_SCREENSHOTS=<dir>
 * it also saves the pages as PNGs (the README's picture comes from here).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUsedTokens } from '../../shared/guard/dynamo-used-tokens.ts';
import { handleGuardRequest } from '../../shared/guard/handler.ts';
import { guardLinks } from '../../shared/guard/links.ts';
import { type LocalGuardServer, startGuardServer } from '../../shared/guard/local-server.ts';
import { StaticSigningKey } from '../../shared/guard/signing-key.ts';
import { signingKeyBytes } from '../../shared/guard/token.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { FakeGuardActions, searchProposal } from '../support/guard-fakes.ts';

const SECRET = 'browser-test-signing-key-0123456789-abcdef';
const KEY = signingKeyBytes(SECRET, 'test');
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ddb = useDynamoDbLocal();
// The spiking hour is the last complete one, so the page (and the README's picture) reads as today's.
const HOUR = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
const INCIDENT = `guard:proj_search:${new Date(HOUR).toISOString().slice(0, 10)}`;
const hourText = `${new Date(HOUR).toISOString().slice(0, 16).replace('T', ' ')}–${new Date(HOUR + 3_600_000).toISOString().slice(11, 16)} UTC`;
const actions = new FakeGuardActions(
  searchProposal({ incident: INCIDENT, hourStart: new Date(HOUR).toISOString() }),
  () => new Date(),
);
const screenshots = process.env.BURNRATE_SCREENSHOTS;
let table: string;
let server: LocalGuardServer;
let browser: BrowserContext;
const cspViolations: string[] = [];
/** The one browser API used in page.evaluate (the project's TypeScript has no DOM lib). */
type BrowserWindow = { getComputedStyle(e: unknown): { backgroundColor: string } };

beforeAll(async () => {
  table = await ddb.freshTable('guard-browser');
  const usedTokens = new DynamoUsedTokens(ddb.doc, table);
  const key = new StaticSigningKey(SECRET, 'test');
  server = await startGuardServer((req) =>
    handleGuardRequest(req, { key, usedTokens, actions, now: () => new Date() }),
  );
  // A fresh profile (--user-data-dir) and headless (--headless), both set by Playwright from these options.
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'guard-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 760, height: 560 },
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(url: string): Promise<{ page: Page; status: number | undefined }> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  const response = await page.goto(url);
  return { page, status: response?.status() };
}

/** Presses the page's one button and waits for the POST's answer. */
async function press(page: Page, name: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name }).click(),
  ]);
  await page.waitForLoadState();
  return response.status();
}

const usedLinks = async () =>
  (
    await ddb.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
        ExpressionAttributeValues: { ':pk': 'ACCOUNT#acme', ':t': 'TOKEN#' },
      }),
    )
  ).Items ?? [];

/** The page's text as a person sees it: Playwright's innerText (laid out; textContent would run the cells together). */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node.
const seen = (page: Page) => page.locator('main').innerText();

async function shoot(page: Page, name: string) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name), fullPage: true });
}

describe('the approval page in headless Chromium', () => {
  it('open (nothing happens), freeze, undo; the used link, an expired and an altered one are refused', async () => {
    const links = guardLinks(
      {
        accountId: 'acme',
        projectId: 'proj_search',
        incident: INCIDENT,
        baseUrl: server.url,
        now: new Date(),
      },
      KEY,
    );

    // 1. Opening the link shows the proposal and changes nothing.
    const first = await open(links.freeze);
    expect(first.status).toBe(200);
    const page = first.page;
    await expect.poll(() => page.locator('h1').textContent()).toBe('Freeze Search now?');
    const body = (await seen(page)).replace(/\s+/g, ' ');
    expect(body).toContain('Acme production acme · OpenAI');
    expect(body).toContain(`Spiking hour ${hourText}: $118.40`);
    expect(body).toContain('Every hour of waiting costs about $118.40 at this pace.');
    expect(body).toContain(
      "The button will set the project's hard monthly limit to $417.60 (it has none now).",
    );
    expect(await page.getByRole('button').count()).toBe(1);
    // The inline style ran under the CSP (allowed by its hash): the button is red, not default grey.
    expect(
      await page
        .getByRole('button')
        .evaluate((b) => (globalThis as unknown as BrowserWindow).getComputedStyle(b).backgroundColor),
    ).toBe('rgb(220, 38, 38)');
    await shoot(page, 'guard-approval-page.png');
    // A second tab on the same link, as a person who opened the email twice would have.
    const second = await open(links.freeze);
    expect(second.status).toBe(200);
    expect(actions.count('freeze') + actions.count('release')).toBe(0);
    expect(await usedLinks()).toEqual([]);

    // 2. The button freezes, once, and the result page offers Undo.
    expect(await press(page, 'Freeze Search now')).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Search is frozen');
    expect(await seen(page)).toContain('Frozen Search at $417.60 (hard limit)');
    expect(actions.count('freeze')).toBe(1);
    expect(await usedLinks()).toHaveLength(1);
    await shoot(page, 'guard-frozen-page.png');

    // 3. Undo releases, once.
    expect(await press(page, 'Undo: release Search')).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Search is released');
    expect(actions.count('release')).toBe(1);
    expect(await page.getByRole('button').count()).toBe(0);

    // 4. The second tab's button: the link was used, so it is refused and nothing more is done.
    expect(await press(second.page, 'Freeze Search now')).toBe(410);
    expect(await seen(second.page)).toMatch(/This link was already used at \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
    expect(actions.count('freeze')).toBe(1);

    // 5. Reopening the first link says it was used.
    const reused = await open(links.freeze);
    expect(reused.status).toBe(410);
    expect(await reused.page.locator('h1').textContent()).toBe('This link was already used');
    expect(await seen(reused.page)).toContain('Now: Search was released: the freeze is undone.');
    await shoot(reused.page, 'guard-used-page.png');

    // 6. An expired link (issued 25 hours ago).
    const old = guardLinks(
      {
        accountId: 'acme',
        projectId: 'proj_search',
        incident: INCIDENT,
        baseUrl: server.url,
        now: new Date(Date.now() - 25 * 3_600_000),
      },
      KEY,
    );
    const expired = await open(old.freeze);
    expect(expired.status).toBe(410);
    expect(await seen(expired.page)).toMatch(
      /This link expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing was done\./,
    );

    // 7. An altered link (one character of its claims changed).
    const token = new URL(links.undo).searchParams.get('t') as string;
    const altered = `${token.slice(0, 12)}${token[12] === 'A' ? 'B' : 'A'}${token.slice(13)}`;
    const forged = await open(`${server.url}/?t=${altered}`);
    expect(forged.status).toBe(403);
    expect(await seen(forged.page)).toContain('This link was altered');

    expect(actions.count('freeze')).toBe(1);
    expect(actions.count('release')).toBe(1);
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
