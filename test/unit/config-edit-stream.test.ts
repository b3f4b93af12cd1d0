import { describe, expect, it } from 'vitest';
import { parseItemEdit } from '../../shared/store/config-edit-stream.ts';

const keys = (sk: string) => ({ pk: { S: 'ACCOUNT#acme' }, sk: { S: sk } });

describe('a stream record as the config-edit function reads it', () => {
  it('names the account, the item and the attributes an edit changed, never their values', () => {
    const edit = parseItemEdit({
      eventName: 'MODIFY',
      dynamodb: {
        Keys: keys('CONFIG'),
        OldImage: {
          ...keys('CONFIG'),
          id: { S: 'acme' },
          lowBalanceUsd: { L: [{ N: '20' }] },
          name: { S: 'Acme' },
          monthlyBudgetUsd: { N: '800' },
        },
        NewImage: {
          ...keys('CONFIG'),
          id: { S: 'acme' },
          lowBalanceUsd: { L: [{ N: '100' }] },
          name: { S: 'Acme' },
          digest: { S: 'off' },
        },
      },
    });
    expect(edit).toEqual({
      accountId: 'acme',
      item: 'CONFIG',
      event: 'MODIFY',
      fields: ['digest', 'lowBalanceUsd', 'monthlyBudgetUsd'],
    });
    expect(JSON.stringify(edit)).not.toMatch(/100|800|off/);
  });

  it('a deleted grant: every attribute it had, from the old image', () => {
    expect(
      parseItemEdit({
        eventName: 'REMOVE',
        dynamodb: {
          Keys: keys('GRANT#g2'),
          OldImage: { ...keys('GRANT#g2'), id: { S: 'g2' }, amountUsd: { N: '5' } },
        },
      }),
    ).toEqual({ accountId: 'acme', item: 'GRANT#g2', event: 'REMOVE', fields: ['amountUsd', 'id'] });
  });

  it('a record of another shape or another partition is an error naming what is wrong', () => {
    expect(() =>
      parseItemEdit({
        eventName: 'MODIFY',
        dynamodb: { Keys: { pk: { S: 'TOKEN#x' }, sk: { S: 'CONFIG' } } },
      }),
    ).toThrow('stream record: dynamodb.Keys.pk: not an account key, got "TOKEN#x"');
    expect(() => parseItemEdit({ eventName: 'MODIFY', dynamodb: {} })).toThrow(/Keys/);
  });
});
