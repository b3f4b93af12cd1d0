#!/usr/bin/env node
// The `burnrate` command. The CLI is TypeScript run through tsx, so there is no build step
// between a clone and a working command (Lambda bundles are built by esbuild in the CDK app).
import { register } from 'tsx/esm/api';

// The AWS SDK warns at import that its 2027 releases will need Node 22; the CLI supports Node 20
// until then (Lambda runs nodejs22.x). The SDK's own switch turns that one warning off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
