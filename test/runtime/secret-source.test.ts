import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  createDatabase,
  SecretMalformedError,
  ScrubbedError,
  SecretUnavailableError,
} from '../../src/runtime/index.js';
import { secretsManagerSource } from '../../src/runtime/secret-source.js';
import { expectNoSecretIn } from './secret-leaks.js';

const secretsManager = mockClient(SecretsManagerClient);

const SECRET_NAME = 'spendsense/dev/database/connection';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_NAME}-AbCdEf`;
const PASSWORD = 'Zx81Qp0rTu7Vw2AbCd3Ef4Gh5Ij6Kl7M';

function secretJson(password = PASSWORD): string {
  return JSON.stringify({
    url: `postgresql://spendsense_admin:${password}@db.example.internal:5432/spendsense`,
    engine: 'postgres',
    host: 'db.example.internal',
    port: 5432,
    dbname: 'spendsense',
    username: 'spendsense_admin',
    password,
  });
}

/** A GetSecretValue response as the real API returns it. */
function secretValue(
  secretString: string | undefined,
  versionId = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
) {
  return {
    ARN: SECRET_ARN,
    Name: SECRET_NAME,
    VersionId: versionId,
    ...(secretString !== undefined && { SecretString: secretString }),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2025-11-03T10:00:00Z'),
    $metadata: {
      httpStatusCode: 200,
      requestId: 'f3c2a1b0-0000-4000-8000-000000000001',
      attempts: 1,
    },
  };
}

const accessDenied = () =>
  new SecretsManagerServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'f3c2a1b0-0000-4000-8000-000000000002' },
    message: `User: arn:aws:sts::123456789012:assumed-role/probe/fn is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_NAME} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
  });

const notFound = () =>
  new ResourceNotFoundException({
    $metadata: { httpStatusCode: 400, requestId: 'f3c2a1b0-0000-4000-8000-000000000003' },
    message: "Secrets Manager can't find the specified secret.",
  });

beforeEach(() => {
  secretsManager.reset();
});

afterEach(() => {
  secretsManager.reset();
});

describe('secretsManagerSource', () => {
  test('returns the parsed JSON of SecretString, asking for the named secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(secretJson()));
    const source = secretsManagerSource(SECRET_NAME);

    const value = await source({ forceFetch: false });

    expect(value).toMatchObject({ host: 'db.example.internal', port: 5432, password: PASSWORD });
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_NAME,
    });
  });

  test('serves repeated reads from its cache within the maximum age', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(secretJson()));
    const source = secretsManagerSource(SECRET_NAME, { maxAgeSeconds: 300 });

    const first = await source({ forceFetch: false });
    const second = await source({ forceFetch: false });

    expect(second).toBe(first);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('reads every time when the maximum age is 0', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(secretJson()));
    const source = secretsManagerSource(SECRET_NAME, { maxAgeSeconds: 0 });

    await source({ forceFetch: false });
    await source({ forceFetch: false });

    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('forceFetch bypasses the cache and refreshes it with the new value', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce(secretValue(secretJson('OldPassword0000000000000000000001')))
      .resolves(secretValue(secretJson('NewPassword0000000000000000000002'), 'version-2'));
    const source = secretsManagerSource(SECRET_NAME);

    await source({ forceFetch: false });
    const forced = await source({ forceFetch: true });
    const cached = await source({ forceFetch: false });

    expect(forced).toMatchObject({ password: 'NewPassword0000000000000000000002' });
    expect(cached).toBe(forced);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('a missing secret is SecretUnavailableError "not-found", a scrubbed copy of the SDK error as cause', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(notFound());
    const source = secretsManagerSource(SECRET_NAME);

    const error = await source({ forceFetch: false }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error).toMatchObject({ name: 'SecretUnavailableError', reason: 'not-found' });
    expect((error as Error).message).toContain(SECRET_NAME);
    expect((error as Error).message).toContain('names an existing secret');
    // Never the SDK's own error object, with whatever its response carried.
    expect((error as Error).cause).not.toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).cause).toBeInstanceOf(ScrubbedError);
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('access denied is SecretUnavailableError "access-denied" with the permissions to grant', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(accessDenied());
    const source = secretsManagerSource(SECRET_NAME);

    const error = await source({ forceFetch: false }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SecretUnavailableError', reason: 'access-denied' });
    expect((error as Error).message).toContain('secretsmanager:GetSecretValue');
    expect((error as Error).message).toContain('kms:Decrypt');
  });

  test('JSON that does not parse is SecretMalformedError without any of the text', async () => {
    // The JSON parser quotes the start of its input in its message: here, the password.
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(`${PASSWORD} is not json`));
    const source = secretsManagerSource(SECRET_NAME);

    const error = await source({ forceFetch: false }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretMalformedError);
    expect((error as Error).message).toBe(
      `The connection secret ${SECRET_NAME} is not valid JSON.`,
    );
    expectNoSecretIn(error, [PASSWORD]);
  });

  test('a secret with no value at all is SecretMalformedError', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue(undefined));
    const source = secretsManagerSource(SECRET_NAME);

    await expect(source({ forceFetch: false })).rejects.toThrow(SecretMalformedError);
  });
});

describe('the database reading its secret from Secrets Manager', () => {
  test('a secret of the wrong shape names the bad fields, never the password', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(
      secretValue(
        JSON.stringify({
          engine: 'mysql',
          host: '',
          port: 'x',
          username: 'u',
          password: PASSWORD,
        }),
      ),
    );
    const database = createDatabase({ secretSource: secretsManagerSource(SECRET_NAME) });

    const error = await database.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretMalformedError);
    const message = (error as Error).message;
    for (const field of ['url', 'engine', 'host', 'port', 'dbname']) {
      expect(message).toContain(field);
    }
    expect(message).not.toContain('password:');
    expectNoSecretIn(error, [PASSWORD]);
    await database.end();
  });

  test('a missing secret surfaces as SecretUnavailableError from query()', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(notFound());
    const database = createDatabase({ secretSource: secretsManagerSource(SECRET_NAME) });

    await expect(database.query('select 1')).rejects.toMatchObject({
      name: 'SecretUnavailableError',
      reason: 'not-found',
    });
    await database.end();
  });

  test('a foreign error thrown by a custom source is wrapped, a scrubbed copy as cause', async () => {
    const cause = new Error('socket hang up');
    const database = createDatabase({
      secretSource: () => Promise.reject(cause),
    });

    const error = await database.query('select 1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SecretUnavailableError', reason: 'unavailable' });
    expect((error as Error).cause).not.toBe(cause);
    expect((error as Error).cause).toMatchObject({ name: 'Error', message: 'socket hang up' });
    await database.end();
  });
});
