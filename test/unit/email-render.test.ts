import { describe, expect, it } from 'vitest';
import type { AlertCandidate } from '../../shared/core/alerts.ts';
import { renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { at, render, scenario } from '../support/email-scenario.ts';

const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ');

describe('alert emails', () => {
  it('the subject names the most severe alert with its number, and counts the rest', () => {
    const s = scenario({ grantUsd: 20, dailyUsd: 30 });
    const kinds = s.alerts.map((a) => a.kind);
    expect(kinds).toContain('low-balance');
    const { subject } = render(s);
    expect(subject).toMatch(/^Acme production: (credit exhausted|balance \$[\d,.]+ is below \$\d+)/);
    expect(subject).toMatch(/\(\+\d+ more\)$/);
  });

  it('several thresholds crossed at once read as the most severe one', () => {
    const s = scenario({ grantUsd: 20, dailyUsd: 30 });
    const budget = s.alerts.filter((a) => a.kind === 'budget' && a.month === '2026-11');
    expect(budget.map((a) => a.threshold)).toEqual([50, 80, 100]);
    const { subject, text } = render(s, budget);
    expect(subject).toBe('Acme production: 100% of the $500 budget used in 2026-11 ($757.40)');
    expect(text).not.toContain('80% of the');
  });

  it.each([
    ['expiry', /^Acme production: \$[\d,.]+ of credits expire in 7 days, about \$[\d,.]+ likely unused$/],
    ['budget', /^Acme production: \d+% of the \$500 budget used in 2026-1[01] \(\$[\d,.]+\)$/],
    ['forecast', /^Acme production: forecast \$[\d,.]+ for 2026-11 exceeds the \$500 budget$/],
    ['runway', /^Acme production: runway [\d.]+ days, below 7$/],
    ['low-balance', /^Acme production: balance -?\$[\d,.]+ is below \$\d+$/],
    ['exhausted', /^Acme production: credit exhausted, balance -?\$[\d,.]+$/],
  ])('%s: one clear subject with the figure', (kind, pattern) => {
    const s = scenario({ grantUsd: kind === 'exhausted' ? 1 : 20, dailyUsd: kind === 'expiry' ? 1 : 30 });
    const alert = s.alerts.find((a) => a.kind === kind);
    expect(alert, `scenario should fire ${kind}: ${s.alerts.map((a) => a.key)}`).toBeDefined();
    expect(render(s, [alert as AlertCandidate]).subject).toMatch(pattern);
  });

  it('the text part carries the same facts as the HTML part', () => {
    const s = scenario({ grantUsd: 20, dailyUsd: 30 });
    const { html, text } = render(s);
    const htmlText = textOf(html);
    const facts = [
      ...text
        .split('\n')
        .filter((l) => l.startsWith('  ') && l.includes(':') && !l.includes('#'))
        .map((l) => l.trim()),
    ];
    expect(facts.length).toBeGreaterThan(8);
    for (const line of text.split('\n')) {
      const money = line.match(/-?\$[\d,]+\.\d\d/g) ?? [];
      for (const m of money) expect(htmlText).toContain(m);
    }
    for (const field of ['lowBalanceUsd', 'lowRunwayDays', 'monthlyBudgetUsd', 'burnOrder']) {
      expect(text).toContain(field);
      expect(htmlText).toContain(field);
    }
    for (const id of ['promo', 'topup']) {
      expect(text).toContain(id);
      expect(htmlText).toContain(id);
    }
    expect(text).toContain('Costs reported through 2026-11-23; today ($3.00 so far) is an estimate');
    expect(htmlText).toContain('Costs reported through 2026-11-23; today ($3.00 so far) is an estimate');
  });

  it('escapes every value: a hostile account name or grant id arrives as text', () => {
    const s = scenario({ name: '<script>alert(1)</script>', grantId: 'g"<>&\'x', dailyUsd: 1 });
    const { html, subject } = render(s);
    expect(subject).toContain('<script>alert(1)</script>'); // a subject is plain text
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('g"<>&\'x');
    expect(html).toContain('g&quot;&lt;&gt;&amp;&#39;x');
  });

  it('draws a 30-day spend chart with bars proportional to spend, and no external images', () => {
    const s = scenario();
    const { html, text } = render(s);
    const chart = html.slice(html.indexOf('Spend, last 30 days'), html.indexOf('Balance projection'));
    const rows = chart.match(/<tr><td style="font:12px monospace[^"]*">\d{4}-\d{2}-\d{2}<\/td>/g) ?? [];
    expect(rows).toHaveLength(30);
    const widths = [...chart.matchAll(/class="bar" width="(\d+)"/g)].map((m) => Number(m[1]));
    // Spend grows by 10 cents a day, so the bars grow; today's estimate (3.00) is the shortest.
    expect(widths.slice(0, -1)).toEqual([...widths.slice(0, -1)].sort((a, b) => a - b));
    expect(Math.max(...widths)).toBe(320);
    expect(text.split('\n').filter((l) => /^ {2}\d{4}-\d{2}-\d{2} #/.test(l)).length).toBeGreaterThanOrEqual(
      30,
    );
    expect(html).not.toMatch(/<img|https?:\/\//);
  });

  it('labels demo data in the subject and the body', () => {
    const s = scenario();
    const { subject, html, text } = render(s, s.alerts, true);
    expect(subject.startsWith('[DEMO] ')).toBe(true);
    expect(html).toContain('DEMO DATA');
    expect(text).toContain('DEMO DATA');
  });
});

describe('per-scope breakdown', () => {
  it('sums the last 30 days per project in both parts, largest first, escaped', () => {
    const s = scenario();
    s.dailySpend = s.dailySpend.map((d, i) => ({
      ...d,
      byScope: { 'proj_<a>': 1_000_000, ...(i % 2 ? { proj_b: 3_000_000 } : {}) },
    })) as never;
    const { html, text } = render(s);
    const days = s.dailySpend.length;
    expect(text).toContain(
      `Spend by project, last 30 days\n  proj_b: $${(Math.floor(days / 2) * 3).toFixed(2)}\n  proj_<a>: $${days.toFixed(2)}`,
    );
    expect(html).toContain('proj_&lt;a&gt;');
  });
});

describe('provider caveats', () => {
  it('an Anthropic account’s email says Priority Tier spend is missing from the cost report', () => {
    const s = scenario({ config: { provider: 'anthropic' } });
    expect(render(s).text).toContain("Anthropic's cost report leaves out Priority Tier spend");
    expect(render(scenario()).text).not.toContain('Priority Tier');
  });
});

describe('operator emails', () => {
  it('name the account and the problem, escaped', () => {
    const out = renderOperatorEmail({
      kind: 'invalid-config',
      accountId: 'acme',
      detail: 'account acme: lowBalanceUsd[1]: expected a positive number, got -5 <b>',
      at,
    });
    expect(out.subject).toBe('burnrate operator: account acme: config item is invalid');
    expect(out.text).toContain('lowBalanceUsd[1]: expected a positive number, got -5');
    expect(out.html).toContain('got -5 &lt;b&gt;');
  });
});
