import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, test, vi } from 'vitest';
import type { CheckReport } from '../../src/cli/check/report.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import { runCli } from '../support/run-cli.js';

const shared = inject('postgres');

let folder: string;
const startFolder = process.cwd();

beforeEach(async () => {
  clearConnectionVariables();
  // `.env` is read from the current folder: give each test an empty one of its own.
  folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-sources-'));
  process.chdir(folder);
});
afterEach(async () => {
  process.chdir(startFolder);
  vi.unstubAllEnvs();
  await rm(folder, { recursive: true, force: true });
});

const goodUrl = (): string => shared.url;
const pgVariables = (): Record<string, string> => ({
  PGHOST: shared.host,
  PGPORT: String(shared.port),
  PGUSER: shared.user,
  PGPASSWORD: shared.password,
  PGDATABASE: shared.database,
  PGSSLROOTCERT: shared.caPath,
});

async function check(
  ...args: string[]
): Promise<{ exitCode: number; report: CheckReport; output: string }> {
  const run = await runCli(['check', '--json', ...args]);
  return {
    exitCode: run.exitCode,
    report: JSON.parse(run.stdout) as CheckReport,
    output: run.stdout + run.stderr,
  };
}

describe('where check finds the connection, first match wins', () => {
  test('DATABASE_URL, with sslrootcert in it adding the CA', async () => {
    vi.stubEnv('DATABASE_URL', goodUrl());
    const { exitCode, report, output } = await check();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.source).toBe('DATABASE_URL');
    expect(report.stages[0]?.detail).toContain('CAs: RDS + 1 file(s)');
    expect(output).not.toContain(shared.password);
  });

  test('PG* variables, with PGSSLROOTCERT adding the CA', async () => {
    for (const [name, value] of Object.entries(pgVariables())) vi.stubEnv(name, value);
    const { exitCode, report, output } = await check();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.source).toBe('PG* variables');
    expect(report.url).toBe(
      `postgresql://spendsense_admin:****@127.0.0.1:${shared.port}/spendsense`,
    );
    expect(output).not.toContain(shared.password);
  });

  test('.env in the current folder (DATABASE_URL)', async () => {
    await writeFile(path.join(folder, '.env'), `# local\nexport DATABASE_URL="${goodUrl()}"\n`);
    const { exitCode, report, output } = await check();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.source).toBe(`DATABASE_URL in ${path.join(folder, '.env')}`);
    expect(output).not.toContain(shared.password);
  });

  test('.env in the current folder (PG* variables)', async () => {
    const lines = Object.entries(pgVariables()).map(([name, value]) => `${name}=${value}`);
    await writeFile(path.join(folder, '.env'), lines.join('\n') + '\n');
    const { exitCode, report } = await check();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.source).toBe(`PG* variables in ${path.join(folder, '.env')}`);
  });

  test('--url wins over DATABASE_URL, which wins over PG* variables and .env', async () => {
    vi.stubEnv('DATABASE_URL', goodUrl().replace(String(shared.port), '1'));
    vi.stubEnv('PGHOST', 'never.used.example');
    await writeFile(
      path.join(folder, '.env'),
      'DATABASE_URL=postgresql://x:y@never.used.example/db\n',
    );
    expect((await check('--url', goodUrl())).report.source).toBe('--url');
    const fromEnvironment = await check();
    expect(fromEnvironment.report.source).toBe('DATABASE_URL');
    expect(fromEnvironment.exitCode).toBe(ExitCode.ConnectionRefused);
  });

  test('PGPASSWORD missing is named in the config detail and fails authentication', async () => {
    for (const [name, value] of Object.entries(pgVariables())) vi.stubEnv(name, value);
    vi.stubEnv('PGPASSWORD', '');
    const { exitCode, report } = await check();
    expect(report.stages[0]?.detail).toContain('PGPASSWORD is not set');
    expect(exitCode).toBe(ExitCode.AuthenticationFailed);
  });

  test('no source at all: exit 3 with the list of sources', async () => {
    const run = await runCli(['check']);
    expect(run.exitCode).toBe(ExitCode.NoConfig);
    expect(run.stderr).toContain('error: No connection settings found');
    expect(run.stderr).toContain(
      'hint:  For the local database: `npx spendsense-db check --local`.',
    );
  });

  test('a URL with a weak sslmode is still checked with full verification', async () => {
    const { exitCode, report } = await check('--url', goodUrl().replace('verify-full', 'require'));
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.stages[0]?.detail).toContain('sslmode=require in the URL is overridden');
  });

  test.each([
    [
      '--timeout-ms',
      'soon',
      /--timeout-ms: got "soon"; allowed: a decimal integer from 100 to 600000\./,
    ],
    ['--url', 'mysql://u:p@h/db', /the scheme is mysql:, not postgresql:/],
  ])('bad input %s %s is a usage error (2) naming the value', async (flag, value, message) => {
    const run = await runCli(['check', flag, value]);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toMatch(message);
  });
});
