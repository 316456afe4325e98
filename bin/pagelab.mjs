#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npm ci` is the only setup step.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`pagelab run FILE | head`) closes the pipe: stop quietly, as Unix
// tools do, instead of dying on the unhandled EPIPE with a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
