import { simulateFile } from '../../shared/use-cases/simulate-file.ts';

/** Builders for simulation files, so each test reads like the spec's example it checks. */
export interface Cost {
  start: string;
  end: string;
  amountUsd: number;
}

const DAY = 86_400_000;

/** One bucket per UTC day from `firstDay` (YYYY-MM-DD), with the given amounts. */
export function daily(firstDay: string, amounts: number[]): Cost[] {
  const first = Date.parse(`${firstDay}T00:00:00Z`);
  return amounts.map((amountUsd, i) => ({
    start: new Date(first + i * DAY).toISOString(),
    end: new Date(first + (i + 1) * DAY).toISOString(),
    amountUsd,
  }));
}

export const baseAccount = { id: 'acme', provider: 'openai', recipients: ['ops@acme.example'] };

export function simulateObject(file: {
  account?: Record<string, unknown>;
  grants?: unknown[];
  costs?: Cost[];
  runs: string[];
}) {
  const text = JSON.stringify({
    account: { ...baseAccount, ...file.account },
    grants: file.grants ?? [],
    costs: file.costs ?? [],
    runs: file.runs,
  });
  return simulateFile(text, 'test.json').runs;
}

/** The single run of a one-run simulation. */
export function runAt(at: string, file: Omit<Parameters<typeof simulateObject>[0], 'runs'>) {
  const [run] = simulateObject({ ...file, runs: [at] });
  if (!run) throw new Error('no run');
  return run;
}

export function keys(run: { alerts: Array<{ key: string }> }): string[] {
  return run.alerts.map((a) => a.key).sort();
}
