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

/** `burnrate account set acme projects.proj_abc.monthlyBudgetUsd=300` (dotted paths) against DynamoDB Local. */
describe('account set with dotted paths (DynamoDB Local)', () => {
  let port: AdminPort;
  beforeEach(async () => {
    const table = await ddb.freshTable('dotted');
    const admin = new DynamoAdminStore(ddb.doc, table);
    const accounts = new DynamoAccountStore(ddb.doc, table);
    port = {
      getConfig: (id) => admin.getConfig(id),
      putConfig: (config, expected) => admin.putConfig(config, expected),
      putGrant: (id, grant) => admin.putGrant(id, grant),
      loadAccount: (id) => accounts.loadAccount(id),
      listAccounts: () => accounts.listAccounts(),
    };
    await seedAccount(ddb.doc, table, {
      id: 'acme',
      provider: 'openai',
      recipients: ['ops@acme.example'],
      projects: { proj_abc: { name: 'Search', monthlyBudgetUsd: 200 } },
    });
  });

  it('sets a field inside a project, creates a new project entry, and keeps the others', async () => {
    await setAccountFields(port, 'acme', [
      'projects.proj_abc.monthlyBudgetUsd=300',
      'projects.proj_new.recipients=["bots@acme.example"]',
      'guard.mode=approve',
    ]);
    const stored = await port.getConfig('acme');
    expect(stored?.projects).toEqual({
      proj_abc: { name: 'Search', monthlyBudgetUsd: 300 },
      proj_new: { recipients: ['bots@acme.example'] },
    });
    expect(stored?.guard).toEqual({ mode: 'approve' });
  });

  it('`projects.proj_abc=` removes that project only; a field inside it is removed with its own path', async () => {
    await setAccountFields(port, 'acme', ['projects.proj_new.name=Bots']);
    await setAccountFields(port, 'acme', ['projects.proj_abc.monthlyBudgetUsd=']);
    expect((await port.getConfig('acme'))?.projects).toEqual({
      proj_abc: { name: 'Search' },
      proj_new: { name: 'Bots' },
    });
    await setAccountFields(port, 'acme', ['projects.proj_abc=']);
    expect((await port.getConfig('acme'))?.projects).toEqual({ proj_new: { name: 'Bots' } });
  });

  it('a bad value deep inside is named by its whole path and nothing is written', async () => {
    const before = await port.getConfig('acme');
    const attempt = setAccountFields(port, 'acme', [
      'projects.proj_abc.name=Renamed',
      'projects.proj_abc.budgetAlertPercents=[80,-1]',
    ]);
    await expect(attempt).rejects.toThrow(
      'account acme: projects.proj_abc.budgetAlertPercents[1]: expected a positive number, got -1',
    );
    expect(await port.getConfig('acme')).toEqual(before);
  });

  it('refuses to reach inside a value that is not an object, naming it', async () => {
    await setAccountFields(port, 'acme', ['spikeAlert=false']);
    await expect(setAccountFields(port, 'acme', ['spikeAlert.factor=3'])).rejects.toThrow(
      'account acme: spikeAlert: is false, not an object, so spikeAlert.factor cannot be set (set spikeAlert as a whole)',
    );
    await expect(setAccountFields(port, 'acme', ['projects..name=x'])).rejects.toThrow('no empty part');
  });
});
