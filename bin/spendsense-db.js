#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader: no build step between a change and
// running it, and tsx caches the transformed files so later starts stay fast.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
