import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAdminStore } from '../../shared/store/dynamo-admin-store.ts';
import { type AdminPort, setAccountFields } from '../../shared/use-cases/manage-accounts.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();

/** `burnrate account set acme 'autoRecharge={…}'` against DynamoDB Local, as the CLI wires it. */
describe('account set autoRecharge (DynamoDB Local)', () => {
  let port: AdminPort;
  beforeEach(async () => {
    const table = await ddb.freshTable('recharge');
    const admin = new DynamoAdminStore(ddb.doc, table);
    const accounts = new DynamoAccountStore(ddb.doc, table);
    port = {
      getConfig: (id) => admin.getConfig(id),
      putConfig: (config, expected) => admin.putConfig(config, expected),
      putGrant: (id, grant) => admin.putGrant(id, grant),
      loadAccount: (id) => accounts.loadAccount(id),
      listAccounts: () => accounts.listAccounts(),
    };
    await seedAccount(ddb.doc, table, { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] });
  });

  it('parses the JSON object value, stores it, and removes it with `autoRecharge=`', async () => {
    await setAccountFields(port, 'acme', ['autoRecharge={"belowUsd":20,"toUsd":100,"monthlyLimitUsd":500}']);
    expect((await port.getConfig('acme'))?.autoRecharge).toEqual({
      belowUsd: 20,
      toUsd: 100,
      monthlyLimitUsd: 500,
    });
    await setAccountFields(port, 'acme', ['autoRecharge=']);
    expect((await port.getConfig('acme'))?.autoRecharge).toBeUndefined();
  });

  it('rejects a bad setting naming the field, and writes nothing', async () => {
    const attempt = setAccountFields(port, 'acme', ['autoRecharge={"belowUsd":20,"toUsd":10}']);
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(
      'account acme: autoRecharge.toUsd: expected a number greater than belowUsd (20), got 10',
    );
    expect((await port.getConfig('acme'))?.autoRecharge).toBeUndefined();
  });
});
