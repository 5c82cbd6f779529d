import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { refusingPort } from '../support/fault-servers.js';
import { runCli } from '../support/run-cli.js';

/**
 * verify, info and tunnel with credentials but no way to AWS (offline, a wrong endpoint): the
 * real SDK, pointed by AWS_ENDPOINT_URL at a port where nothing listens or at a name that does
 * not resolve. Each gives the exit code docs/cli.md lists for it, before any check.
 */
const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-offline-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A PATH with working `aws` and `session-manager-plugin` stand-ins, so tunnel gets to AWS. */
const toolsPath = (() => {
  for (const [name, version] of [
    ['aws', 'aws-cli/2.22.35'],
    ['session-manager-plugin', '1.2.764.0'],
  ]) {
    const file = path.join(scratch, name as string);
    writeFileSync(file, `#!/bin/sh\necho "${version}"\n`);
    chmodSync(file, 0o755);
  }
  return scratch;
})();

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('PATH', `${toolsPath}:${process.env.PATH ?? ''}`);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const commands: string[][] = [
  ['verify', '--stage', 'dev'],
  ['info', '--stage', 'dev'],
  ['tunnel', '--stage', 'dev', '--local-port', '15987'],
];

describe.each([
  [
    'nothing listens at the endpoint',
    async (): Promise<string> => `http://127.0.0.1:${await refusingPort()}`,
    ExitCode.ConnectionRefused,
    'ECONNREFUSED',
  ],
  [
    'the endpoint name does not resolve (offline)',
    async (): Promise<string> => 'http://cloudformation.spendsense.invalid',
    ExitCode.DnsFailure,
    'ENOTFOUND',
  ],
])('AWS unreachable: %s', (_name, endpoint, exitCode, code) => {
  test.each(commands)('%s: the documented exit code, one error and one hint', async (...args) => {
    vi.stubEnv('AWS_ENDPOINT_URL', await endpoint());
    const run = await runCli(args);
    expect(run.exitCode).toBe(exitCode);
    const lines = run.stderr.split('\n');
    expect(lines.filter((line) => line.startsWith('error: '))).toEqual([
      expect.stringContaining(`Cannot reach AWS (region us-east-1) (${code})`),
    ]);
    expect(lines.filter((line) => line.startsWith('hint:  '))).toHaveLength(1);
  });

  test.each(commands.slice(0, 2))(
    '%s --json: a JSON failure document on stdout',
    async (...args) => {
      vi.stubEnv('AWS_ENDPOINT_URL', await endpoint());
      const run = await runCli([...args, '--json']);
      expect(run.exitCode).toBe(exitCode);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, failure: { exitCode } });
    },
  );
});
