import { Command, CommanderError } from 'commander';
import { EnvironmentError } from '../../shared/config/environment.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { redactKeys } from '../../shared/secrets/redact.ts';
import { registerAccountCommands, registerGrantCommands } from './account-commands.ts';
import { registerCheckpoint } from './checkpoint-command.ts';
import { registerDoctor } from './doctor-command.ts';
import { registerGuardCommands } from './guard-command.ts';
import { registerPreview } from './preview-command.ts';
import { registerProjectCommands } from './project-command.ts';
import { registerRun } from './run-command.ts';
import { registerSimulate } from './simulate-command.ts';
import { registerStart } from './start-command.ts';
import { registerStatus } from './status-command.ts';
import { registerTable } from './table-command.ts';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad input (a file, a flag, a config item). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('burnrate')
    .description('Watches prepaid LLM API credit and emails people before money is wasted or service stops.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerStart(program);
  registerSimulate(program);
  registerRun(program);
  registerAccountCommands(program);
  registerGrantCommands(program);
  registerCheckpoint(program);
  registerTable(program);
  registerPreview(program);
  registerStatus(program);
  registerDoctor(program);
  registerProjectCommands(program);
  registerGuardCommands(program);
  try {
    await program.parseAsync(argv);
    // Commands report partial failure (e.g. `account check`) through process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof InvalidInputError) {
      process.stderr.write(`burnrate: invalid input:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
      return 2;
    }
    if (error instanceof EnvironmentError) {
      process.stderr.write(`burnrate: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`burnrate: ${redactKeys((error as Error).message ?? String(error))}\n`);
    return 1;
  }
}
