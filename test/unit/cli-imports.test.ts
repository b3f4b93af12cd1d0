import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Every module a bundle of `entry` would hold (static and literal dynamic imports), and the packages it imports. */
async function importGraph(entry: string) {
  const out = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs);
  const packages = Object.values(out.metafile.inputs).flatMap((i) =>
    i.imports.filter((x) => x.external).map((x) => x.path),
  );
  return { inputs, packages };
}

describe('the Powertools module is Lambda-only', () => {
  it('the CLI never loads the tracer (no X-Ray SDK at start-up, no X-Ray messages)', async () => {
    const cli = await importGraph('functions/cli/main.ts');
    expect(cli.inputs.length).toBeGreaterThan(50);
    expect(cli.inputs.filter((i) => i.includes('shared/powertools/'))).toEqual([]);
    expect(cli.packages.filter((p) => /tracer|xray/.test(p))).toEqual([]);
  });

  it('each Lambda handler loads it', async () => {
    for (const name of ['dispatch', 'sync-account', 'upkeep', 'guard']) {
      const fn = await importGraph(`functions/lambda/${name}.ts`);
      expect(fn.inputs).toContain('shared/powertools/tracer.ts');
      expect(fn.packages).toContain('@aws-lambda-powertools/tracer');
    }
  });
});
