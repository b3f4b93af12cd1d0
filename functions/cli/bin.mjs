#!/usr/bin/env node
// The `burnrate` command. The CLI is TypeScript run through tsx, so there is no build step
// between a clone and a working command (Lambda bundles are built by esbuild in the CDK app).
import { register } from 'tsx/esm/api';

// The AWS SDK warns at import that its 2027 releases will need Node 22; the CLI supports Node 20
// until then (Lambda runs nodejs22.x). Drop that one warning so command output stays readable.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (
    String(text).includes('will require node >=22') ||
    String(rest[0]?.type ?? rest[0]).includes('NodeVersionSupport')
  )
    return;
  emitWarning(warning, ...rest);
};

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
