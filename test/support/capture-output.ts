import { vi } from 'vitest';

/** What a handler wrote while `run` ran: stdout split into lines (JSON ones parsed) and stderr. */
export interface CapturedOutput<T> {
  result: T;
  /** Every line that is JSON, stdout's then stderr's (Logger lines, errors on stderr, and EMF documents). */
  json: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
}

/**
 * Runs `run` with process.stdout/stderr captured, as CloudWatch Logs would receive a Lambda's
 * output (Powertools Logger and Metrics write through their own Console on these streams).
 */
export async function captureOutput<T>(run: () => Promise<T>): Promise<CapturedOutput<T>> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const result = await run();
    const json = `${stdout}\n${stderr}`
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { result, json, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
