import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import { errorAndHint } from '../support/cli-output.js';
import { runCli } from '../support/run-cli.js';

/**
 * How every command fails: exactly one `error:` line that names what was wrong and one `hint:`
 * line, a non-zero exit, and with `--json` a JSON document on stdout. Input is parsed strictly:
 * numbers are decimal integers in range, and a flag that cannot apply is an error.
 */

let scratch: string;
let emptyTemplate: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'spendsense-failures-'));
  emptyTemplate = path.join(scratch, 'template.json');
  await writeFile(emptyTemplate, JSON.stringify({ Resources: {} }));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const URL = 'postgresql://spendsense_admin:Pw0rd9x@127.0.0.1:1/spendsense';

/** [command line, what the error must name]: each a usage error (2). */
const usageErrors: [string[], RegExp][] = [
  // Numbers: decimal digits only, in range.
  [
    ['local', 'start', '--port', '0x1538'],
    /--port: got "0x1538"; allowed: a decimal integer from 1 to 65535/,
  ],
  [['local', 'start', '--port', '5433.0'], /--port: got "5433\.0"/],
  [['local', 'start', '--port', ' 5433'], /--port: got " 5433"/],
  [['local', 'start', '--port', '1e3'], /--port: got "1e3"/],
  [['local', 'start', '--port', '65536'], /--port: got "65536"/],
  [['local', 'start', '--port', ''], /--port: got ""/],
  [['up', '--port', '-5'], /--port: got "-5"/],
  [['check', '--url', URL, '--port', '0x10'], /--port: got "0x10"/],
  [
    ['check', '--url', URL, '--timeout-ms', '1e4'],
    /--timeout-ms: got "1e4"; allowed: a decimal integer from 100 to 600000/,
  ],
  [['check', '--url', URL, '--timeout-ms', '99'], /--timeout-ms: got "99"/],
  [['tunnel', '--stage', 'dev', '--local-port', '0x3c48'], /--local-port: got "0x3c48"/],
  // Flags that cannot apply.
  [
    ['check', '--url', URL, '--secret-id', 'spendsense/dev/database/connection'],
    /--url and --secret-id each name the connection to check: give one/,
  ],
  [['check', '--local', '--url', URL], /--url and --local each name the connection/],
  [['check', '--url', URL, '--region', 'us-east-1'], /--region apply only to --secret-id/],
  [['check', '--url', URL, '--state-dir', '/tmp'], /--state-dir applies only to --local/],
  [['info', '--stage', 'dev', '--json', '--markdown'], /--json and --markdown: choose one/],
  [['info', '--stage', 'dev', '--output', 'x.md'], /--output: only with --markdown/],
  // Words commander refuses.
  [['local', 'start', '--bogus'], /unknown option '--bogus'/],
  [['verify'], /required option '--stage <stage>' not specified/],
  [['preflight'], /required option '--stage <stage>' not specified/],
  [['preflight', '--stage', 'qa'], /--stage: got "qa"; allowed: one of dev, prod/],
  [['cost', '--stage', 'qa'], /--stage: got "qa"; allowed: one of dev, prod/],
  [['frobnicate'], /unknown command 'frobnicate'/],
];

describe('bad input: a usage error (2), one error line naming it, one hint line', () => {
  test.each(usageErrors)('%j', async (args, names) => {
    clearConnectionVariables();
    const run = await runCli(args);
    expect(run.exitCode).toBe(ExitCode.Usage);
    const { error } = errorAndHint(run);
    expect(error).toMatch(names);
  });

  test.each([
    ['PGPORT', '5432abc'],
    ['PGPORT', '0x1538'],
  ])('%s=%s is a usage error naming the variable', async (name, value) => {
    clearConnectionVariables();
    vi.stubEnv('PGHOST', '127.0.0.1');
    vi.stubEnv(name, value);
    const run = await runCli(['check']);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(errorAndHint(run).error).toContain(`PGPORT: got ${JSON.stringify(value)}`);
  });
});

describe('failures of every kind, across commands: one error line, one hint line', () => {
  test.each([
    [['local', 'url', '--state-dir', '/nonexistent/spendsense'], ExitCode.LocalNotRunning],
    [['local', 'start', '--state-dir', '/dev/null/state'], ExitCode.LocalStateUnusable],
    [['local', 'stop', '--state-dir', '/dev/null/state'], ExitCode.LocalStateUnusable],
    [['check', '--url', 'postgresql://u:p@127.0.0.1:1/d'], ExitCode.ConnectionRefused],
    [['check', '--url', 'mysql://u:p@h/d'], ExitCode.Usage],
    [
      ['cost', '--stage', 'dev', '--template', '/nonexistent/template.json'],
      ExitCode.TemplateUnavailable,
    ],
  ] as const)('%j', async (args, exitCode) => {
    clearConnectionVariables();
    const run = await runCli(args);
    expect(run.exitCode).toBe(exitCode);
    errorAndHint(run);
  });
});

describe('--json: a failure before the data still prints one JSON document', () => {
  test.each([
    [['check', '--json', '--port', '0x10', '--url', URL], ExitCode.Usage],
    [['check', '--json', '--url', URL, '--secret-id', 'x'], ExitCode.Usage],
    [['local', 'start', '--json', '--port', 'x'], ExitCode.Usage],
    [['local', 'start', '--json', '--state-dir', '/dev/null/state'], ExitCode.LocalStateUnusable],
    [['verify', '--json', '--stage', 'qa'], ExitCode.Usage],
    [['preflight', '--json', '--stage', 'qa'], ExitCode.Usage],
    [['preflight', '--json', '--stage', 'dev', '--region', 'moon'], ExitCode.WrongRegion],
    [['info', '--json', '--stage', 'dev', '--region', 'moon'], ExitCode.WrongRegion],
    [
      ['cost', '--json', '--stage', 'dev', '--template', '/nonexistent.json'],
      ExitCode.TemplateUnavailable,
    ],
  ] as const)('%j', async (args, exitCode) => {
    const run = await runCli(args);
    expect(run.exitCode).toBe(exitCode);
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({
      ok: false,
      failure: { exitCode, diagnosis: expect.any(String), hint: expect.any(String) },
    });
    expect(run.stderr).toContain(`error: ${document.failure.diagnosis}`);
  });

  test('verify --json without credentials: JSON, exit 13', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(scratch, 'none'));
    vi.stubEnv('AWS_CONFIG_FILE', path.join(scratch, 'none'));
    const run = await runCli(['verify', '--stage', 'dev', '--json']);
    expect(run.exitCode).toBe(ExitCode.AwsCredentialsMissing);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      failure: { exitCode: ExitCode.AwsCredentialsMissing },
    });
  });
});

describe('a connection URL that does not parse names the part, and never any of the password', () => {
  const secret = 'Sekr3tPw9';
  test.each([
    [
      'an unencoded / in the password',
      `postgresql://spendsense_admin:${secret}/x@db:5432/spendsense`,
      /must be percent-encoded \(\/ \? # @ : % or a space\)/,
    ],
    [
      'an unencoded # in the password',
      `postgresql://spendsense_admin:${secret}#x@db:5432/spendsense`,
      /must be percent-encoded/,
    ],
    [
      'an unencoded ? in the password',
      `postgresql://spendsense_admin:${secret}?x@db:5432/spendsense`,
      /must be percent-encoded/,
    ],
    [
      'a bad percent-escape in the password',
      `postgresql://spendsense_admin:${secret}%zz@db:5432/spendsense`,
      /(password is not validly percent-encoded|a % not followed by two hex digits)/,
    ],
    [
      'a port that is not a number',
      `postgresql://spendsense_admin:${secret}@db:five/spendsense`,
      /the port "five" is not a number from 1 to 65535/,
    ],
    [
      'a port out of range',
      `postgresql://spendsense_admin:${secret}@db:99999/spendsense`,
      /the port 99999 is not from 1 to 65535/,
    ],
    [
      'a port 0',
      `postgresql://spendsense_admin:${secret}@db:0/spendsense`,
      /the port 0 is not from 1 to 65535/,
    ],
    [
      'no scheme',
      `spendsense_admin:${secret}@db:5432/spendsense`,
      /does not start with postgresql:\/\//,
    ],
    ['no host', `postgresql://spendsense_admin:${secret}@:5432/spendsense`, /it has no host/],
  ])('%s', async (_name, url, names) => {
    clearConnectionVariables();
    for (const format of [['--json'], []]) {
      const run = await runCli(['check', '--url', url, ...format]);
      expect(run.exitCode).toBe(ExitCode.Usage);
      expect(errorAndHint(run).error).toMatch(names);
      for (const piece of [secret, 'Sekr3t', 'Pw9']) {
        expect(run.stdout + run.stderr).not.toContain(piece);
      }
    }
  });
});

describe('causes kept from foreign libraries are scrubbed like messages', () => {
  test('a CliError printed in full (causes and their properties) shows no password', () => {
    const password = 'CauseSecret42';
    const root = Object.assign(
      new Error(`connect failed for postgresql://admin:${password}@db:5432/app`),
      { code: 'ECONNREFUSED', detail: `password=${password}`, $response: { body: password } },
    );
    const wrapper = new Error(
      `while reading postgres://admin:${encodeURIComponent(password)}@db/app`,
      {
        cause: root,
      },
    );
    const error = new CliError('Could not connect.', ExitCode.ConnectionRefused, 'Start it.', {
      cause: wrapper,
    });
    const printed = inspect(error, { depth: 10, showHidden: true });
    expect(printed).not.toContain(password);
    expect(printed).toContain('postgresql://admin:****@db:5432/app');
    const cause = error.cause as Error & { cause: Error & { code?: string } };
    expect(cause.cause.code).toBe('ECONNREFUSED');
    expect(cause.cause.message).toBe('connect failed for postgresql://admin:****@db:5432/app');
  });
});
