import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
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
import type { CheckReport } from '../../src/cli/check/report.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import { runCli } from '../support/run-cli.js';

const shared = inject('postgres');
const SECRET_ID = 'spendsense/dev/database/connection';
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_ID}-AbCdEf`;

const secretsManager = mockClient(SecretsManagerClient);

/** A GetSecretValue response shaped like the real API's. */
function secretValue(secretString: string | undefined): object {
  return {
    ARN,
    Name: SECRET_ID,
    VersionId: '5d2f4a6e-1b3c-4d5e-8f90-a1b2c3d4e5f6',
    ...(secretString !== undefined && { SecretString: secretString }),
    ...(secretString === undefined && { SecretBinary: new Uint8Array([1, 2, 3]) }),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2026-01-01T00:00:00Z'),
    $metadata: { httpStatusCode: 200 },
  };
}

const connectionSecret = (): string =>
  JSON.stringify({
    url: `postgresql://${shared.user}:${shared.password}@${shared.host}:${shared.port}/${shared.database}`,
    engine: 'postgres',
    host: shared.host,
    port: shared.port,
    dbname: shared.database,
    username: shared.user,
    password: shared.password,
  });

async function checkSecret(
  ...extra: string[]
): Promise<{ exitCode: number; report: CheckReport; stdout: string; stderr: string }> {
  const run = await runCli([
    'check',
    '--secret-id',
    SECRET_ID,
    '--ca',
    shared.caPath,
    '--json',
    ...extra,
  ]);
  return { ...run, report: JSON.parse(run.stdout) as CheckReport };
}

beforeEach(() => {
  clearConnectionVariables();
  secretsManager.reset();
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => secretsManager.restore());

describe('check --secret-id', () => {
  test('the connection secret: reads it once and checks the database it names', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ID })
      .resolves(secretValue(connectionSecret()));
    const { exitCode, report, stdout, stderr } = await checkSecret();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.source).toBe(`secret ${SECRET_ID}`);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(stdout + stderr).not.toContain(shared.password);
  });

  test('the RDS credentials secret (username, password, host, port, no dbname)', async () => {
    const credentials = JSON.stringify({
      username: shared.user,
      password: shared.password,
      engine: 'postgres',
      host: shared.host,
      port: shared.port,
      dbInstanceIdentifier: 'spendsense-dev',
    });
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(credentials));
    const { exitCode, report, stdout, stderr } = await checkSecret();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.server.database).toBe('spendsense');
    expect(stdout + stderr).not.toContain(shared.password);
  });

  test('a secret holding only a url', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves(secretValue(JSON.stringify({ url: shared.url })));
    const { exitCode, stdout, stderr } = await checkSecret();
    expect(exitCode).toBe(ExitCode.Ok);
    expect(stdout + stderr).not.toContain(shared.password);
  });

  const leakyText = `not json, password=${'Leaky'}Secret9Value`;
  test.each([
    {
      name: 'not found',
      error: () =>
        new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: { httpStatusCode: 400 },
        }),
      exitCode: ExitCode.SecretNotFound,
      diagnosis: `Secret ${SECRET_ID} was not found.`,
    },
    {
      name: 'access denied',
      error: () =>
        new SecretsManagerServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: `User: arn:aws:iam::123456789012:user/dev is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_ID}`,
        }),
      exitCode: ExitCode.SecretAccessDenied,
      diagnosis: `Access to secret ${SECRET_ID} was denied (AccessDeniedException).`,
    },
    {
      name: 'KMS decryption denied',
      error: () =>
        new SecretsManagerServiceException({
          name: 'DecryptionFailure',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message:
            'Secrets Manager can’t decrypt the protected secret text using the provided KMS key.',
        }),
      exitCode: ExitCode.SecretAccessDenied,
      diagnosis: `Access to secret ${SECRET_ID} was denied (DecryptionFailure).`,
    },
  ])('$name: exit $exitCode', async ({ error, exitCode, diagnosis }) => {
    secretsManager.on(GetSecretValueCommand).rejects(error());
    const run = await checkSecret();
    expect(run.exitCode).toBe(exitCode);
    expect(run.stderr).toContain(`error: ${diagnosis}`);
    expect(run.stderr).toMatch(/^hint: {2}\S/m);
    expect(run.report.stages[0]).toMatchObject({ stage: 'config', status: 'failed' });
  });

  test.each([
    { name: 'malformed JSON', value: leakyText, reason: 'its value is not valid JSON' },
    { name: 'no SecretString (binary secret)', value: undefined, reason: 'it has no SecretString' },
    {
      name: 'JSON of the wrong shape',
      value: JSON.stringify({ username: 'spendsense_admin', password: 'LeakySecret9Value' }),
      reason:
        'it is neither a connection secret (url or components) nor an RDS credentials secret: host: invalid type; port: invalid type',
    },
  ])('$name: SecretMalformed (12), no value quoted', async ({ value, reason }) => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(value));
    const run = await checkSecret();
    expect(run.exitCode).toBe(ExitCode.SecretMalformed);
    expect(run.stderr).toContain(`error: Secret ${SECRET_ID} is malformed: ${reason}`);
    expect(run.stdout + run.stderr).not.toContain('LeakySecret9Value');
  });
});

describe('check --secret-id without AWS credentials', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-aws-'));
    await writeFile(path.join(folder, 'empty'), '');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('the real SDK credential chain finds nothing: AwsCredentialsMissing (13)', async () => {
    secretsManager.restore();
    try {
      for (const name of [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_PROFILE',
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
        'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        'AWS_WEB_IDENTITY_TOKEN_FILE',
      ]) {
        vi.stubEnv(name, '');
        delete process.env[name];
      }
      vi.stubEnv('AWS_CONFIG_FILE', path.join(folder, 'empty'));
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(folder, 'empty'));
      const run = await checkSecret();
      expect(run.exitCode).toBe(ExitCode.AwsCredentialsMissing);
      expect(run.stderr).toContain(
        `error: No valid AWS credentials to read secret ${SECRET_ID} (CredentialsProviderError).`,
      );
      expect(run.stderr).toContain('aws sso login');
    } finally {
      mockClient(SecretsManagerClient);
    }
  });
});
