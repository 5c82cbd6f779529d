import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import {
  foreignCertificateServer,
  noTlsServer,
  passwordRequestServer,
  refusingPort,
  silentServer,
  type FaultServer,
} from '../support/fault-servers.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';

/**
 * Every exit code docs/cli.md documents for `check` is produced here by `check` itself, each
 * from the situation it names: a code no test can reach is a code nobody knows still works.
 */
const shared = inject('postgres');
const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ID = 'spendsense/dev/database/connection';

const servers: FaultServer[] = [];
let own: TestPostgres;
let scratch: string;
const holders: pg.Client[] = [];
const READER_PASSWORD = 'ReaderPassword7Qx2';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'spendsense-exit-codes-'));
  own = await startTestPostgres({ maxConnections: 4 });
  const admin = new pg.Client(buildClientConfig(own, { extraCertificateAuthorities: [own.caPem] }));
  await admin.connect();
  try {
    await admin.query(`create role reader login password '${READER_PASSWORD}'`);
    await admin.query('alter role reader set default_transaction_read_only = on');
  } finally {
    await admin.end();
  }
});
afterAll(async () => {
  await Promise.all(holders.map((client) => client.end().catch(() => undefined)));
  await Promise.all(servers.map((server) => server.close()));
  await own.destroy();
  await rm(scratch, { recursive: true, force: true });
  secretsManager.restore();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  secretsManager.reset();
});

const url = (parts: { host?: string; port?: number; database?: string; password?: string } = {}) =>
  `postgresql://${shared.user}:${parts.password ?? shared.password}@${parts.host ?? '127.0.0.1'}:${parts.port ?? shared.port}/${parts.database ?? shared.database}?sslrootcert=${shared.caPath}`;

async function serve<T extends FaultServer>(server: Promise<T>): Promise<T> {
  const started = await server;
  servers.push(started);
  return started;
}

const awsError = (name: string, message: string): Error =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/** `check --secret-id`, its GetSecretValue failing with `error`. */
function secretFails(error: Error): string[] {
  secretsManager.on(GetSecretValueCommand).rejects(error);
  return ['--secret-id', SECRET_ID];
}

/** Each code, and how `check` is brought to give it. */
const situations: Record<number, () => Promise<string[]>> = {
  [ExitCode.Ok]: async () => ['--url', url()],
  [ExitCode.Usage]: async () => ['--url', url(), '--port', '0x10'],
  [ExitCode.NoConfig]: async () => {
    vi.spyOn(process, 'cwd').mockReturnValue(scratch);
    return [];
  },
  [ExitCode.SecretNotFound]: async () =>
    secretFails(
      awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
    ),
  [ExitCode.SecretAccessDenied]: async () =>
    secretFails(awsError('AccessDeniedException', 'not authorized')),
  [ExitCode.SecretMalformed]: async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'not json' });
    return ['--secret-id', SECRET_ID];
  },
  [ExitCode.AwsCredentialsMissing]: async () =>
    secretFails(
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
    ),
  [ExitCode.DnsFailure]: async () => ['--url', url({ host: 'db.spendsense.invalid' })],
  [ExitCode.ConnectionRefused]: async () => ['--url', url({ port: await refusingPort() })],
  [ExitCode.NoAnswer]: async () => [
    '--url',
    url({ port: (await serve(silentServer())).port }),
    '--timeout-ms',
    '200',
  ],
  [ExitCode.TlsNotOffered]: async () => ['--url', url({ port: (await serve(noTlsServer())).port })],
  [ExitCode.CertificateRejected]: async () => [
    '--url',
    url({ port: (await serve(foreignCertificateServer())).port }),
  ],
  [ExitCode.AuthenticationFailed]: async () => ['--url', url({ password: 'WrongPassword4Codes' })],
  [ExitCode.DatabaseMissing]: async () => ['--url', url({ database: 'nosuchdb' })],
  [ExitCode.TooManyConnections]: async () => {
    const config = buildClientConfig(own, { extraCertificateAuthorities: [own.caPem] });
    while (holders.length < 4) {
      const client = new pg.Client(config);
      await client.connect();
      holders.push(client);
    }
    return ['--url', own.url()];
  },
  [ExitCode.WrongServerVersion]: async () => {
    const server = await serve(
      passwordRequestServer({ serverVersion: '16.4', serverVersionNumber: 160004 }),
    );
    const ca = path.join(scratch, 'version-ca.pem');
    await writeFile(ca, server.caPem);
    return ['--url', `postgresql://anyone@127.0.0.1:${server.port}/spendsense`, '--ca', ca];
  },
  [ExitCode.ReadinessFailed]: async () => {
    // The slots taken for 32 are given back first.
    await Promise.all(holders.splice(0).map((client) => client.end()));
    return ['--url', own.url().replace(`${own.user}:${own.password}`, `reader:${READER_PASSWORD}`)];
  },
  [ExitCode.PasswordRequestRefused]: async () => [
    '--url',
    `postgresql://spendsense_admin:secret@127.0.0.1:${(await serve(passwordRequestServer('cleartext'))).port}/spendsense`,
    '--insecure',
  ],
};

/**
 * The IAM codes (`check --iam`) are produced in check-iam.test.ts, which signs tokens with test
 * credentials against a real server and a server that refuses tokens the way RDS does.
 */
const PRODUCED_IN_CHECK_IAM_TEST = [
  ExitCode.IamNotEnabledForUser,
  ExitCode.IamNotAuthorized,
  ExitCode.IamTokenExpired,
  ExitCode.IamClockSkew,
  ExitCode.IamTokenUnsigned,
];

const CLI_DOC = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));

describe("check's documented exit codes", () => {
  test('the codes docs/cli.md lists for check are exactly the ones produced below', async () => {
    const doc = await readFile(CLI_DOC, 'utf8');
    const line = /^\*\*Exit codes of `check`\*\*: (.+)$/m.exec(doc)?.[1];
    expect(line).toBeDefined();
    const documented = [...(line as string).matchAll(/\b\d+\b/g)].map((match) => Number(match[0]));
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.sort((a, b) => a - b)).toEqual(
      [...Object.keys(situations).map(Number), ...PRODUCED_IN_CHECK_IAM_TEST].sort((a, b) => a - b),
    );
  });

  test.each(Object.entries(situations).map(([code, arrange]) => [Number(code), arrange] as const))(
    'exit %i',
    async (exitCode, arrange) => {
      clearConnectionVariables();
      const args = await arrange();
      const run = await runCli(['check', ...args, '--json']);
      expect(run.exitCode, run.stderr).toBe(exitCode);
      const report = JSON.parse(run.stdout);
      expect(report.ok).toBe(exitCode === ExitCode.Ok);
      if (exitCode !== ExitCode.Ok) expect(report.failure.exitCode).toBe(exitCode);
    },
  );
});
