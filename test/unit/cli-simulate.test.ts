import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../functions/cli/bin.mjs');

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('burnrate simulate (spawned)', () => {
  it('prints the spec output shape for the shipped example', async () => {
    const { code, stdout } = await cli('simulate', 'shared/examples/simulation.json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['runs']);
    expect(Object.keys(out.runs[0])).toEqual([
      'at',
      'balanceUsd',
      'overdraftUsd',
      'monthToDateUsd',
      'burnRateUsdPerDay',
      'runwayDays',
      'forecastMonthEndUsd',
      'rechargedThisMonthUsd',
      'rechargesThisMonth',
      'forecastRechargesMonthEndUsd',
      'rechargeLimitReachedOn',
      'grants',
      'alerts',
    ]);
    expect(out.runs[0].at).toBe('2026-11-05T09:00:00Z');
    expect(Object.keys(out.runs[0].grants[0])).toEqual(['id', 'remainingUsd', 'expiredUsd', 'atRiskUsd']);
  });

  it('exits 2 on an invalid file, naming the field, without a stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'burnrate-'));
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        account: { id: 'a', provider: 'openai', recipients: [] },
        grants: [],
        costs: [],
        runs: [],
      }),
    );
    const { code, stdout, stderr } = await cli('simulate', file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('account.recipients: expected at least one email address');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on a missing file and on an unknown command', async () => {
    expect((await cli('simulate', '/nonexistent/file.json')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
  });
});
