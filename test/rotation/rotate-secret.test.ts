import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import {
  RotationConfigurationError,
  RotationStateError,
  SecretValueError,
  SecretsManagerCallError,
  rotateSecret,
  type RotationDependencies,
  type RotationStep,
} from '../../src/runtime/rotation/index.js';
import { PASSWORD_LENGTH } from '../../src/shared/names.js';
import { createLoginRole, setPassword } from './support/database.js';
import { awsError, FakeSecretsManager } from './support/fake-secrets-manager.js';
import {
  collectingLogger,
  connectionSecretJson,
  type DatabaseUser,
  parse,
  type SeededSecrets,
  secretsManagerClient,
  seedSecrets,
} from './support/secrets.js';

// These tests run the steps that leave the password alone (createSecret, finishSecret, the
// state checks) against the shared server, which holds what setSecret would have set
// (`pendingPassword`): finishSecret logs in to confirm it before promoting it.
const server = inject('postgres');
const address = { host: server.host, port: server.port, database: server.database };
const admin = { username: server.user, password: server.password };
let user: DatabaseUser;
let roleCount = 0;

let fake: FakeSecretsManager;
let secrets: SeededSecrets;
let logger: ReturnType<typeof collectingLogger>;
let dependencies: RotationDependencies;

beforeEach(async () => {
  user = await createLoginRole(server, admin, `rotate_unit_${process.pid}_${++roleCount}`);
  fake = new FakeSecretsManager();
  secrets = seedSecrets(fake, address, user);
  logger = collectingLogger();
  dependencies = {
    secretsManager: secretsManagerClient(),
    connectionSecretId: secrets.connectionArn,
    database: address,
    databaseAccess: { extraCertificateAuthorities: [server.caPem], connectionTimeoutMillis: 3000 },
    logger,
  };
});

afterEach(() => {
  fake.restore();
});

const step = (Step: RotationStep, token: string, SecretId = secrets.credentialsArn) =>
  rotateSecret({ SecretId, ClientRequestToken: token, Step }, dependencies);

/** The pending password, which the database now holds, as setSecret (not run here) would leave it. */
async function pendingPassword(token: string): Promise<string> {
  const value = parse(fake.value(secrets.credentialsArn, 'AWSPENDING'));
  expect(fake.versionId(secrets.credentialsArn, 'AWSPENDING')).toBe(token);
  await setPassword(server, admin, user.username, String(value.password));
  return String(value.password);
}

describe('the event and the secret state', () => {
  test.each([
    [
      {},
      'SecretId must be a non-empty string; ClientRequestToken must be a non-empty string; Step must be one of createSecret, setSecret, testSecret, finishSecret',
    ],
    [
      { SecretId: 'arn', ClientRequestToken: 't', Step: 'rotate' },
      'Step must be one of createSecret, setSecret, testSecret, finishSecret',
    ],
    [
      { SecretId: '', ClientRequestToken: 't', Step: 'setSecret' },
      'SecretId must be a non-empty string',
    ],
    [null, 'expected an object with SecretId, ClientRequestToken and Step'],
  ])('rejects the event %j, naming what is wrong', async (event, problem) => {
    const failure = rotateSecret(event, dependencies);
    await expect(failure).rejects.toBeInstanceOf(RotationConfigurationError);
    await expect(failure).rejects.toThrow(`Not a Secrets Manager rotation event: ${problem}.`);
    expect(fake.calls).toEqual([]);
  });

  test('refuses to act when rotation is disabled on the secret', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    fake.setRotationEnabled(secrets.credentialsArn, false);
    await expect(step('createSecret', token)).rejects.toThrow(
      new RotationStateError(`Rotation is not enabled on ${secrets.credentialsArn}.`),
    );
    expect(fake.versionCount(secrets.credentialsArn)).toBe(2);
    expect(fake.calls.filter((call) => call.operation === 'PutSecretValue')).toEqual([]);
  });

  test('refuses a token that is not a version of the secret', async () => {
    await expect(step('createSecret', 'f4a3c7f0-0000-4000-8000-000000000000')).rejects.toThrow(
      /has no staging label: it is not a rotation of this secret/,
    );
  });

  test('refuses a version that is neither pending nor current', async () => {
    const first = fake.versionId(secrets.credentialsArn) ?? '';
    fake.overwrite(
      secrets.credentialsArn,
      JSON.stringify({ ...user, password: 'Another0Password0Value0Abcdefgh1' }),
    );
    expect(fake.stagesOf(secrets.credentialsArn, first)).toEqual(['AWSPREVIOUS']);
    await expect(step('setSecret', first)).rejects.toThrow(
      `Version ${first} of ${secrets.credentialsArn} is not staged AWSPENDING (it has AWSPREVIOUS).`,
    );
  });

  test('does nothing for a step of a rotation that already finished', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await step('createSecret', token);
    const password = await pendingPassword(token);
    fake.overwrite(secrets.connectionArn, connectionSecretJson(address, { ...user, password }));
    await step('finishSecret', token);
    const calls = fake.calls.length;

    await step('createSecret', token);
    await step('setSecret', token);
    await step('testSecret', token);

    const later = fake.calls.slice(calls).map((call) => call.operation);
    expect(later).toEqual(['DescribeSecret', 'DescribeSecret', 'DescribeSecret']);
  });
});

describe('createSecret', () => {
  test('stores a generated password as the pending version, keeping the other fields', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await step('createSecret', token);

    const pending = parse(fake.value(secrets.credentialsArn, 'AWSPENDING'));
    expect(pending).toEqual({
      username: user.username,
      password: expect.stringMatching(new RegExp(`^[A-Za-z0-9]{${PASSWORD_LENGTH}}$`)),
      engine: 'postgres',
      host: address.host,
      port: address.port,
      dbInstanceIdentifier: 'spendsense-test',
    });
    expect(pending.password).not.toBe(user.password);
    expect(fake.stagesOf(secrets.credentialsArn, token)).toEqual(['AWSPENDING']);
    expect(parse(fake.value(secrets.credentialsArn)).password).toBe(user.password);
    expect(parse(fake.value(secrets.connectionArn)).password).toBe(user.password);
  });

  test('generates the password itself: Secrets Manager is only read and written', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await step('createSecret', token);

    const sent = fake.mock.calls().map((call) => call.args[0].constructor.name);
    expect(new Set(sent)).toEqual(
      new Set(['DescribeSecretCommand', 'GetSecretValueCommand', 'PutSecretValueCommand']),
    );
  });

  test('takes the length it is given', async () => {
    dependencies = { ...dependencies, passwordLength: 48 };
    const token = fake.startRotation(secrets.credentialsArn);
    await step('createSecret', token);

    expect(await pendingPassword(token)).toMatch(/^[A-Za-z0-9]{48}$/);
  });

  test('gives every rotation a different password', async () => {
    const passwords = new Set<string>([user.password]);
    for (let rotation = 0; rotation < 3; rotation += 1) {
      const token = fake.startRotation(secrets.credentialsArn);
      await step('createSecret', token);
      passwords.add(await pendingPassword(token));
      await step('finishSecret', token);
    }
    expect(passwords.size).toBe(4);
  });

  test('run again, keeps the pending password instead of generating another', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await step('createSecret', token);
    const first = fake.value(secrets.credentialsArn, 'AWSPENDING');
    const versions = fake.versionCount(secrets.credentialsArn);
    const writes = () => fake.calls.filter((call) => call.operation === 'PutSecretValue');
    const written = writes().length;

    await step('createSecret', token);

    expect(fake.value(secrets.credentialsArn, 'AWSPENDING')).toBe(first);
    expect(fake.versionCount(secrets.credentialsArn)).toBe(versions);
    expect(writes()).toHaveLength(written);
  });

  test('fails before generating anything when the connection secret is for another user', async () => {
    fake.overwrite(
      secrets.connectionArn,
      connectionSecretJson(address, { username: 'someone_else', password: 'x'.repeat(32) }),
    );
    const token = fake.startRotation(secrets.credentialsArn);
    await expect(step('createSecret', token)).rejects.toThrow(
      new RotationStateError(
        `The connection secret ${secrets.connectionArn} is for user someone_else, but ${secrets.credentialsArn} rotates ${user.username}: giving it the new password would break it.`,
      ),
    );
    expect(fake.calls.filter((call) => call.operation === 'PutSecretValue')).toEqual([]);
    expect(fake.versionCount(secrets.credentialsArn)).toBe(2);
  });

  test('names the missing fields of a malformed connection secret, never its values', async () => {
    fake.overwrite(
      secrets.connectionArn,
      JSON.stringify({ url: 'postgresql://u:SecretValue123@h/db', password: 'SecretValue123' }),
    );
    const token = fake.startRotation(secrets.credentialsArn);
    const error: unknown = await step('createSecret', token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretValueError);
    expect((error as SecretValueError).message).toMatch(
      /^AWSCURRENT of arn:.* is not a connection secret: engine: invalid value; host: invalid type;/,
    );
    expect(inspect(error)).not.toContain('SecretValue123');
    expect(logger.lines.join('\n')).not.toContain('SecretValue123');
  });

  test('reports an unreadable secret with the operation and the AWS error', async () => {
    fake.failNext('GetSecretValue', secrets.credentialsArn, () =>
      awsError(
        'AccessDeniedException',
        'User is not authorized to perform: secretsmanager:GetSecretValue',
      ),
    );
    const token = fake.startRotation(secrets.credentialsArn);
    const failure = step('createSecret', token);
    await expect(failure).rejects.toBeInstanceOf(SecretsManagerCallError);
    await expect(failure).rejects.toMatchObject({
      operation: 'GetSecretValue',
      code: 'AccessDeniedException',
    });
  });
});

describe('finishSecret', () => {
  async function preparedRotation(): Promise<{
    token: string;
    password: string;
    oldVersion: string;
  }> {
    const oldVersion = fake.versionId(secrets.credentialsArn) ?? '';
    const token = fake.startRotation(secrets.credentialsArn);
    await step('createSecret', token);
    return { token, password: await pendingPassword(token), oldVersion };
  }

  test('writes the connection secret, then makes the pending version current', async () => {
    const { token, password, oldVersion } = await preparedRotation();
    const from = fake.calls.length;

    await step('finishSecret', token);

    const writes = fake.calls
      .slice(from)
      .filter(
        (call) =>
          call.operation === 'PutSecretValue' || call.operation === 'UpdateSecretVersionStage',
      );
    expect(writes).toEqual([
      { operation: 'PutSecretValue', secretId: secrets.connectionArn },
      { operation: 'UpdateSecretVersionStage', secretId: secrets.credentialsArn },
    ]);
    expect(fake.stagesOf(secrets.credentialsArn, token)).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(fake.stagesOf(secrets.credentialsArn, oldVersion)).toEqual(['AWSPREVIOUS']);
    expect(parse(fake.value(secrets.credentialsArn)).password).toBe(password);
    expect(parse(fake.value(secrets.connectionArn))).toEqual(
      parse(connectionSecretJson(address, { ...user, password })),
    );
  });

  test('keeps the fields and URL options it does not own', async () => {
    const custom = parse(connectionSecretJson(address, user));
    fake.overwrite(
      secrets.connectionArn,
      JSON.stringify({
        ...custom,
        url: `${String(custom.url)}?application_name=spendsense`,
        proxyHost: 'proxy.example',
      }),
    );
    const { token, password } = await preparedRotation();

    await step('finishSecret', token);

    const written = parse(fake.value(secrets.connectionArn));
    expect(Object.keys(written)).toEqual([
      'url',
      'engine',
      'host',
      'port',
      'dbname',
      'username',
      'password',
      'proxyHost',
    ]);
    expect(written.url).toBe(
      `postgresql://${user.username}:${password}@${server.host}:${server.port}/spendsense?application_name=spendsense`,
    );
    expect(written.proxyHost).toBe('proxy.example');
  });

  test('run again, changes nothing', async () => {
    const { token } = await preparedRotation();
    await step('finishSecret', token);
    const connectionVersions = fake.versionCount(secrets.connectionArn);
    const current = fake.versionId(secrets.credentialsArn);

    await step('finishSecret', token);

    expect(fake.versionCount(secrets.connectionArn)).toBe(connectionVersions);
    expect(fake.versionId(secrets.credentialsArn)).toBe(current);
  });

  test('when moving the label fails, the connection secret already holds the new password and a retry finishes', async () => {
    const { token, password } = await preparedRotation();
    fake.failNext('UpdateSecretVersionStage', secrets.credentialsArn, () =>
      awsError(
        'AccessDeniedException',
        'User is not authorized to perform: secretsmanager:UpdateSecretVersionStage',
      ),
    );

    await expect(step('finishSecret', token)).rejects.toMatchObject({
      name: 'SecretsManagerCallError',
      operation: 'UpdateSecretVersionStage',
      code: 'AccessDeniedException',
    });
    expect(parse(fake.value(secrets.connectionArn)).password).toBe(password);
    expect(parse(fake.value(secrets.credentialsArn)).password).toBe(user.password);

    await step('finishSecret', token);
    expect(parse(fake.value(secrets.credentialsArn)).password).toBe(password);
  });

  test('a repeated finish repairs a connection secret that fell behind', async () => {
    const { token, password } = await preparedRotation();
    await step('finishSecret', token);
    fake.overwrite(secrets.connectionArn, connectionSecretJson(address, user));

    await step('finishSecret', token);

    expect(parse(fake.value(secrets.connectionArn)).password).toBe(password);
  });

  test('logs each step without any password', async () => {
    const { token, password } = await preparedRotation();
    await step('finishSecret', token);

    const lines = logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'Step done',
        step: 'finishSecret',
        clientRequestToken: token,
      }),
    );
    const text = logger.lines.join('\n');
    expect(text).not.toContain(password);
    expect(text).not.toContain(user.password);
  });
});
