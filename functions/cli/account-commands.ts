import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { parseAccountConfig } from '../../shared/schemas/account-config.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError([`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? error}`]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError([`${file}: not valid JSON: ${(error as Error).message}`]);
  }
}

async function port() {
  const { adminPort } = await import('../../shared/compose.ts');
  return adminPort(parseEnvironment());
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export function registerAccountCommands(program: Command): void {
  const account = program
    .command('account')
    .description('Manage account config items (validated before any write)');
  account
    .command('validate')
    .argument('<file>', 'config item as JSON')
    .description('Check a config item without writing it')
    .action(async (file: string) => {
      parseAccountConfig(await readJson(file));
      process.stdout.write(`${file}: valid\n`);
    });
  account
    .command('put')
    .argument('<file>', 'config item as JSON (see README: "Account config item")')
    .description('Create or replace an account config item')
    .action(async (file: string) => {
      const { putAccount } = await import('../../shared/use-cases/manage-accounts.ts');
      const config = await putAccount(await port(), await readJson(file));
      process.stdout.write(`account ${config.id}: written\n`);
    });
  account
    .command('get')
    .argument('<id>')
    .description('Print an account config item')
    .action(async (id: string) => {
      const config = await (await port()).getConfig(id);
      if (!config) throw new InvalidInputError([`account ${id}: no such account`]);
      print(config);
    });
  account
    .command('set')
    .argument('<id>')
    .argument(
      '<assignments...>',
      'field=value, values in JSON, e.g. lowBalanceUsd=[100,25] monthlyBudgetUsd=800 \'autoRecharge={"belowUsd":20,"toUsd":100}\' (field= removes)',
    )
    .description('Edit fields of a config item; the result is validated before it is written')
    .action(async (id: string, assignments: string[]) => {
      const { setAccountFields } = await import('../../shared/use-cases/manage-accounts.ts');
      print(await setAccountFields(await port(), id, assignments));
    });
  account
    .command('check')
    .description('Validate every stored account (config item and grants), including hand edits')
    .action(async () => {
      const { checkAccounts } = await import('../../shared/use-cases/manage-accounts.ts');
      const results = await checkAccounts(await port());
      for (const r of results) {
        process.stdout.write(
          r.problems.length === 0 ? `account ${r.accountId}: ok\n` : `${r.problems.join('\n')}\n`,
        );
      }
      if (results.some((r) => r.problems.length > 0)) process.exitCode = 2;
    });
}

export function registerGrantCommands(program: Command): void {
  const grant = program.command('grant').description('Record credit grants (purchases, promotional credit)');
  grant
    .command('add')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--amount <usd>', 'amount in USD, e.g. 500')
    .requiredOption('--effective <instant>', 'when it was bought or issued (ISO 8601, e.g. 2026-01-15)')
    .option('--id <grantId>', 'grant id (default: derived from the date and amount)')
    .option('--expires <instant>', 'expiry (default: one year after --effective)')
    .option('--remaining <usd>', 'checkpoint: remaining amount shown by the provider at --as-of')
    .option('--as-of <instant>', 'checkpoint instant')
    .option(
      '--recharge',
      'a card charge auto-recharge made before the account’s checkpoint (from the billing page): counts toward its month’s limit',
    )
    .description('Add a grant; checked against the account’s other grants first')
    .action(
      async (o: {
        account: string;
        amount: string;
        effective: string;
        id?: string;
        expires?: string;
        remaining?: string;
        asOf?: string;
        recharge?: boolean;
      }) => {
        const { addGrant } = await import('../../shared/use-cases/manage-accounts.ts');
        const raw = {
          id: o.id ?? `${o.effective.slice(0, 10)}-${o.amount}`,
          amountUsd: Number(o.amount),
          effectiveAt: o.effective,
          ...(o.expires && { expiresAt: o.expires }),
          ...(o.remaining !== undefined && { remainingUsd: Number(o.remaining) }),
          ...(o.asOf && { remainingAsOf: o.asOf }),
          ...(o.recharge && { recharge: true }),
        };
        print(await addGrant(await port(), o.account, raw));
      },
    );
  grant
    .command('list')
    .requiredOption('--account <id>', 'account id')
    .description('List an account’s grants')
    .action(async (o: { account: string }) => {
      const items = await (await port()).loadAccount(o.account);
      print(items.grants);
    });
}
