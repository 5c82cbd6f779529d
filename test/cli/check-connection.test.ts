import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test, vi } from 'vitest';
import type { CheckReport } from '../../src/cli/check/report.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import {
  foreignCertificateServer,
  noTlsServer,
  refusingPort,
  silentServer,
  type FaultServer,
} from '../support/fault-servers.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { runCli, type CliRun } from '../support/run-cli.js';

const shared = inject('postgres');
const WRONG_PASSWORD = 'WrongPassword4Check7x9';

/** The pieces of a URL to the shared server, any of which a case may change. */
function urlTo(parts: {
  host?: string;
  port?: number;
  database?: string;
  password?: string;
}): string {
  const password = parts.password ?? shared.password;
  return (
    `postgresql://${shared.user}:${password}@${parts.host ?? '127.0.0.1'}:${parts.port ?? shared.port}` +
    `/${parts.database ?? shared.database}?sslmode=verify-full&sslrootcert=${shared.caPath}`
  );
}

function report(run: CliRun): CheckReport {
  return JSON.parse(run.stdout) as CheckReport;
}

function stageStatus(run: CliRun): Record<string, string> {
  return Object.fromEntries(report(run).stages.map((stage) => [stage.stage, stage.status]));
}

beforeEach(() => {
  clearConnectionVariables();
  return () => vi.unstubAllEnvs();
});

describe('check against the real PostgreSQL 15', () => {
  test('passes every stage and exits 0, with the password masked', async () => {
    const run = await runCli(['check', '--url', urlTo({}), '--json']);
    expect(run.exitCode).toBe(ExitCode.Ok);
    const result = report(run);
    expect(result.ok).toBe(true);
    expect(result.stages.map((stage) => [stage.stage, stage.status])).toEqual([
      ['config', 'ok'],
      ['dns', 'ok'],
      ['tcp', 'ok'],
      ['tls', 'ok'],
      ['auth', 'ok'],
      ['version', 'ok'],
      ['encryption', 'ok'],
      ['identity', 'ok'],
      ['max_connections', 'ok'],
      ['write_read', 'ok'],
      ['latency', 'ok'],
    ]);
    expect(result.stages.every((stage) => typeof stage.durationMillis === 'number')).toBe(true);
    expect(result.server).toMatchObject({
      database: 'spendsense',
      user: 'spendsense_admin',
      tlsVersion: expect.stringMatching(/^TLSv1\.[23]$/),
      serverVersion: expect.stringMatching(/^15\./),
      maxConnections: 100,
    });
    expect(result.server.medianRoundTripMillis).toBeGreaterThan(0);
    expect(result.source).toBe('--url');
    expect(result.url).toBe(
      `postgresql://spendsense_admin:****@127.0.0.1:${shared.port}/spendsense`,
    );
    expect(run.stdout + run.stderr).not.toContain(shared.password);
  });

  test('prints a table on stdout and progress on stderr without --json', async () => {
    const run = await runCli(['check', '--url', urlTo({ host: 'localhost' })]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toMatch(/^stage\s+result\s+time\s+detail/);
    expect(run.stdout).toMatch(
      /tls\s+ok\s+[\d.]+ ms\s+TLSv1\.\d, certificate verified for localhost/,
    );
    expect(run.stdout).toContain('Connection OK: every stage passed.');
    expect(run.stderr).toMatch(/ok {4}TCP connect \(\d+ ms\)/);
    expect(run.stdout + run.stderr).not.toContain(shared.password);
  });

  test('--insecure warns loudly and still requires TLS', async () => {
    const run = await runCli([
      'check',
      '--url',
      urlTo({}).replace(/&sslrootcert=.*$/, ''),
      '--insecure',
      '--json',
    ]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stderr).toContain('WARNING: --insecure: the server certificate is NOT verified');
    const tls = report(run).stages.find((stage) => stage.stage === 'tls');
    expect(tls?.detail).toMatch(
      /certificate NOT verified \(--insecure: SELF_SIGNED_CERT_IN_CHAIN\)/,
    );
  });
});

interface FailureCase {
  readonly name: string;
  readonly args: () => string[];
  readonly exitCode: ExitCode;
  readonly failedStage: string;
  readonly diagnosis: RegExp;
}

describe('each failure class has its own exit code, diagnosis and hint, and no secret in any output', () => {
  const servers: FaultServer[] = [];
  let refused: number;
  let silent: FaultServer;
  let noTls: FaultServer;
  let foreign: FaultServer & { caPem: string };
  let wrongHost: FaultServer & { caPem: string };
  let wrongHostCa: string;
  let scratch: string;

  beforeAll(async () => {
    refused = await refusingPort();
    silent = await silentServer();
    noTls = await noTlsServer();
    foreign = await foreignCertificateServer();
    wrongHost = await foreignCertificateServer(['db.example.com'], []);
    servers.push(silent, noTls, foreign, wrongHost);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'spendsense-check-'));
    wrongHostCa = path.join(scratch, 'wrong-host-ca.pem');
    await writeFile(wrongHostCa, wrongHost.caPem);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(scratch, { recursive: true, force: true });
  });

  const cases: FailureCase[] = [
    {
      name: 'malformed URL',
      args: () => ['--url', `postgresql://spendsense_admin:${shared.password}@db:port/spendsense`],
      exitCode: ExitCode.Usage,
      failedStage: 'config',
      diagnosis:
        /The connection URL from --url is not valid: the port "port" is not a number from 1 to 65535 \(\*\*\*\*\)/,
    },
    {
      name: 'unreadable CA file',
      args: () => ['--url', urlTo({}), '--ca', '/nonexistent/ca.pem'],
      exitCode: ExitCode.Usage,
      failedStage: 'config',
      diagnosis: /The CA file \/nonexistent\/ca\.pem \(from --ca\) cannot be read: ENOENT/,
    },
    {
      name: 'connection refused',
      args: () => ['--url', urlTo({ port: refused })],
      exitCode: ExitCode.ConnectionRefused,
      failedStage: 'tcp',
      diagnosis: /Connection refused by 127\.0\.0\.1:\d+: nothing listens on port/,
    },
    {
      name: 'a socket that accepts and never answers',
      args: () => ['--url', urlTo({ port: silent.port }), '--timeout-ms', '300'],
      exitCode: ExitCode.NoAnswer,
      failedStage: 'tls',
      diagnosis: /accepted the TCP connection but did not answer the TLS request within 300 ms/,
    },
    {
      name: 'a server without TLS',
      args: () => ['--url', urlTo({ port: noTls.port })],
      exitCode: ExitCode.TlsNotOffered,
      failedStage: 'tls',
      diagnosis: /The server does not offer TLS \(it answered N to the SSLRequest\)/,
    },
    {
      name: 'a certificate from another CA',
      args: () => ['--url', urlTo({ port: foreign.port })],
      exitCode: ExitCode.CertificateRejected,
      failedStage: 'tls',
      diagnosis:
        /certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): Foreign test server, issued by Foreign test CA/,
    },
    {
      name: 'a trusted certificate for another host',
      args: () => ['--url', urlTo({ port: wrongHost.port }), '--ca', wrongHostCa],
      exitCode: ExitCode.CertificateRejected,
      failedStage: 'tls',
      diagnosis: /not valid for host 127\.0\.0\.1: it names DNS:db\.example\.com/,
    },
    {
      name: 'a wrong password',
      args: () => ['--url', urlTo({ password: WRONG_PASSWORD })],
      exitCode: ExitCode.AuthenticationFailed,
      failedStage: 'auth',
      diagnosis: /Authentication failed: the server rejected the password of spendsense_admin/,
    },
    {
      name: 'a database that does not exist',
      args: () => ['--url', urlTo({ database: 'nosuchdb' })],
      exitCode: ExitCode.DatabaseMissing,
      failedStage: 'auth',
      diagnosis: /Database nosuchdb does not exist/,
    },
  ];

  test.each(cases)('$name', async (failure) => {
    for (const format of [['--json'], []]) {
      const run = await runCli(['check', ...failure.args(), ...format]);
      expect(run.exitCode).toBe(failure.exitCode);
      expect(run.stderr).toMatch(/^error: .+\nhint: {2}.+$/m);
      expect(run.stderr).toMatch(failure.diagnosis);
      for (const secret of [shared.password, WRONG_PASSWORD]) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
      if (format.length === 1) {
        const result = report(run);
        expect(result.ok).toBe(false);
        expect(result.failure).toMatchObject({
          exitCode: failure.exitCode,
          diagnosis: expect.stringMatching(failure.diagnosis),
        });
        expect(result.failure?.hint).toEqual(expect.any(String));
        expect(stageStatus(run)[failure.failedStage]).toBe('failed');
        const after = result.stages.slice(
          result.stages.findIndex((stage) => stage.stage === failure.failedStage) + 1,
        );
        expect(after.length).toBeGreaterThan(0);
        expect(after.every((stage) => stage.status === 'skipped')).toBe(true);
      } else {
        expect(run.stdout).toMatch(
          new RegExp(`Connection check FAILED \\(exit ${failure.exitCode}\\)`),
        );
      }
    }
  });
});

describe('failures that need a server of their own', () => {
  let postgres: TestPostgres;
  const readOnlyPassword = 'ReadOnlyPassword5Zq8';
  const holders: pg.Client[] = [];

  beforeAll(async () => {
    postgres = await startTestPostgres({ maxConnections: 4 });
    const admin = new pg.Client(
      buildClientConfig(postgres, { extraCertificateAuthorities: [postgres.caPem] }),
    );
    await admin.connect();
    try {
      await admin.query(`create role reader login password '${readOnlyPassword}'`);
      // Only granted roles may connect (the role setup revokes CONNECT from PUBLIC).
      await admin.query('grant connect, temporary on database spendsense to reader');
      await admin.query('alter role reader set default_transaction_read_only = on');
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    await Promise.all(holders.map((client) => client.end().catch(() => undefined)));
    await postgres.destroy();
  });

  test('a server that is read-only fails readiness at write_read (34)', async () => {
    const url = postgres
      .url()
      .replace(`${postgres.user}:${postgres.password}`, `reader:${readOnlyPassword}`);
    const run = await runCli(['check', '--url', url, '--json']);
    expect(run.exitCode).toBe(ExitCode.ReadinessFailed);
    expect(stageStatus(run).write_read).toBe('failed');
    expect(run.stderr).toMatch(/read-only transaction \(SQLSTATE 25006\)/);
    expect(run.stderr).toContain('connect to the writer endpoint');
    expect(run.stdout + run.stderr).not.toContain(readOnlyPassword);
  });

  test('no connection slot left gives too many connections (32)', async () => {
    const config = buildClientConfig(postgres, { extraCertificateAuthorities: [postgres.caPem] });
    for (let index = 0; index < 4; index += 1) {
      const client = new pg.Client(config);
      await client.connect();
      holders.push(client);
    }
    const run = await runCli(['check', '--url', postgres.url(), '--json']);
    expect(run.exitCode).toBe(ExitCode.TooManyConnections);
    expect(stageStatus(run).auth).toBe('failed');
    expect(run.stderr).toMatch(/no connection slot left \(too many connections\)/);
    expect(run.stdout + run.stderr).not.toContain(postgres.password);
  });
});
