import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createDatabase,
  DatabaseConfigurationError,
  databaseOptionsFromEnvironment,
  EXTRA_CA_FILE_ENV,
  SECRET_MAX_AGE_ENV,
} from '../../src/runtime/index.js';
import { CONNECTION_SECRET_ENV } from '../../src/shared/names.js';

let folder: string;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-options-'));
  await writeFile(path.join(folder, 'ca.pem'), PEM);
  await writeFile(path.join(folder, 'not-a-ca.txt'), 'hello');
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('databaseOptionsFromEnvironment', () => {
  test('builds a Secrets Manager source from the secret named in the environment', () => {
    const options = databaseOptionsFromEnvironment({
      [CONNECTION_SECRET_ENV]: 'spendsense/dev/database/connection',
    });
    expect(typeof options.secretSource).toBe('function');
    expect(options.extraCertificateAuthorities).toBeUndefined();
  });

  test('without the secret variable it names the variable and what it must hold', () => {
    expect(() => databaseOptionsFromEnvironment({})).toThrow(DatabaseConfigurationError);
    expect(() => databaseOptionsFromEnvironment({})).toThrow(
      `${CONNECTION_SECRET_ENV} is not set; it must name the connection secret (name or ARN).`,
    );
  });

  test.each(['-1', 'soon', '1.5', '100000'])(
    '%s as cache age is refused with the value shown',
    (value) => {
      const read = () =>
        databaseOptionsFromEnvironment({
          [CONNECTION_SECRET_ENV]: 's',
          [SECRET_MAX_AGE_ENV]: value,
        });
      expect(read).toThrow(DatabaseConfigurationError);
      expect(read).toThrow(
        `${SECRET_MAX_AGE_ENV} must be a whole number of seconds from 0 to 86400. Got "${value}".`,
      );
    },
  );

  test('reads the extra CA file', () => {
    const options = databaseOptionsFromEnvironment({
      [CONNECTION_SECRET_ENV]: 's',
      [EXTRA_CA_FILE_ENV]: path.join(folder, 'ca.pem'),
    });
    expect(options.extraCertificateAuthorities).toEqual([PEM]);
  });

  test('an unreadable or non-PEM CA file is refused, naming the variable and the path', () => {
    const missing = path.join(folder, 'missing.pem');
    expect(() =>
      databaseOptionsFromEnvironment({
        [CONNECTION_SECRET_ENV]: 's',
        [EXTRA_CA_FILE_ENV]: missing,
      }),
    ).toThrow(`${EXTRA_CA_FILE_ENV} points to ${missing}, which cannot be read: ENOENT.`);
    const text = path.join(folder, 'not-a-ca.txt');
    expect(() =>
      databaseOptionsFromEnvironment({ [CONNECTION_SECRET_ENV]: 's', [EXTRA_CA_FILE_ENV]: text }),
    ).toThrow(/holds no PEM certificate/);
  });

  test('explicit overrides win over the environment', () => {
    const secretSource = async () => ({});
    const options = databaseOptionsFromEnvironment(
      { [CONNECTION_SECRET_ENV]: 's' },
      { secretSource, connectionTimeoutMillis: 500 },
    );
    expect(options.secretSource).toBe(secretSource);
    expect(options.connectionTimeoutMillis).toBe(500);
  });
});

describe('createDatabase options', () => {
  const secretSource = async () => ({});

  test.each([
    [{ maxConnectAttempts: 0 }, 'maxConnectAttempts', '0'],
    [{ connectionTimeoutMillis: -5 }, 'connectionTimeoutMillis', '-5'],
    [{ queryTimeoutMillis: 1.5 }, 'queryTimeoutMillis', '1.5'],
  ])('%o is refused, naming the option and the value', (bad, name, shown) => {
    const create = () => createDatabase({ secretSource, ...bad });
    expect(create).toThrow(DatabaseConfigurationError);
    expect(create).toThrow(`\`${name}\``);
    expect(create).toThrow(`Got ${shown}.`);
  });
});
