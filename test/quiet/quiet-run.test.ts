import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A passing `npm test` is quiet: the project's test configuration, run on a test that bundles
 * Lambda functions, builds an AWS SDK client and logs, prints its summary and nothing of those.
 */
test('a passing run prints no SDK notice, no bundling log, no log of a passing test', async () => {
  // The child is a vitest of its own: none of this run's vitest variables may leak into it.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'TEST'),
  );
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--config',
      'test/quiet/fixture/vitest.config.ts',
      '--reporter',
      'default',
    ],
    { cwd: ROOT, env, timeout: 240_000 },
  );
  // eslint-disable-next-line no-control-regex -- colour codes, stripped to read the text
  const output = (stdout + stderr).replace(/\x1b\[[0-9;]*m/g, '');
  expect(output).toMatch(/Tests\s+1 passed/);
  for (const noise of [
    'NodeVersionSupportWarning',
    'Bundling asset',
    'Done in',
    'index.mjs',
    'NOISE-FROM-A-PASSING-TEST',
  ]) {
    expect(output).not.toContain(noise);
  }
}, 300_000);
