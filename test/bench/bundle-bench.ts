import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { synthBundles } from '../support/synth-bundles.ts';

const ROOT = join(import.meta.dirname, '../..');

/** Each function's bundle from a real synth: its size, and how long Node takes to load it. */
export async function bundleBench(): Promise<void> {
  const bundles = synthBundles(join(ROOT, '.burnrate', 'bench-bundles'));
  console.log('## Lambda bundles (from cdk synth: AWS SDK bundled, credentials from the environment)');
  for (const [name, bundle] of Object.entries(bundles)) {
    const kb = statSync(bundle).size / 1024;
    const times = Array.from({ length: 15 }, () => initMs(bundle)).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
    console.log(
      `${name.padEnd(12)} ${kb.toFixed(0).padStart(4)} KB (target <= 250 KB) ${kb <= 250 ? 'OK' : 'MISSED'}   ` +
        `module init median ${median.toFixed(1)} ms (target <= 60 ms) ${median <= 60 ? 'OK' : 'MISSED'}`,
    );
  }
}

function initMs(bundle: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(bundle)});console.log(performance.now()-t)`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      BURNRATE_TABLE: 'burnrate',
      BURNRATE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      BURNRATE_SENDER: 'a@example.com',
      BURNRATE_OPERATOR_EMAIL: 'b@example.com',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`loading ${bundle} failed: ${out.stderr}`);
  return Number(out.stdout.trim());
}
