// Runs in a fresh Node.js process as Lambda's runtime would: imports the bundle, calls its
// handler once, prints how long after process start the result was ready, and exits.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const { handler } = await import(pathToFileURL(process.argv[2]).href);
const result = await handler({}, {});
const readyMillis = performance.now();
process.stdout.write(`${JSON.stringify({ readyMillis, ok: result?.ok === true, result })}\n`);
process.exit(0);
