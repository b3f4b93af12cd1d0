import { vi } from 'vitest';
import { main } from '../../functions/cli/main.ts';

/**
 * The CLI's entry point (commander, exit codes, messages) in this process, with exactly `env` as the
 * environment for the call: a spawn costs seconds on a loaded machine. Output is captured; the
 * environment and `process.exitCode` are restored afterwards.
 */
export async function cliInProcess(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, env);
    const code = await main(['node', 'burnrate', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, saved);
    process.exitCode = undefined;
  }
}
