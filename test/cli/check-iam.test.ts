import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  test,
  vi,
} from 'vitest';
import { runCheck } from '../../src/cli/check/run-check.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { expectedToken, TEST_CREDENTIALS } from '../support/iam-tokens.js';
import { passwordEchoServer, type PasswordEchoServer } from '../support/password-echo-server.js';
import { adminClientConfig } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';

const server = inject('postgres');
const role = `iam_check_${randomBytes(4).toString('hex')}`;
const T0 = new Date('2026-12-03T09:00:00Z');
const admin = new pg.Client(adminClientConfig(server));

/** The URL of the role, without a password: `--iam` brings the token. */
const urlFor = (host: string, port: number) =>
  `postgresql://${role}@${host}:${port}/${server.database}?sslrootcert=${encodeURIComponent(server.caPath)}`;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create role ${role} login`);
  await admin.query(`grant connect on database ${server.database} to ${role}`);
});
afterAll(async () => {
  await admin.query(`revoke connect on database ${server.database} from ${role}`);
  await admin.query(`drop role ${role}`);
  await admin.end();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', TEST_CREDENTIALS.sessionToken);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/** Makes the local server take the token `check` will sign for `host:port` (clock pinned). */
async function acceptToken(host: string, port: number): Promise<string> {
  const token = await expectedToken({ host, port, user: role });
  await admin.query(`alter role ${role} password ${admin.escapeLiteral(token)}`);
  return token;
}

/** `check --iam` against the test server, signing for us-east-1. */
function checkIamOnServer(...more: string[]): ReturnType<typeof runCli> {
  return runCli([
    'check',
    '--url',
    urlFor(server.host, server.port),
    '--iam',
    '--region',
    'us-east-1',
    ...more,
  ]);
}

describe('check --iam against the local server (which checks the token as a password)', () => {
  test('logs in with a token signed with the caller’s credentials; the token is printed nowhere', async () => {
    const token = await acceptToken(server.host, server.port);

    const run = await checkIamOnServer('--json');

    expect(run.exitCode).toBe(ExitCode.Ok);
    const report = JSON.parse(run.stdout) as { stages: { stage: string; detail: string }[] };
    expect(report.stages.find((stage) => stage.stage === 'auth')?.detail).toBe(
      `authenticated as ${role} to database spendsense with an IAM token signed for ${server.host}:${server.port} in us-east-1`,
    );
    for (const secret of [token, TEST_CREDENTIALS.sessionToken, TEST_CREDENTIALS.secretAccessKey]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  test('through a tunnel, the token is signed for the endpoint and its port, not the local one', async () => {
    // The URL names the endpoint as the database knows it; --hostaddr/--port reach it locally.
    await acceptToken('localhost', 5432);

    const run = await runCli([
      'check',
      '--url',
      urlFor('localhost', 5432),
      '--hostaddr',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--iam',
      '--region',
      'us-east-1',
    ]);

    expect(run.stderr).not.toContain('error:');
    expect(run.exitCode).toBe(ExitCode.Ok);
  });

  test('35: the server checked a password (the user is not enabled for IAM)', async () => {
    await admin.query(
      `alter role ${role} password ${admin.escapeLiteral(randomBytes(16).toString('hex'))}`,
    );

    const run = await checkIamOnServer();

    expect(run.exitCode).toBe(ExitCode.IamNotEnabledForUser);
    expect(run.stderr).toContain(
      `error: The server checked a password for ${role}, not an IAM token: ${role} is not a member of rds_iam`,
    );
    expect(run.stderr).toContain(`hint:  As the master user: GRANT rds_iam TO ${role}`);
  });

  test('39: no AWS credentials to sign with', async () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');

    const run = await checkIamOnServer();

    expect(run.exitCode).toBe(ExitCode.IamTokenUnsigned);
    expect(run.stderr).toContain(
      'error: No AWS credentials to sign the IAM authentication token with',
    );
  });

  test('39: no region for a host that is not an RDS endpoint', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');

    const run = await runCli(['check', '--url', urlFor(server.host, server.port), '--iam']);

    expect(run.exitCode).toBe(ExitCode.IamTokenUnsigned);
    expect(run.stderr).toContain(
      `No region to sign the IAM authentication token for ${server.host}`,
    );
  });

  test('--user without --iam is a usage error', async () => {
    const run = await runCli(['check', '--url', server.url, '--user', 'spendsense_app']);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain('`--user` applies to `--iam` only');
  });
});

describe('check --iam against a server that refuses the token like RDS (PAM)', () => {
  const ENDPOINT = 'spendsense-dev.c9akciq32xyz.eu-west-1.rds.amazonaws.com';
  let pam: PasswordEchoServer;
  let caFolder: string;
  let caFile: string;
  beforeAll(async () => {
    pam = await passwordEchoServer({
      code: '28P01',
      message: 'PAM authentication failed for user "spendsense_app" ({password})',
      dnsNames: [ENDPOINT],
    });
    caFolder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-iam-ca-'));
    caFile = path.join(caFolder, 'ca.pem');
    await writeFile(caFile, pam.caPem);
  });
  afterAll(async () => {
    await pam.close();
    await rm(caFolder, { recursive: true, force: true });
  });

  function check(options: {
    credentials?: {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      expiration?: Date;
    };
    awsTime?: Date;
    insecure?: boolean;
  }) {
    // The certificate is verified for the endpoint, as through a tunnel to RDS.
    return runCheck({
      url: `postgresql://spendsense_admin@${ENDPOINT}:5432/spendsense`,
      hostAddress: '127.0.0.1',
      port: pam.port,
      caFiles: options.insecure === true ? [] : [caFile],
      insecure: options.insecure === true,
      timeoutMillis: 5000,
      iam: {
        user: 'spendsense_app',
        credentials: options.credentials ?? TEST_CREDENTIALS,
        awsTime: async () => options.awsTime ?? new Date(),
      },
    });
  }

  test('36: refused with a right clock and live credentials: no rds-db:connect; region from the host', async () => {
    const { error, report } = await check({});

    expect(error?.exitCode).toBe(ExitCode.IamNotAuthorized);
    expect(error?.message).toBe(
      'The server refused the IAM token for spendsense_app (PAM authentication failed): the AWS identity that signed it may not rds-db:connect as spendsense_app on this database.',
    );
    expect(error?.hint).toContain('arn:aws:rds-db:eu-west-1:<account>:dbuser:');
    expect(error?.hint).toContain(`endpoint (${ENDPOINT}:5432)`);
    // Signed for the endpoint as RDS knows it, as spendsense_app, in the host's region.
    expect(pam.startups.at(-1)).toMatchObject({ user: 'spendsense_app' });
    expect(pam.passwords.at(-1)).toMatch(
      new RegExp(
        `^${ENDPOINT}:5432/\\?Action=connect&DBUser=spendsense_app&.*%2Feu-west-1%2Frds-db%2F`,
      ),
    );
    expect(JSON.stringify(report)).not.toContain(pam.passwords.at(-1));
    expect(JSON.stringify(report)).not.toContain(TEST_CREDENTIALS.sessionToken);
  });

  test('37: the credentials that signed it have expired', async () => {
    const { error } = await check({
      credentials: { ...TEST_CREDENTIALS, expiration: new Date(T0.getTime() - 60_000) },
    });
    expect(error?.exitCode).toBe(ExitCode.IamTokenExpired);
    expect(error?.message).toContain(`expired at ${new Date(T0.getTime() - 60_000).toISOString()}`);
  });

  test('--insecure: a token is never sent to a server whose certificate was not verified', async () => {
    const before = pam.passwords.length;
    const { error } = await check({ insecure: true });
    expect(error?.exitCode).toBe(ExitCode.PasswordRequestRefused);
    expect(pam.passwords).toHaveLength(before);
  });

  test('38: this machine’s clock is off AWS’s by more than five minutes', async () => {
    const { error } = await check({ awsTime: new Date(T0.getTime() - 9 * 60_000) });
    expect(error?.exitCode).toBe(ExitCode.IamClockSkew);
    expect(error?.message).toContain("this machine's clock is 9 minutes ahead of AWS's");
    expect(error?.hint).toContain('NTP');
  });
});
