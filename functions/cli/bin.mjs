#!/usr/bin/env node
// The `burnrate` command. The CLI is TypeScript run through tsx, so there is no build step
// between a clone and a working command (Lambda bundles are built by esbuild in the CDK app).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
