#!/usr/bin/env node
// Runs the CLI built in dist/cli (`npm run build`, which `npm ci` runs as `prepare`): plain
// JavaScript starts in a fraction of the time TypeScript compiled at run time takes. In a
// checkout whose sources changed after the last build, it runs the sources through tsx instead,
// with a one-line notice (see build-state.js): a stale build would silently run old code.
import { chooseEntry } from './build-state.js';

const entry = chooseEntry();
if (entry.notice !== undefined) process.stderr.write(`spendsense-db: ${entry.notice}\n`);
if (entry.sources) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(entry.url);
process.exitCode = await main(process.argv.slice(2));
