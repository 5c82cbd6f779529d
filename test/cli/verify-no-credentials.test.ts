import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const emptyHome = mkdtempSync(path.join(tmpdir(), 'spendsense-no-aws-'));
afterAll(() => rmSync(emptyHome, { recursive: true, force: true }));

/**
 * The real command in a fresh process on a machine with no AWS configuration at all: no AWS_*
 * variables, no ~/.aws, no instance metadata. Nothing is sent over the network: resolution
 * fails before any request.
 */
function runWithoutAws(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(projectRoot, 'bin/spendsense-db.js'), ...args],
      {
        cwd: projectRoot,
        env: {
          PATH: process.env.PATH,
          HOME: emptyHome,
          AWS_EC2_METADATA_DISABLED: 'true',
          SPENDSENSE_DB_FROM_SOURCES: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('verify --stage dev with no AWS credentials exits 13 with the credentials message, no stack trace', async () => {
  const { code, stdout, stderr } = await runWithoutAws(['verify', '--stage', 'dev']);
  expect(code).toBe(ExitCode.AwsCredentialsMissing);
  expect(stdout).toBe('');
  expect(stderr).toContain(
    'error: No AWS credentials found: Could not load credentials from any providers',
  );
  expect(stderr).toContain('hint:  Sign in first');
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('NodeVersionSupportWarning');
});

test('info --stage dev with no AWS credentials answers the same way', async () => {
  const { code, stderr } = await runWithoutAws(['info', '--stage', 'dev']);
  expect(code).toBe(ExitCode.AwsCredentialsMissing);
  expect(stderr).toContain('error: No AWS credentials found');
  expect(stderr).not.toMatch(/^\s+at /m);
});

test('preflight --stage dev with no AWS credentials: the credentials message before any synth', async () => {
  const { code, stdout, stderr } = await runWithoutAws(['preflight', '--stage', 'dev']);
  expect(code).toBe(ExitCode.AwsCredentialsMissing);
  expect(stdout).toBe('');
  expect(stderr).toContain(
    'error: No AWS credentials found: Could not load credentials from any providers',
  );
  expect(stderr).toContain('hint:  Sign in first');
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('Synthesizing');
});
