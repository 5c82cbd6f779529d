import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { handler } from '../../src/lambda/rotation/handler.js';
import {
  RotationConfigurationError,
  rotationSettingsFromEnvironment,
} from '../../src/runtime/rotation/index.js';
import { RotationEnvironment } from '../../src/shared/names.js';
import { FakeSecretsManager } from './support/fake-secrets-manager.js';
import { parse, seedSecrets } from './support/secrets.js';

const address = { host: 'db.example.internal', port: 5432, database: 'spendsense' };
const user = { username: 'spendsense_admin', password: 'Handler0Test0Password0Abcdefgh12' };

function environment(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    [RotationEnvironment.ConnectionSecretId]:
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:c-AbCdEf',
    [RotationEnvironment.DatabaseHost]: address.host,
    [RotationEnvironment.DatabasePort]: '5432',
    [RotationEnvironment.DatabaseName]: address.database,
    ...overrides,
  };
}

describe('rotationSettingsFromEnvironment', () => {
  test('reads the connection secret and the instance endpoint', () => {
    expect(rotationSettingsFromEnvironment(environment())).toEqual({
      connectionSecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:c-AbCdEf',
      database: address,
    });
  });

  test.each([
    [
      RotationEnvironment.DatabasePort,
      'abc',
      `${RotationEnvironment.DatabasePort} must be a port number from 1 to 65535; got "abc"`,
    ],
    [
      RotationEnvironment.DatabasePort,
      '70000',
      `${RotationEnvironment.DatabasePort} must be a port number from 1 to 65535; got "70000"`,
    ],
    [
      RotationEnvironment.ConnectionSecretId,
      undefined,
      `${RotationEnvironment.ConnectionSecretId} must be the ARN of the connection secret; it is not set`,
    ],
    [
      RotationEnvironment.DatabaseHost,
      ' ',
      `${RotationEnvironment.DatabaseHost} must be the instance's endpoint address; got " "`,
    ],
  ])('names %s when it is %j', (name, value, message) => {
    expect(() => rotationSettingsFromEnvironment(environment({ [name]: value }))).toThrow(
      new RotationConfigurationError(`The rotation function is misconfigured: ${message}.`),
    );
  });
});

describe('the Lambda handler', () => {
  let fake: FakeSecretsManager;
  const saved = { ...process.env };

  beforeEach(() => {
    fake = new FakeSecretsManager();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    fake.restore();
    vi.restoreAllMocks();
    process.env = { ...saved };
  });

  test('fails every step at once when its environment is incomplete', async () => {
    for (const name of Object.values(RotationEnvironment)) delete process.env[name];
    await expect(
      handler({ SecretId: 'x', ClientRequestToken: 't', Step: 'createSecret' }),
    ).rejects.toThrow(RotationConfigurationError);
    expect(fake.calls).toEqual([]);
  });

  test('runs the step Secrets Manager asks for, logging JSON lines without the password', async () => {
    const secrets = seedSecrets(fake, address, user);
    Object.assign(
      process.env,
      environment({ [RotationEnvironment.ConnectionSecretId]: secrets.connectionArn }),
    );
    const token = fake.startRotation(secrets.credentialsArn);

    await handler({
      SecretId: secrets.credentialsArn,
      ClientRequestToken: token,
      Step: 'createSecret',
    });

    const pending = parse(fake.value(secrets.credentialsArn, 'AWSPENDING'));
    expect(pending.username).toBe(user.username);
    const lines = vi
      .mocked(console.log)
      .mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        logger: 'spendsense-rotation',
        message: 'Step done',
        step: 'createSecret',
      }),
    );
    const output = JSON.stringify([
      vi.mocked(console.log).mock.calls,
      vi.mocked(console.error).mock.calls,
    ]);
    expect(output).not.toContain(String(pending.password));
    expect(output).not.toContain(user.password);
  });
});
