import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app.ts';

/**
 * Synthesizes the CDK app and copies each function's bundle (as deployed) to `dir/<Name>/index.mjs`.
 * Returns name → bundle path. Used by the bundle bench and the bundle integration test.
 */
export function synthBundles(dir: string): Record<string, string> {
  const outdir = join(dir, 'cdk.out');
  rmSync(outdir, { recursive: true, force: true });
  const { app } = buildApp(
    new App({ outdir, context: { senderEmail: 'a@example.com', operatorEmail: 'b@example.com' } }),
  );
  const assembly = app.synth();
  const template = assembly.stacks.find((s) => s.stackName === 'burnrate-prod')?.template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const bundles: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    const hash = r.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    if (r.Type !== 'AWS::Lambda::Function' || !hash) continue;
    const name = id.replace(/Function.*/, '');
    const from = join(outdir, `asset.${hash}`);
    const to = join(dir, name);
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
    bundles[name] = join(to, 'index.mjs');
  }
  return bundles;
}
