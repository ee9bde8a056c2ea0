#!/usr/bin/env node
// The process's entry point. Runs the compiled JavaScript in dist/ (`npm run build`: tsc with
// tsconfig.build.json; `npm ci` builds it through `prepare`, `npm start` and `npm test` rebuild it
// first), never the TypeScript sources: one rule in development, CI and the container. Hands the
// CLI the queues' processors (workers/ sits above src/, which never imports it).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('syncwatch: dist/ is missing: run `npm run build` (or `npm ci`, which builds it)\n');
  process.exit(1);
}
// Stack traces name the TypeScript lines (dist/ carries source maps).
process.setSourceMapsEnabled(true);
const { main } = await import(cli.href);
const { processors } = await import(new URL('../dist/workers/index.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), { processors });
