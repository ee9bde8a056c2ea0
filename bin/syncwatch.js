#!/usr/bin/env node
// The process's entry point. Runs the TypeScript CLI through tsx's loader, so `npx syncwatch …`
// works straight after `npm ci`, and hands it the queues' processors (workers/ sits above src/,
// which never imports it).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
const { processors } = await import('../workers/index.ts');
process.exitCode = await main(process.argv.slice(2), { processors });
