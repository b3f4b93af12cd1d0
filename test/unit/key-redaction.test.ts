import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderOperatorEmail } from '../../shared/email/render-alert-email.ts';
import { accountConfigSchema, parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { parseGrants } from '../../shared/schemas/grant.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { validateAccountItems } from '../../shared/use-cases/load-account.ts';

const BASE = { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] };
const PASTED = 'sk-admin-Q3v9xLw2Rt8ZpN4kYb7Hc1Jd6Fg0Ms5Ue2Wq9Ao3Ti8Ly4Pn';
/** The part of a key that must never be echoed, however short the echo (describeValue keeps 57 chars). */
const secretPart = (key: string) => key.slice(key.lastIndexOf('-') + 1, key.lastIndexOf('-') + 11);

function rejection(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected the input to be rejected');
}

describe('adminKeySecret: the name of a secret under burnrate/, never the key itself', () => {
  it.each(['burnrate/acme-openai', 'burnrate/team/acme', 'burnrate/a_b+c=d.e@f-g'])('accepts %s', (name) => {
    expect(parseAccountConfig({ ...BASE, adminKeySecret: name }).adminKeySecret).toBe(name);
  });

  it.each([
    ['an OpenAI admin key', PASTED, '"sk-…"'],
    ['an OpenAI project key', 'sk-proj-Zr8Tq2Wn5Lx7Vc1Bm4Hk9Gd3Fs6Ja0Pe2Yu8Io5Qt', '"sk-…"'],
    ['an Anthropic admin key', 'sk-ant-admin01-Hk9Gd3Fs6Ja0Pe2Yu8Io5QtZr8Tq2Wn5Lx7Vc1Bm4', '"sk-…"'],
    // Long enough to be cut at 60 characters: the cut ("...") goes with the key.
    ['a key behind the prefix', `burnrate/${PASTED}`, '"burnrate/sk-…'],
  ])('refuses %s, saying it looks like the key, without echoing it', (_what, value, echo) => {
    const error = rejection(() => parseAccountConfig({ ...BASE, adminKeySecret: value }));
    expect(error.problems).toEqual([
      `account acme: adminKeySecret: this looks like the key itself: store it in Secrets Manager and give its name (such as "burnrate/acme-openai"), got ${echo}`,
    ]);
    expect(error.message).not.toContain(secretPart(value));
  });

  it.each([
    ['another prefix (the functions may read only burnrate/*)', 'custom/name', /under burnrate\//],
    ['a bare name', 'acme-openai', /under burnrate\//],
    ['nothing after the prefix', 'burnrate/', /burnrate\/ then letters/],
    ['a space', 'burnrate/acme openai', /burnrate\/ then letters/],
    ['not a text', 42, /expected a Secrets Manager secret name/],
  ])('refuses %s', (_what, value, message) => {
    const [problem] = rejection(() => parseAccountConfig({ ...BASE, adminKeySecret: value })).problems;
    expect(problem).toMatch(/^account acme: adminKeySecret: /);
    expect(problem).toMatch(message);
  });
});

describe('a key pasted into ANY config field is refused and never echoed', () => {
  const fields = Object.keys(accountConfigSchema.shape);
  const keyArb = fc
    .tuple(
      fc.constantFrom('sk-', 'sk-admin-', 'sk-proj-', 'sk-ant-admin01-', 'sk-ant-api03-'),
      fc.stringMatching(/^[A-Za-z0-9_]{24,96}$/),
    )
    .map(([prefix, rest]) => `${prefix}${rest}`);
  /** The key where the field wants it: as the value, inside a list, inside an object, or as a field name. */
  const placements = (field: string, key: string): Array<Record<string, unknown>> => [
    { ...BASE, [field]: key },
    { ...BASE, [field]: [key] },
    { ...BASE, [field]: { belowUsd: key } },
    { ...BASE, [key]: true },
  ];

  it('for every field of the schema and every placement, the problems name the field but not the key', () => {
    fc.assert(
      fc.property(keyArb, fc.constantFrom(...fields), (key, field) => {
        for (const raw of placements(field, key)) {
          const error = rejection(() => parseAccountConfig(raw));
          const all = `${error.message}\n${error.problems.join('\n')}\n${error.stack}`;
          expect(all).not.toContain(secretPart(key));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an id, a name and an id that does not match the item key: refused without the key', () => {
    const name = rejection(() => parseAccountConfig({ ...BASE, name: PASTED }));
    expect(name.problems).toEqual([
      'account acme: name: this looks like an API key (sk-…): keys belong in Secrets Manager, never in the config item, got "sk-…"',
    ]);
    const loaded = rejection(() =>
      validateAccountItems({
        accountId: 'acme',
        config: { ...BASE, id: PASTED },
        grants: [{ id: PASTED, amountUsd: PASTED, effectiveAt: '2026-01-01' }],
        costs: [],
        alerts: [],
      }),
    );
    expect(loaded.problems.join('\n')).not.toContain(secretPart(PASTED));
    expect(loaded.problems.join('\n')).toContain('grant sk-…');
  });

  it('grants: a key in any grant field is not echoed', () => {
    for (const field of ['id', 'amountUsd', 'effectiveAt', 'expiresAt', 'remainingUsd', 'remainingAsOf']) {
      const error = rejection(() =>
        parseGrants(
          [{ id: 'g1', amountUsd: 10, effectiveAt: '2026-01-01', [field]: PASTED }],
          'account acme',
          (i) => `grants[${i}]`,
        ),
      );
      expect(error.message, field).not.toContain(secretPart(PASTED));
    }
  });
});

describe('the operator email', () => {
  it('cuts out anything key-shaped in the detail it is given (last line of defence)', () => {
    const email = renderOperatorEmail({
      kind: 'auth-failed',
      accountId: 'acme',
      detail: `account acme: cannot read secret ${PASTED}: not found`,
      at: Date.parse('2026-11-24T09:00:00Z'),
    });
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).not.toContain(secretPart(PASTED));
    }
    expect(email.text).toContain('cannot read secret sk-…: not found');
  });
});
