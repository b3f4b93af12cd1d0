import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';

export function registerTable(program: Command): void {
  const table = program
    .command('table')
    .description('The DynamoDB table (local use: the CDK stack creates it in AWS)');
  table
    .command('create')
    .description('Create the table with the same key schema and index as the CDK stack, unless it exists')
    .action(async () => {
      const env = parseEnvironment();
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      const { ensureTable } = await import('../../shared/store/table.ts');
      const client = new DynamoDBClient({ region: env.AWS_REGION });
      try {
        const result = await ensureTable(client, env.BURNRATE_TABLE);
        process.stdout.write(
          `table ${env.BURNRATE_TABLE}: ${result === 'created' ? 'created' : 'already exists'}\n`,
        );
      } finally {
        client.destroy();
      }
    });
}
