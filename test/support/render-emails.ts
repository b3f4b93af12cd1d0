/**
 * Renders one alert email per kind to OUTDIR and, when Chromium is installed (Debian: `apt-get
 * install -y chromium`), screenshots each, so a person can check they are legible:
 *   npx tsx test/support/render-emails.ts /tmp/burnrate-emails
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALERT_KINDS } from '../../shared/core/alerts.ts';
import { render, scenario } from './email-scenario.ts';

const out = resolve(process.argv[2] ?? join(tmpdir(), 'burnrate-emails'));
mkdirSync(out, { recursive: true });
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
for (const kind of ALERT_KINDS) {
  const s = scenario({ grantUsd: kind === 'exhausted' ? 1 : 20, dailyUsd: kind === 'expiry' ? 1 : 30 });
  const alerts = s.alerts.filter((a) => a.kind === kind);
  const email = render(s, alerts.length > 0 ? alerts : s.alerts);
  const html = join(out, `${kind}.html`);
  writeFileSync(html, email.html);
  writeFileSync(join(out, `${kind}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
  if (chromium) {
    const png = join(out, `${kind}.png`);
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ];
    spawnSync(
      chromium,
      [
        ...flags,
        `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`,
        '--window-size=760,1500',
        `--screenshot=${png}`,
        `file://${html}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    console.log(`${kind}: ${email.subject}\n  ${existsSync(png) ? png : `${html} (screenshot failed)`}`);
  } else {
    console.log(
      `${kind}: ${email.subject}\n  ${html} (no chromium: apt-get install -y chromium for screenshots)`,
    );
  }
}
