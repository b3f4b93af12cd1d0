import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readContext } from './context.ts';
import { suppressDocumentedFindings } from './nag-suppressions.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** burnrate = a stateful stack (the table, retained) + a stateless one (functions, schedule, alarms). */
export function buildApp(app = new App()) {
  const settings = readContext(app);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `burnrate-${settings.stage}-stateful`, {
    env,
    description: 'burnrate: table (retained)',
  });
  const stateless = new StatelessStack(app, `burnrate-${settings.stage}`, {
    env,
    table: stateful.table,
    settings,
    description: 'burnrate: schedule, functions, queue, alarms',
  });
  suppressDocumentedFindings(stateless);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stateful, stateless };
}

if (process.argv[1]?.endsWith('app.ts')) {
  try {
    buildApp().app.synth();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
