import { describe, expect, it } from 'vitest';
import { formatDriftReport } from '../../functions/cli/checkpoint-command.ts';
import { splitBalance } from '../../shared/core/drift.ts';
import { usdToMicros } from '../../shared/core/money.ts';
import { parseInstant } from '../../shared/core/time.ts';
import type { AccountItems, CostDayRecord } from '../../shared/ports.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { type CheckpointRequest, planCheckpoint } from '../../shared/use-cases/checkpoint.ts';
import { costWindow } from '../../shared/use-cases/sync-plan.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-26T10:00:00Z');
const AT = '2026-11-25T09:00:00Z';

/**
 * Three grants and $4.80/day since 09-01: by 2026-11-25T09:00 the account spent 85 days × 4.80 +
 * 9/24 × 4.80 = $409.80. The billing page was produced with oldest-first (g1 bought first pays
 * all: 500 − 409.80 = 90.20, read as 90.17); burnrate is configured expiring-first (promo, which
 * expires 12-31, pays 100 first, g1 holds 500 − 309.80 = 190.20).
 */
function costs(): CostDayRecord[] {
  const out: CostDayRecord[] = [];
  for (let t = Date.parse('2026-09-01T00:00:00Z'); t <= Date.parse('2026-11-26T00:00:00Z'); t += DAY) {
    out.push({
      day: new Date(t).toISOString().slice(0, 10),
      amountMicros: 4_800_000,
      byScope: {},
      kind: 'actual',
      fetchedAt: '2026-11-26T09:00:00Z',
    });
  }
  return out;
}

function account(extra: Partial<AccountItems> = {}, config: Record<string, unknown> = {}): AccountItems {
  return {
    accountId: 'acme',
    config: { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'], ...config },
    grants: [
      { id: 'g1', amountUsd: 500, effectiveAt: '2026-01-15T00:00:00Z' },
      { id: 'g2', amountUsd: 300, effectiveAt: '2026-06-01T00:00:00Z' },
      { id: 'promo', amountUsd: 100, effectiveAt: '2026-09-01T00:00:00Z', expiresAt: '2026-12-31T00:00:00Z' },
    ],
    costs: costs(),
    state: { version: 7, costsFrom: '2026-09-01', costsThrough: '2026-11-25' },
    alerts: [],
    ...extra,
  };
}

const request = (r: Partial<CheckpointRequest>): CheckpointRequest => ({
  accountId: 'acme',
  at: AT,
  figures: [],
  adds: [],
  ...r,
});

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  throw new Error('expected InvalidInputError');
}

describe('drift report', () => {
  it('names the burn order that fits the page, with the per-grant numbers', () => {
    const { report } = planCheckpoint(
      account(),
      request({ figures: ['g1=90.17', 'g2=300', 'promo=100'] }),
      NOW,
    );
    expect(report.burnOrder).toBe('expiring-first');
    expect(report.rows).toEqual([
      { grant: 'g1', burnrateUsd: 190.2, billingPageUsd: 90.17, differenceUsd: -100.03 },
      { grant: 'g2', burnrateUsd: 300, billingPageUsd: 300, differenceUsd: 0 },
      { grant: 'promo', burnrateUsd: 0, billingPageUsd: 100, differenceUsd: 100 },
    ]);
    expect(report.totalDriftUsd).toBe(200.03);
    expect(report.byOrder).toEqual({ 'expiring-first': 200.03, 'oldest-first': 0.03 });
    expect(report.bestBurnOrder).toBe('oldest-first');
    expect(report.rowsByOrder['oldest-first'][0]).toEqual({
      grant: 'g1',
      burnrateUsd: 90.2,
      billingPageUsd: 90.17,
      differenceUsd: -0.03,
    });
    expect(report.verdict).toBe(
      'the billing page matches oldest-first within $0.03; expiring-first is off by $200.03: set burnOrder to oldest-first (npx burnrate account set acme burnOrder=oldest-first)',
    );
    expect(report.hints).toEqual([]);
  });

  it('says so when the configured order is the one that fits', () => {
    const { report } = planCheckpoint(
      account({}, { burnOrder: 'oldest-first' }),
      request({ figures: ['g1=90.17', 'g2=300', 'promo=100'] }),
      NOW,
    );
    expect(report.bestBurnOrder).toBe('oldest-first');
    expect(report.verdict).toBe(
      'the billing page matches the configured burnOrder (oldest-first) within $0.03; expiring-first is off by $200.03',
    );
  });

  it('replays from the old checkpoints: spend before their instant is already in them', () => {
    const items = account();
    items.grants = items.grants.map((g) => ({
      ...g,
      remainingUsd: g.id === 'g1' ? 450 : g.amountUsd,
      remainingAsOf: '2026-11-01T00:00:00Z',
    }));
    // From 11-01 to T: 24 days × 4.80 + 1.80 = 117 drawn, promo first (expiring-first): promo 0, g1 433.
    const { report } = planCheckpoint(items, request({ figures: ['g1=433', 'g2=300', 'promo=0'] }), NOW);
    expect(report.byOrder['expiring-first']).toBe(0);
    expect(report.bestBurnOrder).toBe('expiring-first');
  });

  it('compares added grants as one group with the modelled recharges, and hints at autoRecharge', () => {
    const { report, commit } = planCheckpoint(
      account(),
      request({ figures: ['g1=90.20', 'g2=300', 'promo=100', 'r1=20'], adds: ['r1,25,2026-11-20'] }),
      NOW,
    );
    expect(report.rows.at(-1)).toEqual({
      grant: 'recharges',
      modelled: [],
      added: ['r1'],
      burnrateUsd: 0,
      billingPageUsd: 20,
      differenceUsd: 20,
    });
    expect(report.byOrder['oldest-first']).toBe(20);
    expect(report.hints).toEqual([
      'the billing page lists grants burnrate did not have (r1): if they are auto-recharges, set autoRecharge in the config so burnrate models the next ones after this checkpoint',
    ]);
    expect(commit.add).toEqual([
      { id: 'r1', amountUsd: 25, effectiveAt: '2026-11-20', remainingUsd: 20, remainingAsOf: AT },
    ]);
  });
});

describe('modelled recharges against the page', () => {
  /**
   * autoRecharge restores to $100 below $20; g1 $100 from 11-01, $10 a day. The 11-09 draw crosses
   * $20 and makes auto-2026-11-09 ($80, active from 11-10); by 11-12 g1 is empty and it holds $70.
   */
  function recharging(): AccountItems {
    const days: CostDayRecord[] = [];
    for (let d = 1; d <= 11; d++)
      days.push({
        day: `2026-11-${String(d).padStart(2, '0')}`,
        amountMicros: 10_000_000,
        byScope: {},
        kind: 'actual',
        fetchedAt: '2026-11-12T09:00:00Z',
      });
    return account(
      { grants: [{ id: 'g1', amountUsd: 100, effectiveAt: '2026-11-01T00:00:00Z' }], costs: days },
      { autoRecharge: { belowUsd: 20, toUsd: 100 } },
    );
  }
  const at = '2026-11-12T00:00:00Z';
  const now = Date.parse('2026-11-12T09:00:00Z');

  it('compares them as one group with the recharges the page lists (their ids differ), and charge by charge', () => {
    const { report, commit } = planCheckpoint(
      recharging(),
      request({ at, figures: ['g1=0', 'r1=70'], recharges: ['r1,80,2026-11-09T14:00:00Z'] }),
      now,
    );
    expect(report.rows).toEqual([
      { grant: 'g1', burnrateUsd: 0, billingPageUsd: 0, differenceUsd: 0 },
      {
        grant: 'recharges',
        modelled: ['auto-2026-11-09'],
        added: ['r1'],
        burnrateUsd: 70,
        billingPageUsd: 70,
        differenceUsd: 0,
      },
    ]);
    expect(report.totalDriftUsd).toBe(0);
    // The card charge made on 11-09 against the one modelled for the 11-09 bucket.
    expect(report.recharges).toEqual({
      from: '2026-11-09',
      through: '2026-11-12',
      burnrateUsd: 80,
      burnrateCharges: 1,
      billingPageUsd: 80,
      billingPageCharges: 1,
      days: [{ day: '2026-11-09', burnrateUsd: 80, burnrateCharges: 1, billingPageUsd: 80, entered: ['r1'] }],
    });
    expect(report.hints).toEqual([]);
    expect(commit.add).toEqual([
      {
        id: 'r1',
        amountUsd: 80,
        effectiveAt: '2026-11-09T14:00:00Z',
        recharge: true,
        remainingUsd: 70,
        remainingAsOf: at,
      },
    ]);
  });

  it('hints when the page lists other card charges than burnrate modelled on the same days', () => {
    // The page shows two charges of $40 (the provider's setting restores to $60, not $100).
    const { report } = planCheckpoint(
      recharging(),
      request({
        at,
        figures: ['g1=0', 'r1=0', 'r2=30'],
        recharges: ['r1,40,2026-11-09T02:00:00Z', 'r2,40,2026-11-10T20:00:00Z'],
      }),
      now,
    );
    expect(report.recharges?.days).toEqual([
      { day: '2026-11-09', burnrateUsd: 80, burnrateCharges: 1, billingPageUsd: 40, entered: ['r1'] },
      { day: '2026-11-10', burnrateUsd: 0, burnrateCharges: 0, billingPageUsd: 40, entered: ['r2'] },
    ]);
    expect(report.hints).toEqual([
      'from 2026-11-09 to 2026-11-12 burnrate modelled 1 card charge(s) ($80.00), the billing page lists 2 ($80.00): check that autoRecharge (belowUsd, toUsd or amountUsd, monthlyLimitUsd) matches the billing page',
    ]);
  });

  it('the printed report lists the charges day by day under the per-grant table', () => {
    const { report } = planCheckpoint(
      recharging(),
      request({
        at,
        figures: ['g1=0', 'r1=0', 'r2=30'],
        recharges: ['r1,40,2026-11-09T02:00:00Z', 'r2,40,2026-11-10T20:00:00Z'],
      }),
      now,
    );
    const text = formatDriftReport(report);
    expect(text).toContain(
      [
        'recharges 2026-11-09 to 2026-11-12: burnrate modelled $80.00 in 1 card charge(s), the billing page lists $80.00 in 2',
        'recharge day    burnrate  billing page  entered',
        '2026-11-09    $80.00 (1)    $40.00 (1)       r1',
        '2026-11-10             -    $40.00 (1)       r2',
      ].join('\n'),
    );
  });

  it('suggests --recharge for a grant added with --add on an account with autoRecharge', () => {
    const { report } = planCheckpoint(
      recharging(),
      request({ at, figures: ['g1=0', 'r1=70'], adds: ['r1,80,2026-11-09'] }),
      now,
    );
    expect(report.recharges).toBeUndefined();
    expect(report.hints).toEqual([
      'if any of r1 is a card charge auto-recharge made, enter it with --recharge instead of --add: only entered recharges count toward the monthly limit',
    ]);
  });

  it('hints when the page lists none of the modelled recharges', () => {
    const { report } = planCheckpoint(recharging(), request({ at, figures: ['g1=0'] }), now);
    expect(report.rows.at(-1)).toMatchObject({ grant: 'recharges', burnrateUsd: 70, billingPageUsd: 0 });
    expect(report.hints).toEqual([
      'burnrate modelled recharges the billing page does not list (auto-2026-11-09): check that auto-recharge is on at the provider and that autoRecharge in the config matches it',
    ]);
  });
});

describe('the write a checkpoint makes', () => {
  it('replaces every checkpoint, drops one a grant effective after T can no longer carry, bumps the version', () => {
    // Old checkpoints at 12:00, after the new instant: `late` (effective 12:00) carried one too.
    const old = '2026-11-25T12:00:00Z';
    const items = account();
    items.grants = [
      ...items.grants.map((g) => ({ ...g, remainingUsd: 1, remainingAsOf: old })),
      { id: 'late', amountUsd: 50, effectiveAt: old, remainingUsd: 50, remainingAsOf: old },
    ];
    const { commit } = planCheckpoint(items, request({ figures: ['g1=90.17', 'g2=300', 'promo=100'] }), NOW);
    expect(commit.expectedVersion).toBe(7);
    expect(commit.replace.map((r) => r.after)).toEqual([
      {
        id: 'g1',
        amountUsd: 500,
        effectiveAt: '2026-01-15T00:00:00Z',
        remainingUsd: 90.17,
        remainingAsOf: AT,
      },
      { id: 'g2', amountUsd: 300, effectiveAt: '2026-06-01T00:00:00Z', remainingUsd: 300, remainingAsOf: AT },
      {
        id: 'promo',
        amountUsd: 100,
        effectiveAt: '2026-09-01T00:00:00Z',
        expiresAt: '2026-12-31T00:00:00Z',
        remainingUsd: 100,
        remainingAsOf: AT,
      },
      { id: 'late', amountUsd: 50, effectiveAt: '2026-11-25T12:00:00Z' },
    ]);
    expect(commit.replace[3]?.before).toMatchObject({ remainingAsOf: '2026-11-25T12:00:00Z' });
  });

  it('the next sync refetches nothing stored: its cost window starts at the cursor minus the lookback', () => {
    const { commit } = planCheckpoint(
      account(),
      request({ figures: ['g1=90.17', 'g2=300', 'promo=100'] }),
      NOW,
    );
    const grants = commit.replace.map((r) => ({
      id: r.after.id,
      amountMicros: usdToMicros(r.after.amountUsd),
      effectiveAt: parseInstant(r.after.effectiveAt) as number,
      expiresAt: Date.parse('2027-01-01T00:00:00Z'),
      checkpoint: { remainingMicros: 0, asOf: parseInstant(String(r.after.remainingAsOf)) as number },
    }));
    const window = costWindow({ now: NOW, grants, costsFrom: '2026-09-01', costsThrough: '2026-11-25' });
    expect(new Date(window.start).toISOString()).toBe('2026-11-22T00:00:00.000Z');
  });

  it("keeps the report's summary for status and emails", () => {
    const { commit } = planCheckpoint(
      account(),
      request({ figures: ['g1=90.17', 'g2=300', 'promo=100'] }),
      NOW,
    );
    expect(commit.reconciled).toEqual({
      at: AT,
      driftUsd: 200.03,
      burnOrder: 'expiring-first',
      bestBurnOrder: 'oldest-first',
      byOrder: { 'expiring-first': 200.03, 'oldest-first': 0.03 },
      recordedAt: '2026-11-26T10:00:00Z',
    });
  });
});

describe('--balance (Anthropic shows only the total)', () => {
  it('fills the grants drawn last first, each up to its amount, per burn order', () => {
    const { report, commit } = planCheckpoint(account(), request({ balance: '390.17' }), NOW);
    // expiring-first draws promo, g1, g2: g2 is drawn last and holds 300, g1 the rest.
    expect(report.balanceSplit).toEqual({ g2: 300, g1: 90.17, promo: 0 });
    expect(commit.replace.map((r) => [r.after.id, r.after.remainingUsd])).toEqual([
      ['g1', 90.17],
      ['g2', 300],
      ['promo', 0],
    ]);
    // oldest-first draws g1, g2, promo: promo 100, g2 290.17, g1 0; the ledger (oldest-first) has
    // g1 90.20, g2 300, promo 100: off by 90.20 + 9.83, the same 100.03 as under expiring-first.
    expect(report.rowsByOrder['oldest-first'].map((r) => [r.grant, r.billingPageUsd])).toEqual([
      ['g1', 0],
      ['g2', 290.17],
      ['promo', 100],
    ]);
    expect(report.byOrder).toEqual({ 'expiring-first': 100.03, 'oldest-first': 100.03 });
    expect(report.bestBurnOrder).toBe('expiring-first');
    expect(report.verdict).toBe(
      "with only the page's total, the burn orders cannot be told apart: burnrate had $490.20, the page shows $390.17",
    );
  });

  it('splitBalance leaves what no grant can hold unassigned', () => {
    const grants = [
      { id: 'a', amountMicros: 10, effectiveAt: 1, expiresAt: 100 },
      { id: 'b', amountMicros: 20, effectiveAt: 2, expiresAt: 50 },
    ];
    expect(splitBalance(grants, 'expiring-first', 25)).toEqual({
      split: new Map([
        ['a', 10],
        ['b', 15],
      ]),
      unassigned: 0,
    });
    expect(splitBalance(grants, 'oldest-first', 35).unassigned).toBe(5);
  });

  it('a total more than the grants can hold is invalid', () => {
    expect(problems(() => planCheckpoint(account(), request({ balance: '901' }), NOW))).toEqual([
      '--balance 901: more than the grants live at 2026-11-25T09:00:00Z can hold (900: g1 500, g2 300, promo 100); is a grant missing? add it with --add',
    ]);
  });
});

describe('invalid input names the problem', () => {
  const all = ['g1=90.17', 'g2=300', 'promo=100'];
  it.each([
    [
      'a missing grant',
      request({ figures: ['g1=90.17', 'promo=100'] }),
      'grant g2: no remaining figure given: every grant effective before 2026-11-25T09:00:00Z needs one',
    ],
    [
      'an unknown grant id',
      request({ figures: [...all, 'g9=5'] }),
      'grant g9: no such grant on account acme (it has g1, g2, promo); a grant burnrate does not have yet goes in with --add g9,AMOUNT,EFFECTIVE[,EXPIRES]',
    ],
    [
      'a negative figure',
      request({ figures: ['g1=-5', 'g2=300', 'promo=100'] }),
      'grant g1: remaining -5: must be >= 0 (copy the figure the billing page shows)',
    ],
    [
      'two instants',
      request({ figures: ['g1=90.17@2026-11-25T10:00:00Z', 'g2=300', 'promo=100'] }),
      'grant g1: figure read at 2026-11-25T10:00:00Z, but --at is 2026-11-25T09:00:00Z: every figure must be read at one instant (the checkpoint instant)',
    ],
    [
      'an added grant effective after --at',
      request({ figures: [...all, 'r1=5'], adds: ['r1,5,2026-11-26'] }),
      '--add r1: effective 2026-11-26T00:00:00Z, after the checkpoint instant 2026-11-25T09:00:00Z: a grant the page lists at that instant was effective by then (copy the date the page shows, or check --at)',
    ],
    [
      'more than the grant’s amount',
      request({ figures: ['g1=500.01', 'g2=300', 'promo=100'] }),
      "grant g1: remaining 500.01 is more than the grant's amount 500",
    ],
    [
      'a duplicate',
      request({ figures: [...all, 'g2=299'] }),
      'grant g2: two remaining figures given (300 and 299)',
    ],
    [
      '--balance with per-grant figures',
      request({ figures: all, balance: '400' }),
      "--balance: gives the page's total (Anthropic); per-grant figures (g1, g2, promo) cannot come with it: give one or the other",
    ],
    [
      'an added id in the recharges’ namespace',
      request({ figures: all, adds: ['auto-2026-11-20,25,2026-11-20'] }),
      '--add auto-2026-11-20: ids starting with auto- are reserved for the recharges burnrate models',
    ],
    [
      'an added grant the ledger has',
      request({ figures: all, adds: ['g1,25,2026-11-20'] }),
      '--add g1: grant g1 exists already: give its figure as g1=REMAINING instead',
    ],
    [
      'an instant in the future',
      request({ at: '2026-11-27T00:00:00Z', figures: all }),
      '--at: 2026-11-27T00:00:00Z is in the future (now 2026-11-26T10:00:00Z)',
    ],
    [
      'a malformed figure',
      request({ figures: ['g1:90', 'g2=300', 'promo=100'] }),
      'g1:90: expected GRANT=REMAINING in USD, e.g. g1=61.37',
    ],
    [
      'a figure for a grant expired before the instant',
      request({ at: '2027-01-10T00:00:00Z', figures: ['g1=1', 'g2=1', 'promo=0'] }),
      'grant promo: expired 2026-12-31T00:00:00Z, at or before the checkpoint instant 2027-01-10T00:00:00Z: it holds nothing then and takes no figure (it is replayed like any grant); drop promo=…',
    ],
    [
      'a recharge entered with an instant after --at',
      request({ figures: [...all, 'r1=5'], recharges: ['r1,25,2026-11-25T10:00:00Z'] }),
      '--recharge r1: effective 2026-11-25T10:00:00Z, after the checkpoint instant 2026-11-25T09:00:00Z: recharges after the checkpoint are modelled (autoRecharge), so it would count twice; do not enter it (or check --at)',
    ],
    [
      'a malformed --recharge',
      request({ figures: all, recharges: ['r1,25'] }),
      '--recharge r1,25: expected ID,AMOUNT,EFFECTIVE[,EXPIRES], e.g. r1,50,2026-11-20',
    ],
    [
      'a --recharge with a bad amount',
      request({ figures: [...all, 'r1=5'], recharges: ['r1,-25,2026-11-20'] }),
      '--recharge r1: amountUsd: expected a positive number, got -25',
    ],
  ])('%s', (_name, req, message) => {
    // The expired-grant cases read the page in January 2027.
    const now = req.at?.startsWith('2027') ? Date.parse('2027-01-11T00:00:00Z') : NOW;
    expect(problems(() => planCheckpoint(account(), req, now))).toContain(message);
  });

  it('a grant expired at or before the instant needs no figure: accepted, written without a checkpoint', () => {
    // Read in January 2027: promo expired 12-31 and holds nothing at T; g1 and g2 are live.
    const now = Date.parse('2027-01-11T00:00:00Z');
    const { commit, report } = planCheckpoint(
      account(),
      request({ at: '2027-01-10T00:00:00Z', figures: ['g1=1', 'g2=1'] }),
      now,
    );
    expect(commit.replace.map((r) => r.after)).toContainEqual({
      id: 'promo',
      amountUsd: 100,
      effectiveAt: '2026-09-01T00:00:00Z',
      expiresAt: '2026-12-31T00:00:00Z',
    });
    expect(report.rows.map((r) => r.grant)).toEqual(['g1', 'g2']);
    // An added grant that expired before T goes in without a checkpoint too.
    const added = planCheckpoint(
      account(),
      request({ at: '2027-01-10T00:00:00Z', figures: ['g1=1', 'g2=1'], adds: ['old,20,2025-06-01'] }),
      now,
    );
    expect(added.commit.add).toEqual([{ id: 'old', amountUsd: 20, effectiveAt: '2025-06-01' }]);
  });

  it('an added grant without a figure', () => {
    expect(
      problems(() => planCheckpoint(account(), request({ figures: all, adds: ['r1,25,2026-11-20'] }), NOW)),
    ).toEqual([
      'grant r1: no remaining figure given: every grant effective before 2026-11-25T09:00:00Z needs one',
    ]);
  });
});
