import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';
import { simulateFile } from '../../shared/use-cases/simulate-file.ts';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      "Replay a simulation file (account, grants, costs, runs) and print each run's figures and alerts as JSON",
    )
    .argument('<file>', 'simulation file (JSON), see shared/examples/simulation.json')
    .action(async (file: string) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InvalidInputError([
          `${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? error}`,
        ]);
      }
      process.stdout.write(`${JSON.stringify(simulateFile(text, file), null, 2)}\n`);
    });
}
