import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALERT_KINDS, type AlertKind } from '../../shared/core/alerts.ts';
import { CHART_PX } from '../../shared/email/charts.ts';
import { escapeHtml } from '../../shared/email/escape.ts';
import { usd } from '../../shared/email/format.ts';
import {
  type AlertEmailInput,
  renderAlertEmail,
  renderOperatorEmail,
} from '../../shared/email/render-alert-email.ts';
import { renderDigestEmail } from '../../shared/email/render-digest-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { OPERATOR_REARM, type OperatorAlertKind } from '../../shared/use-cases/operator-notices.ts';
import { AT, buildInput, buildProjectInput, KIND_SCENARIOS } from '../support/render-emails.ts';

/** The HTML part as a reader sees it: tags dropped, entities decoded, whitespace collapsed. */
function visibleText(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };
  return html
    .replace(/<title>.*?<\/title>/s, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => entities[name] ?? '')
    .replace(/\s+/g, ' ');
}

/**
 * Each fact must be in the text part and in the visible HTML: the two parts say the same things. The
 * text part lays out with `Label: value` and `a | b` where the HTML uses table cells, so that
 * punctuation is read as a space in both.
 */
function expectInBoth(email: { html: string; text: string }, facts: readonly string[]): void {
  const layout = (s: string) => s.replace(/: | \| /g, ' ').replace(/\s+/g, ' ');
  const seen = layout(visibleText(email.html));
  const text = layout(email.text);
  for (const fact of facts.map(layout)) {
    expect(text, `text part lacks ${fact}`).toContain(fact);
    expect(seen, `HTML part lacks ${fact}`).toContain(fact);
  }
}

const moneyIn = (s: string) => new Set(s.match(/-?\$[\d,]+(?:\.\d\d)?/g));

/** The email for the scenario of `kind`, with only that kind's alerts. */
function emailFor(kind: AlertKind, extra: Partial<AlertEmailInput> = {}) {
  const input = buildInput(KIND_SCENARIOS[kind]);
  const alerts = input.alerts.filter((a) => a.kind === kind);
  expect(alerts, `the ${kind} scenario fires ${kind}`).not.toHaveLength(0);
  return renderAlertEmail({ ...input, alerts, ...extra });
}

describe('alert email subject', () => {
  // Figures by hand: 30 days of $10 up to Nov 23, run on Nov 24 09:00 (see KIND_SCENARIOS).
  it.each([
    ['exhausted', 'Acme production: credit exhausted, balance -$20.00'],
    ['low-balance', 'Acme production: balance $100.00 is below $150'],
    ['runway', 'Acme production: runway 10 days, below 12'],
    ['expiry', 'Acme production: $200 of credits expire in 7 days, about $130 likely unused'],
    ['forecast', 'Acme production: forecast $300 for 2026-11 exceeds the $280 budget'],
    ['budget', 'Acme production: 50% of the $400 budget used in 2026-11 ($230.00)'],
    ['recharge-limit', 'Acme production: the $30 monthly auto-recharge limit will be reached on 2026-11-28'],
  ] as const)('%s: says what happened, with the number', (kind, subject) => {
    expect(emailFor(kind).subject).toBe(subject);
  });

  it('expiry without spend history says the amount at risk is unknown', () => {
    const input = buildInput({ ...KIND_SCENARIOS.expiry, spend: [] });
    expect(input.figures.grants.every((g) => g.atRiskScaled === null)).toBe(true);
    expect(renderAlertEmail(input).subject).toBe(
      'Acme production: $500 of credits expire in 7 days, the amount at risk is unknown (no spend history yet)',
    );
  });

  it('leads with the most severe alert and counts the others', () => {
    const input = buildInput({
      config: { lowBalanceUsd: [150], lowRunwayDays: 12, monthlyBudgetUsd: 400 },
    });
    expect(input.alerts.map((a) => a.kind).sort()).toEqual(['budget', 'low-balance', 'runway']);
    const email = renderAlertEmail(input);
    expect(email.subject).toBe('Acme production: balance $100.00 is below $150 (+2 more)');
    expectInBoth(email, ['runway 10 days, below 12', '50% of the $400 budget used in 2026-11']);
  });

  it('several thresholds of one kind crossed at once read as the most severe one', () => {
    const input = buildInput({ config: { monthlyBudgetUsd: 250 } });
    const budget = input.alerts.filter((a) => a.kind === 'budget');
    expect(budget.map((a) => a.threshold)).toEqual([50, 80]);
    const email = renderAlertEmail({ ...input, alerts: budget });
    expect(email.subject).toBe('Acme production: 80% of the $250 budget used in 2026-11 ($230.00)');
    expect(email.text).not.toContain('50% of the');
  });

  it('uses the account id when the config has no name', () => {
    const input = buildInput({ ...KIND_SCENARIOS.exhausted });
    const unnamed = { ...input.account, name: undefined };
    expect(renderAlertEmail({ ...input, account: unnamed }).subject).toMatch(/^acme: credit exhausted/);
  });
});

describe('auto-recharge in the alert email', () => {
  // KIND_SCENARIOS['recharge-limit']: runway 6 days from Nov 24, the limit reached on Nov 28.
  it('the recharge-limit alert says when, how long the balance lasts after, and what to do', () => {
    const { text, html } = emailFor('recharge-limit');
    expect(text).toContain(
      'The $30 monthly auto-recharge limit will be reached on 2026-11-28; after that the balance lasts about 2 days.',
    );
    expect(text).toContain("Raise the monthly limit on the provider's billing page");
    expect(text).toContain(
      'auto-recharge added $0.00 in 0 card charges this month; about $30.00 by month end',
    );
    expect(html).toContain('about $30.00 by month end');
  });

  it('lists recharge grants as modelled in the grant table', () => {
    // $20/day from a $100 grant (Nov 19..23), restore to $100 below $20: 80, 60, 40, 20 after Nov 22
    // (20 is not > 20 − 20… until b = 20): Nov 23 crosses, one $80 charge, holding $80 at D. With a
    // recharge every 4 days the runway is null: the summary says recharging keeps it going.
    const input = buildInput({
      grants: [{ id: 'topup', usd: 100, effective: '2026-11-19T00:00:00Z' }],
      spend: [20, 20, 20, 20, 20],
      config: { autoRecharge: { belowUsd: 20, toUsd: 100 } },
    });
    const { text } = renderAlertEmail({ ...input, alerts: [{ kind: 'exhausted', key: 'exhausted' }] });
    expect(text).toContain('auto-2026-11-23 (modelled): $80.00');
    expect(text).toContain('auto-recharge added $80.00 in 1 card charge this month');
    expect(text).toContain('Runway: no end in sight: auto-recharge keeps it going');
  });
});

describe('entered recharges in the alert email', () => {
  it('are marked in the grant table and counted in the month’s recharges', () => {
    // Checkpoint 11-20: topup $50 left, r1 (a $40 card charge of 11-19) $30 left. $10 a day after T
    // (11-20 … 11-23) comes out of topup (it expires first): 10 left; b never falls below $20, so
    // nothing is modelled: the month's recharges are r1 alone.
    const asOf = '2026-11-20T00:00:00Z';
    const input = buildInput({
      grants: [
        { id: 'topup', usd: 400, effective: '2026-10-01T00:00:00Z', remaining: 50, asOf },
        { id: 'r1', usd: 40, effective: '2026-11-19T10:00:00Z', remaining: 30, asOf, recharge: true },
      ],
      config: { autoRecharge: { belowUsd: 20, toUsd: 60 } },
    });
    const { text } = renderAlertEmail({ ...input, alerts: [{ kind: 'exhausted', key: 'exhausted' }] });
    expect(text).toContain('r1 (entered recharge): $30.00');
    expect(text).toContain('topup: $10.00');
    expect(text).toContain('auto-recharge added $40.00 in 1 card charge this month');
  });
});

describe('alert email body: the text part carries the same facts as the HTML part', () => {
  const common = ['Burn rate: $10.00/day', 'topup'];
  it.each([
    ['exhausted', ['Balance: -$20.00', 'Runway: 0 days', 'topup: $0.00', 'lowBalanceUsd', 'Buy credits']],
    ['low-balance', ['Balance: $100.00', 'Runway: 10 days', 'threshold $150.00', 'lowBalanceUsd']],
    ['runway', ['Runway: 10 days', 'the 12 days threshold', 'lowRunwayDays', 'cut usage']],
    [
      'expiry',
      ['Balance: $600.00', 'promo', '$200.00', '2026-12-01', '$130.00', '7-day warning', 'expiryWarningDays'],
    ],
    ['forecast', ['Month-end forecast: $300.00', 'budget $280.00', 'monthlyBudgetUsd', 'forecastAlert']],
    ['budget', ['$230.00 of $400.00 budget (58%)', '50% of the monthly budget', 'budgetAlertPercents']],
  ] as const)('%s', (kind, facts) => {
    const email = emailFor(kind);
    expectInBoth(email, [...common, ...facts]);
    // Not only the listed facts: every amount of money shown in one part is shown in the other.
    expect(moneyIn(visibleText(email.html))).toEqual(moneyIn(email.text));
  });

  it('the grant table lists every grant with remaining, expiry date and at-risk amount', () => {
    const email = emailFor('expiry');
    expect(email.text).toContain('promo: $200.00 | 2026-12-01 | $130.00');
    expect(email.text).toContain('topup: $400.00 | 2027-10-01 | $0.00');
    expect(visibleText(email.html)).toContain('promo $200.00 2026-12-01 $130.00');
  });

  it('states freshness and the burn order assumed', () => {
    const input = buildInput({ ...KIND_SCENARIOS['low-balance'], todayUsd: 3 });
    expectInBoth(renderAlertEmail(input), [
      'Costs reported through 2026-11-23; today ($3.00 so far) is an estimate',
      'Burn order assumed: expiring-first (credit that expires first is used first)',
    ]);
    const oldest = buildInput({ config: { burnOrder: 'oldest-first', lowBalanceUsd: [150] } });
    expectInBoth(renderAlertEmail({ ...oldest, costsReportedThrough: undefined }), [
      'No cost report received yet',
      'oldest-first (credit bought first is used first)',
    ]);
  });
});

describe('alert email HTML safety', () => {
  const hostileId = 'g"<>&\'x';
  const hostile = () => {
    const input = buildInput({
      config: { name: '<script>alert(1)</script>', lowBalanceUsd: [1000] },
      grants: [
        { id: hostileId, usd: 400, effective: '2026-10-01T00:00:00Z', expires: '2026-12-01T00:00:00Z' },
      ],
    });
    return { ...input, costsReportedThrough: '"><img src=x onerror=alert(1)>' };
  };

  it('escapes every value, so a hostile name or grant id arrives as text', () => {
    const input = hostile();
    expect(input.alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['low-balance', 'expiry']));
    const { html, text, subject } = renderAlertEmail(input);
    expect(subject).toContain('<script>alert(1)</script>'); // a subject is plain text
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain(hostileId);
    expect(html).toContain(escapeHtml(hostileId));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(visibleText(html)).toContain(`Grant ${hostileId} has`);
    expect(text).toContain(`Grant ${hostileId} has`);
  });

  it('emits only layout tags, with attribute values free of markup characters', () => {
    const { html } = renderAlertEmail(hostile());
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9!]+)/gi)].map((m) => (m[1] ?? '').toLowerCase()));
    const allowed = ['!doctype', 'html', 'head', 'meta', 'title', 'body', 'table', 'tr', 'td', 'th'];
    expect([...tags].filter((t) => ![...allowed, 'p', 'b', 'h2', 'h3', 'code'].includes(t))).toEqual([]);
    for (const [, value] of html.matchAll(/=\s*"([^"]*)"/g)) expect(value).not.toMatch(/[<>]/);
  });

  it('escapeHtml covers text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('loads nothing from outside: no images, stylesheets or http(s) addresses', () => {
    for (const kind of ALERT_KINDS) {
      const { html } = emailFor(kind);
      expect(html).not.toMatch(/https?:\/\/|<img|<link|<style|url\(/i);
    }
  });
});

describe('alert email charts', () => {
  // 1..7 dollars in a cycle, with one day missing from the daily series (a gap is zero spend).
  const spend = Array.from({ length: 30 }, (_, i) => (i % 7) + 1);
  const input = () => {
    const base = buildInput({ config: { lowBalanceUsd: [1000] }, spend });
    return { ...base, dailySpend: base.dailySpend.filter((d) => d.day !== '2026-11-20') };
  };
  const spendChart = (html: string) =>
    html.slice(html.indexOf('Spend, last 30 days'), html.indexOf('Balance projection'));

  /** Each day's column in the spend chart: its title and the pixels of each colour, top to bottom. */
  const columns = (html: string) =>
    spendChart(html)
      .split('valign="bottom"')
      .slice(1)
      .map((col) => {
        const stack = col.slice(0, col.indexOf('</table>'));
        const px = (color: string) =>
          [...stack.matchAll(/<td height="(\d+)"( bgcolor="([^"]+)")?/g)]
            .filter((m) => m[3] === color)
            .reduce((sum, m) => sum + Number(m[1]), 0);
        const runs = [...stack.matchAll(/<td height="(\d+)"(?: bgcolor="([^"]+)")?/g)].map(
          (m) => [Number(m[1]), m[2] ?? ''] as const,
        );
        return { title: /title="([^"]*)"/.exec(col)?.[1] ?? '', px, runs };
      });

  it('draws 30 days as one row of 30 columns, bar heights proportional to spend', () => {
    const { html } = renderAlertEmail(input());
    const cols = columns(html);
    expect(cols).toHaveLength(30);
    const expected = spend.slice(1).concat(0); // Oct 25 falls out; today has no figure
    expected[expected.length - 5] = 0; // Nov 20, the gap
    const max = Math.max(...expected);
    cols.forEach((col, i) => {
      const amount = expected[i] ?? Number.NaN;
      expect(col.title).toBe(
        `${col.title.slice(0, 10)}: ${usd(amount)}${i === 29 ? ' (not reported yet)' : ''}`,
      );
      // Every column is CHART_PX tall; the bar is its coloured bottom part.
      expect(col.runs.reduce((sum, [px]) => sum + px, 0)).toBe(CHART_PX);
      const fill = i === 29 ? '#9ca3af' : '#2563eb';
      expect(col.px(fill)).toBe(Math.round((amount / max) * CHART_PX));
      expect(col.runs.at(-1)?.[1]).toBe(amount > 0 ? fill : '');
    });
    expect(cols[0]?.title).toContain('2026-10-26');
    expect(cols[29]?.title).toContain('2026-11-24');
    expect(html).not.toMatch(/<img|class=/i);
  });

  it('marks the budget pace (budget / days in month) across every column, only with a budget', () => {
    const withBudget = buildInput({ config: { lowBalanceUsd: [1000], monthlyBudgetUsd: 150 }, spend });
    const email = renderAlertEmail(withBudget);
    const cols = columns(email.html);
    // $150 over November's 30 days = $5/day; the scale is the $7 peak, so the line sits at 5/7 of 60px.
    const top = CHART_PX - Math.round((5 / 7) * CHART_PX);
    for (const col of cols) {
      expect(col.px('#d97706')).toBe(2);
      let y = 0;
      for (const [px, color] of col.runs) {
        if (color === '#d97706') expect(y).toBe(top);
        y += px;
      }
    }
    expectInBoth(email, ['budget pace $5.00/day ($150.00 over 30 days); 8 of 29 days above it']);
    expect(renderAlertEmail(input()).html).not.toContain('#d97706');
    expect(renderAlertEmail(input()).text).not.toContain('budget pace');
  });

  it('the pace line stays inside the chart when the pace is above every day', () => {
    const email = renderAlertEmail(buildInput({ config: { monthlyBudgetUsd: 3000 }, spend }));
    for (const col of columns(email.html)) {
      expect(col.runs[0]).toEqual([2, '#d97706']); // $100/day is the scale: the line is the top row
      expect(col.runs.reduce((sum, [px]) => sum + px, 0)).toBe(CHART_PX);
    }
  });

  it('the text chart is one character per day on the same days, and the same captions', () => {
    const text = renderAlertEmail(input()).text;
    const [bars, axis, ...caption] =
      text.split('Spend, last 30 days\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    expect([...(bars ?? '').trim()]).toHaveLength(30);
    // Oct 26 is $2 of a $7 peak: 2/7 of 8 levels rounds up to the third; Nov 20 and today are blank.
    expect(bars?.trim()[0]).toBe('▃');
    expect(bars?.trim()[5]).toBe('█');
    expect(bars?.trim().slice(25)).toBe('·█▂▃·'); // Nov 20 gap, $7, $1, $2, today
    expect(axis).toMatch(/^ {2}2026-10-26 +2026-11-24$/);
    expect(caption).toEqual([
      '  Highest day $7.00 on 2026-10-31.',
      '  Today (2026-11-24, grey): $0.00 not reported yet.',
    ]);
  });

  it('projects the balance down by the burn rate until zero, compactly: columns and milestones', () => {
    const low = renderAlertEmail(buildInput(KIND_SCENARIOS['low-balance']));
    const projection = low.html.slice(low.html.indexOf('Balance projection'));
    expect(projection.split('valign="bottom"')).toHaveLength(12); // now + 10 days down to $0
    expectInBoth(low, ['2026-11-24 $100.00 (now)', '2026-12-04 $0.00 (runs out)']);
    const expiry = renderAlertEmail(buildInput(KIND_SCENARIOS.expiry));
    // $600 − 7 days × $10 = $530, less promo's $130 at risk when it expires on Dec 1.
    expectInBoth(expiry, ['2026-12-01 $400.00 (promo expires)', '2026-12-23 $180.00 (in 29 days)']);
    expect(expiry.text).not.toContain('2026-11-30');
    const exhausted = emailFor('exhausted');
    expectInBoth(exhausted, ['The balance is already -$20.00: nothing left to project.']);
  });
});

describe('every number a reader sees first is in the text part', () => {
  const numbers = (s: string) => s.match(/-?\$?[\d,]+(?:\.\d+)?%?/g) ?? [];
  it.each(ALERT_KINDS)('%s: subject and headings', (kind) => {
    const email = emailFor(kind);
    const headings = [...email.html.matchAll(/<h[23][^>]*>(.*?)<\/h[23]>/g)].map((m) => m[1] ?? '');
    const shown = [email.subject, ...headings].flatMap(numbers);
    expect(shown.length).toBeGreaterThan(0);
    for (const n of shown) expect(email.text, `${n} missing from the text part`).toContain(n);
  });
});

describe('alert email labels and purity', () => {
  afterEach(() => vi.useRealTimers());

  it('labels demo data in the subject and both parts, and only when asked', () => {
    const demo = emailFor('runway', { demo: true });
    expect(demo.subject.startsWith('[DEMO] ')).toBe(true);
    expectInBoth(demo, ['DEMO DATA']);
    const real = emailFor('runway');
    expect(`${real.subject}${real.html}${real.text}`).not.toContain('DEMO');
  });

  it('does not read the clock: the same input renders the same email at any time', () => {
    vi.useFakeTimers();
    vi.setSystemTime(AT);
    const first = emailFor('expiry');
    vi.setSystemTime(Date.parse('2031-01-01T00:00:00Z'));
    expect(emailFor('expiry')).toEqual(first);
  });

  it('formats money with thousands separators and a leading minus', () => {
    expect([usd(-3.1), usd(1234.56), usd(1234567), usd(0), usd(-0.001)]).toEqual([
      '-$3.10',
      '$1,234.56',
      '$1,234,567.00',
      '$0.00',
      '$0.00',
    ]);
  });
});

describe('the per-project table (account email and digest)', () => {
  // KIND_SCENARIOS['project-budget']: $10/day split 60/40 between Search (configured, $200 budget)
  // and proj_batch (no entry); Nov 1..23 gives Search $138 and proj_batch $92.
  const base = () => buildInput(KIND_SCENARIOS['project-budget']);

  it('lists configured projects and spend without an entry, largest first, in both parts', () => {
    const email = renderAlertEmail(base());
    expect(email.text).toContain(
      [
        'Projects this month (month to date | budget | forecast | hard limit)',
        '  Search (proj_search): $138.00 | $200.00 (69% used) | $180.00 | none',
        '  proj_batch: $92.00 | none | $120.00 | none',
      ].join('\n'),
    );
    expectInBoth(email, [
      'Search (proj_search) $138.00 $200.00 (69% used) $180.00 none',
      'proj_batch $92.00 none $120.00 none',
    ]);
  });

  it('keeps every alert of the run, the project ones included, beside the table', () => {
    const input = buildInput({
      ...KIND_SCENARIOS['project-budget'],
      config: { ...KIND_SCENARIOS['project-budget'].config, lowBalanceUsd: [150] },
    });
    expect(input.alerts.map((a) => a.kind).sort()).toEqual(['low-balance', 'project-budget']);
    const email = renderAlertEmail(input);
    expectInBoth(email, ['balance $100.00 is below $150', 'Search: 50% of its $200 budget used in 2026-11']);
  });

  it('a configured project that spent nothing has its row; the hard limit is the provider’s once read, else the config’s', () => {
    const config = {
      projects: {
        proj_search: { name: 'Search', monthlyBudgetUsd: 200, hardLimitUsd: 250 },
        proj_idle: { name: 'Idle', hardLimitUsd: 40 },
      },
    };
    const input = buildInput({ split: { proj_search: 0.6, proj_batch: 0.4 }, config });
    const text = renderAlertEmail({ ...input, hardLimits: new Map([['proj_search', 300]]) }).text;
    expect(text).toContain('  Search (proj_search): $138.00 | $200.00 (69% used) | $180.00 | $300.00\n');
    expect(text).toContain('  Idle (proj_idle): $0.00 | none | $0.00 | $40.00 (config)\n');
    expect(text.indexOf('Idle (proj_idle)')).toBeGreaterThan(text.indexOf('proj_batch:'));
  });

  it('names spend without a project "unattributed" (OpenAI) and "Default workspace" (Anthropic); provider names when given', () => {
    const split = { proj_a: 0.7, '(none)': 0.3 };
    const openai = renderAlertEmail(buildInput({ split, config: { lowRunwayDays: 12 } })).text;
    expect(openai).toContain('  proj_a: $161.00 | none | $210.00 | none\n  unattributed: $69.00 |');
    const anthropic = buildInput({
      split: { wrkspc_a: 0.7, '(none)': 0.3 },
      config: { provider: 'anthropic', lowRunwayDays: 12 },
    });
    const text = renderAlertEmail({ ...anthropic, projectNames: new Map([['wrkspc_a', 'Search API']]) }).text;
    expect(text).toContain('Workspaces this month (month to date | budget | forecast | hard limit)');
    expect(text).toContain('  Search API (wrkspc_a): $161.00 |');
    expect(text).toContain('  Default workspace: $69.00 |');
  });

  it('is left out when it would say nothing: no split, or all spend unattributed on an account without projects', () => {
    expect(renderAlertEmail(buildInput(KIND_SCENARIOS.runway)).text).not.toContain('this month (');
    const all = buildInput({ ...KIND_SCENARIOS.runway, split: { '(none)': 1 } });
    expect(renderAlertEmail(all).text).not.toContain('this month (');
  });

  it('escapes names', () => {
    // A configured name, and a scope id as the cost report gave it (no config entry validates it).
    const input = buildInput({
      split: { proj_a: 0.5, 'proj_<x>': 0.5 },
      config: { lowRunwayDays: 12, projects: { proj_a: { name: '<b>Search</b>' } } },
    });
    const { html, text } = renderAlertEmail(input);
    expect(text).toContain('<b>Search</b> (proj_a)');
    expect(text).toContain('  proj_<x>: ');
    expect(html).toContain('&lt;b&gt;Search&lt;/b&gt; (proj_a)');
    expect(html).toContain('proj_&lt;x&gt;');
    expect(html).not.toMatch(/<b>Search|proj_<x>/);
  });

  it('the digest shows the same table', () => {
    const { alerts: _, ...input } = base();
    const digest = renderDigestEmail({ ...input, week: '2026-11-23' });
    expectInBoth(digest, ['Search (proj_search) $138.00 $200.00 (69% used) $180.00 none']);
  });
});

describe('a project’s own email', () => {
  const lead = {
    ...KIND_SCENARIOS['project-budget'],
    todayUsd: 5,
    todayModels: {
      proj_search: { 'gpt-4o': 2.5, 'gpt-4o-mini': 0.4, m3: 0.05, m4: 0.04, m5: 0.03, m6: 0.02, m7: 0.01 },
    },
  };

  it('says which project and account, with only that project’s alerts and figures, in both parts', () => {
    const input = buildProjectInput(
      { ...lead, config: { ...lead.config, lowBalanceUsd: [150] } },
      'proj_search',
    );
    expect(input.alerts.map((a) => a.key)).toEqual(['project-budget:proj_search:2026-11:50']);
    const email = renderProjectEmail(input);
    expect(email.subject).toBe('Acme production: Search: 50% of its $200 budget used in 2026-11 ($141.00)');
    expect(email.text.split('\n').slice(0, 2)).toEqual([
      'burnrate: Search (proj_search)',
      'Project proj_search of Acme production (account acme). Figures at 2026-11-24 09:00 UTC. Costs reported through 2026-11-23; today is an estimate from hourly usage.',
    ]);
    // Search: $138 of Nov 1..23 plus 60% of today's $5.
    expectInBoth(email, [
      'Month to date $141.00 of $200.00 budget (71%)',
      'Burn rate $6.00/day (last 7 complete days)',
      'Month-end forecast $180.00',
      'Today so far $3.00 (estimate from hourly usage)',
      'Hard limit none',
      "Share of Acme production 60% of the account's $235.00 this month",
      'projects.proj_search.recipients',
    ]);
    expect(`${email.html}${email.text}`).not.toMatch(/balance|below \$150|proj_batch/i);
  });

  it('names today’s top models of the project, from the hourly usage, the rest summed', () => {
    const email = renderProjectEmail(buildProjectInput(lead, 'proj_search'));
    expect(email.text).toContain(
      [
        'Top models today (estimated from hourly usage)',
        '  gpt-4o: $2.50',
        '  gpt-4o-mini: $0.40',
        '  m3: $0.05',
        '  m4: $0.04',
        '  m5: $0.03',
        '  2 more: $0.03',
      ].join('\n'),
    );
    expectInBoth(email, ['gpt-4o $2.50', '2 more $0.03']);
    const none = renderProjectEmail(buildProjectInput({ ...lead, todayModels: {} }, 'proj_search'));
    expectInBoth(none, ['No priced usage in this project today yet.']);
  });

  it('draws its own 30 days (its part of each day) with its budget’s pace, and the same in text', () => {
    const spend = Array.from({ length: 30 }, (_, i) => (i === 10 ? 40 : 10));
    const input = buildProjectInput({ ...lead, spend }, 'proj_search');
    const email = renderProjectEmail(input);
    // 60% of $40 on 2026-11-04 is the peak; the budget's pace is $200 / 30 days.
    expectInBoth(email, [
      'Highest day $24.00 on 2026-11-04.',
      'Today (2026-11-24, grey): $3.00 estimate.',
      'Dashed line: budget pace $6.67/day ($200.00 over 30 days); 1 of 29 days above it.',
    ]);
    const columns = [...email.html.matchAll(/<td width="14" valign="bottom" title="([^"]*)"/g)].map(
      (m) => m[1],
    );
    expect(columns).toHaveLength(30);
    expect(columns[9]).toBe('2026-11-04: $24.00');
    expect(columns[10]).toBe('2026-11-05: $6.00');
    expect(columns[29]).toBe('2026-11-24: $3.00 (estimate)');
  });

  it('escapes the project’s name and does not read the clock', () => {
    const hostile = buildProjectInput(
      {
        ...lead,
        config: {
          projects: {
            proj_search: { name: '<img src=x>', monthlyBudgetUsd: 200, recipients: ['a@b.example'] },
          },
        },
      },
      'proj_search',
    );
    const first = renderProjectEmail(hostile);
    expect(first.html).not.toContain('<img');
    expect(first.html).toContain('&lt;img src=x&gt;');
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2031-01-01T00:00:00Z'));
    expect(renderProjectEmail(hostile)).toEqual(first);
  });

  it('an Anthropic default workspace reads as "Default workspace"', () => {
    const input = buildProjectInput(
      {
        split: { wrkspc_a: 0.5, '(none)': 0.5 },
        config: {
          provider: 'anthropic',
          projects: { default: { monthlyBudgetUsd: 100, recipients: ['lead@acme.example'] } },
        },
      },
      'default',
    );
    const email = renderProjectEmail(input);
    expect(email.text.split('\n')[0]).toBe('burnrate: Default workspace');
    expect(email.subject).toContain('Default workspace: ');
    expectInBoth(email, ['Month to date $115.00 of $100.00 budget (115%)']);
  });
});

describe('provider caveats', () => {
  it('an Anthropic account’s email says Priority Tier spend is missing from the cost report', () => {
    const anthropic = buildInput({ config: { provider: 'anthropic', lowRunwayDays: 12 } });
    expect(renderAlertEmail(anthropic).text).toContain(
      "Anthropic's cost report leaves out Priority Tier spend",
    );
    expect(emailFor('runway').text).not.toContain('Priority Tier');
  });
});

describe('operator emails', () => {
  it.each([
    ['invalid-config', 'config item is invalid', '`burnrate account set`'],
    ['auth-failed', 'the admin key is missing or was refused', 'adminKeySecret'],
    ['stale-data', 'no successful sync for too long', 'logs'],
    ['delivery-failed', 'alert emails could not be sent', 'SES'],
    ['guard-failed', 'the guard could not freeze a runaway project', 'npx burnrate guard freeze'],
  ] as const)('%s names the account, the problem and what to do, escaped', (kind, what, todo) => {
    const out = renderOperatorEmail({ kind, accountId: 'acme<1>', detail: 'got -5 <b>"x"</b>', at: AT });
    expect(out.subject).toBe(`burnrate operator: account acme<1>: ${what}`);
    expect(out.html).not.toMatch(/<b>"x"|acme<1>/);
    expect(out.html).toContain('got -5 &lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    expectInBoth(out, ['got -5 <b>"x"</b>', todo.replaceAll('`', ''), '2026-11-24T09:00:00.000Z']);
  });

  it.each(Object.entries(OPERATOR_REARM))(
    '%s says what re-arms it (%s), as the run applies it',
    (kind, rearm) => {
      const out = renderOperatorEmail({
        kind: kind as OperatorAlertKind,
        accountId: 'acme',
        detail: 'x',
        at: AT,
      });
      const rule = {
        sync: 'You get this once until the account syncs successfully again.',
        'valid-items':
          'You get this once until the account syncs successfully again, or an edit that makes its items valid is checked.',
        delivery:
          'You get this once until an email to the account’s recipients is delivered again (a successful sync does not re-arm it).',
        'keys-readable':
          'You get this once until a run finds no alert key it cannot read (a successful sync does not re-arm it).',
        'guard-settled':
          'You get this once until a run has no failed freeze left to retry (applied, released, or 24 hours of retries over); a successful sync does not re-arm it.',
      }[rearm];
      expectInBoth(out, [rule]);
    },
  );
});
