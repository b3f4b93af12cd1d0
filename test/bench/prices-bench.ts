import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '../..');
const OUT = join(ROOT, '.burnrate', 'bench-prices');

/**
 * The two ways to use @pydantic/genai-prices, measured on the sync-account bundle built with the
 * options of infra/constructs/burnrate-function.ts: the generated tables burnrate ships, and the
 * package imported at runtime (its whole catalogue is one module). Size and module init median.
 */
export async function pricesBench(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const variant = join(OUT, 'runtime-package.ts');
  writeFileSync(
    variant,
    [
      "import { calcPrice } from '@pydantic/genai-prices';",
      `export { handler } from ${JSON.stringify(join(ROOT, 'functions/lambda/sync-account.ts'))};`,
      "export const price = (m: string) => calcPrice({ input_tokens: 1 }, m, { providerId: 'openai' });",
      '',
    ].join('\n'),
  );
  console.log(
    '## Price tables in the sync bundle (esbuild as in cdk synth; generated tables vs the package at runtime)',
  );
  for (const [name, entry] of [
    ['generated tables (shipped)', join(ROOT, 'functions/lambda/sync-account.ts')],
    ['@pydantic/genai-prices at runtime', variant],
  ] as const) {
    const outfile = join(OUT, `${name.split(' ')[0]?.replace(/\W/g, '')}.mjs`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      mainFields: ['module', 'main'],
      alias: {
        '@aws-sdk/credential-provider-node': join(ROOT, 'infra/bundling/credential-provider-node.ts'),
      },
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    const runs = Array.from({ length: 15 }, () => initMs(outfile));
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    console.log(
      `${name.padEnd(34)} ${(statSync(outfile).size / 1024).toFixed(0).padStart(4)} KB   module init median ` +
        `${median(runs.map((r) => r.wall)).toFixed(1)} ms (CPU ${median(runs.map((r) => r.cpu)).toFixed(1)} ms)`,
    );
  }
}

/** Wall and CPU milliseconds of loading the bundle (CPU is the steadier figure on a busy machine). */
function initMs(bundle: string): { wall: number; cpu: number } {
  const script =
    `const t=performance.now(),c=process.cpuUsage();await import(${JSON.stringify(bundle)});` +
    'const u=process.cpuUsage(c);console.log(performance.now()-t,(u.user+u.system)/1000)';
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      BURNRATE_TABLE: 'burnrate',
      BURNRATE_SENDER: 'a@example.com',
      BURNRATE_OPERATOR_EMAIL: 'b@example.com',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`loading ${bundle} failed: ${out.stderr.slice(-500)}`);
  const [wall = Number.NaN, cpu = Number.NaN] = out.stdout.trim().split(' ').map(Number);
  return { wall, cpu };
}
