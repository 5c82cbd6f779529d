import dns from 'node:dns';
import type * as dnsPromises from 'node:dns/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, inject, test, vi } from 'vitest';
import type { CheckReport } from '../../src/cli/check/report.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import { runCli, type CliRun } from '../support/run-cli.js';

const shared = inject('postgres');
/** Not in the local server certificate, which names localhost, 127.0.0.1 and ::1 only. */
const FOREIGN_NAME = 'db.example.internal';
const SECRET_ID = 'spendsense/dev/database/connection';

// With hostaddr nothing may be looked up: any lookup through the stage's resolver is recorded
// and fails without leaving the machine.
const stageLookup = vi.hoisted(() =>
  vi.fn(async (host: string) => {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  }),
);
vi.mock('node:dns/promises', async (importOriginal) => {
  const original = await importOriginal<typeof dnsPromises>();
  return { ...original, default: { ...original, lookup: stageLookup }, lookup: stageLookup };
});

const secretsManager = mockClient(SecretsManagerClient);

/** A URL to the shared server under another host name, with its CA. */
function urlFor(host: string, query = ''): string {
  return (
    `postgresql://${shared.user}:${shared.password}@${host}:${shared.port}/${shared.database}` +
    `?sslmode=verify-full&sslrootcert=${shared.caPath}${query}`
  );
}

function report(run: CliRun): CheckReport {
  return JSON.parse(run.stdout) as CheckReport;
}

function stage(run: CliRun, name: string): CheckReport['stages'][number] | undefined {
  return report(run).stages.find((entry) => entry.stage === name);
}

/** Node's own resolver (what `net` and node-postgres use), refusing every name. */
let socketLookup: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  clearConnectionVariables();
  stageLookup.mockClear();
  secretsManager.reset();
  socketLookup = vi.spyOn(dns, 'lookup').mockImplementation(((
    host: string,
    _options: unknown,
    callback: (error: NodeJS.ErrnoException) => void,
  ) => {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    process.nextTick(() => callback(error));
  }) as unknown as typeof dns.lookup);
});
afterEach(() => {
  vi.unstubAllEnvs();
  socketLookup.mockRestore();
});
afterAll(() => secretsManager.restore());

describe('--hostaddr: connect to an address, verify the certificate against the host name', () => {
  test('host localhost through 127.0.0.1: every stage passes, DNS skipped, localhost verified', async () => {
    const run = await runCli([
      'check',
      '--url',
      urlFor('localhost'),
      '--hostaddr',
      '127.0.0.1',
      '--json',
    ]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(stage(run, 'dns')).toMatchObject({
      status: 'skipped',
      detail: 'skipped: hostaddr 127.0.0.1 given, localhost is not looked up',
    });
    expect(stage(run, 'tcp')?.detail).toBe(`connected to 127.0.0.1:${shared.port}`);
    expect(stage(run, 'tls')?.detail).toMatch(
      /^TLSv1\.\d, certificate verified for localhost \(via 127\.0\.0\.1\)/,
    );
    expect(stage(run, 'config')?.detail).toContain(
      'connects to 127.0.0.1 (hostaddr from --hostaddr) without a DNS lookup; the certificate is verified for localhost',
    );
    expect(report(run).ok).toBe(true);
    expect(report(run).url).toBe(
      `postgresql://spendsense_admin:****@localhost:${shared.port}/spendsense?hostaddr=127.0.0.1`,
    );
    expect(stageLookup).not.toHaveBeenCalled();
    expect(socketLookup).not.toHaveBeenCalled();
    expect(run.stdout + run.stderr).not.toContain(shared.password);
  });

  test('a host name the certificate does not carry fails verification (24) although the address is right', async () => {
    for (const format of [['--json'], []]) {
      const run = await runCli([
        'check',
        '--url',
        urlFor(FOREIGN_NAME),
        '--hostaddr',
        '127.0.0.1',
        ...format,
      ]);
      expect(run.exitCode).toBe(ExitCode.CertificateRejected);
      expect(run.stderr).toContain(
        `error: The server certificate is not valid for host ${FOREIGN_NAME} (connected through 127.0.0.1): it names DNS:localhost`,
      );
      expect(run.stderr).toMatch(/^hint: {2}With hostaddr the certificate is still checked/m);
      expect(run.stdout + run.stderr).not.toContain(shared.password);
      if (format.length === 1) {
        expect(stage(run, 'dns')?.status).toBe('skipped');
        expect(stage(run, 'tcp')?.status).toBe('ok');
        expect(stage(run, 'tls')?.status).toBe('failed');
        expect(stage(run, 'auth')?.status).toBe('skipped');
      }
    }
    expect(stageLookup).not.toHaveBeenCalled();
    expect(socketLookup).not.toHaveBeenCalled();
  });

  test('--hostaddr and --port apply on top of --secret-id: the tunnel command', async () => {
    // The secret names the endpoint and its own port; the tunnel listens elsewhere.
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_ID}-AbCdEf`,
      Name: SECRET_ID,
      VersionId: '5d2f4a6e-1b3c-4d5e-8f90-a1b2c3d4e5f6',
      SecretString: JSON.stringify({
        url: `postgresql://${shared.user}:${shared.password}@localhost:5432/${shared.database}`,
        engine: 'postgres',
        host: 'localhost',
        port: 5432,
        dbname: shared.database,
        username: shared.user,
        password: shared.password,
      }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-01-01T00:00:00Z'),
      $metadata: { httpStatusCode: 200 },
    });
    const run = await runCli([
      'check',
      '--secret-id',
      SECRET_ID,
      '--hostaddr',
      '127.0.0.1',
      '--port',
      String(shared.port),
      '--ca',
      shared.caPath,
      '--json',
    ]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(report(run).url).toBe(
      `postgresql://spendsense_admin:****@localhost:${shared.port}/spendsense?hostaddr=127.0.0.1`,
    );
    expect(stage(run, 'tls')?.detail).toContain('certificate verified for localhost');
    expect(socketLookup).not.toHaveBeenCalled();
    expect(run.stdout + run.stderr).not.toContain(shared.password);
  });
});

describe('hostaddr from the URL and PGHOSTADDR, as libpq reads them', () => {
  test('hostaddr in the URL query', async () => {
    const run = await runCli([
      'check',
      '--url',
      urlFor(FOREIGN_NAME, '&hostaddr=127.0.0.1'),
      '--json',
    ]);
    expect(run.exitCode).toBe(ExitCode.CertificateRejected);
    expect(stage(run, 'config')?.detail).toContain('(hostaddr from --url)');
    expect(stage(run, 'tls')?.detail).toContain(`not valid for host ${FOREIGN_NAME}`);
    expect(socketLookup).not.toHaveBeenCalled();
  });

  test('PGHOSTADDR applies to any source, here --url', async () => {
    vi.stubEnv('PGHOSTADDR', '127.0.0.1');
    const run = await runCli(['check', '--url', urlFor('localhost'), '--json']);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(stage(run, 'config')?.detail).toContain('(hostaddr from PGHOSTADDR)');
    expect(stage(run, 'dns')?.status).toBe('skipped');
  });

  test('PGHOSTADDR with the PG* variables', async () => {
    vi.stubEnv('PGHOST', FOREIGN_NAME);
    vi.stubEnv('PGHOSTADDR', '127.0.0.1');
    vi.stubEnv('PGPORT', String(shared.port));
    vi.stubEnv('PGUSER', shared.user);
    vi.stubEnv('PGPASSWORD', shared.password);
    vi.stubEnv('PGSSLROOTCERT', shared.caPath);
    const run = await runCli(['check', '--json']);
    expect(run.exitCode).toBe(ExitCode.CertificateRejected);
    expect(stage(run, 'tls')?.detail).toContain(`not valid for host ${FOREIGN_NAME}`);
    expect(socketLookup).not.toHaveBeenCalled();
  });

  test('--hostaddr wins over PGHOSTADDR and hostaddr in the URL', async () => {
    // 127.0.0.2 is loopback too, and nothing listens there: reaching it would be refused.
    vi.stubEnv('PGHOSTADDR', '127.0.0.2');
    const run = await runCli([
      'check',
      '--url',
      urlFor('localhost', '&hostaddr=127.0.0.2'),
      '--hostaddr',
      '127.0.0.1',
      '--json',
    ]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(stage(run, 'config')?.detail).toContain('(hostaddr from --hostaddr)');
  });
});

describe('a hostaddr that is not a numeric address is a usage error (2)', () => {
  test.each([
    { args: ['--hostaddr', 'localhost'], shown: '`--hostaddr` must be a numeric IPv4 or IPv6' },
    { args: ['--hostaddr', '127.0.0.256'], shown: 'Got "127.0.0.256".' },
    { args: ['--hostaddr', '127.1'], shown: 'Got "127.1".' },
  ])('$args', async ({ args, shown }) => {
    const run = await runCli(['check', '--url', urlFor('localhost'), ...args, '--json']);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(shown);
    expect(run.stderr).toMatch(/^hint: {2}hostaddr is the address to connect to/m);
    expect(stage(run, 'config')?.status).toBe('failed');
    expect(stage(run, 'tcp')?.status).toBe('skipped');
    expect(run.stdout + run.stderr).not.toContain(shared.password);
  });

  test('in the URL', async () => {
    const run = await runCli(['check', '--url', urlFor('localhost', '&hostaddr=tunnel')]);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(
      'error: `hostaddr` in the URL from --url must be a numeric IPv4 or IPv6 address. Got "tunnel".',
    );
    expect(run.stdout + run.stderr).not.toContain(shared.password);
  });

  test('in PGHOSTADDR', async () => {
    vi.stubEnv('PGHOSTADDR', 'db.example.internal');
    const run = await runCli(['check', '--url', urlFor('localhost')]);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain('error: `PGHOSTADDR` must be a numeric IPv4 or IPv6 address.');
  });

  test('with --secret-id, before the secret is read', async () => {
    const run = await runCli(['check', '--secret-id', SECRET_ID, '--hostaddr', 'tunnel']);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test.each(['0', '65536', 'tunnel'])('--port %s', async (port) => {
    const run = await runCli(['check', '--url', urlFor('localhost'), '--port', port]);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(
      `error: --port: got ${JSON.stringify(port)}; allowed: a decimal integer from 1 to 65535.`,
    );
  });
});
