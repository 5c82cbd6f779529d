import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createDatabase,
  type DatabaseOptions,
  DatabaseConfigurationError,
  databaseOptionsFromEnvironment,
  EXTRA_CA_FILE_ENV,
} from '../../src/runtime/index.js';
import { CONNECTION_SECRET_ENV, DatabaseEnvironment as Env } from '../../src/shared/names.js';

let folder: string;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PASSWORD = 'Lq3Zr8Wm2Xv7Tn4Kp9Jd6Hs1Gf5Ca0Be';

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-options-'));
  await writeFile(path.join(folder, 'ca.pem'), PEM);
  await writeFile(path.join(folder, 'not-a-ca.txt'), 'hello');
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const HOST = 'spendsense-dev.c9akciq32xyz.us-east-1.rds.amazonaws.com';

describe('databaseOptionsFromEnvironment: the application descriptor (IAM)', () => {
  test('the host alone: IAM authentication as spendsense_app on spendsense:5432', () => {
    expect(databaseOptionsFromEnvironment({ [Env.Host]: HOST })).toEqual({
      iam: { host: HOST, port: 5432, database: 'spendsense', user: 'spendsense_app' },
    });
  });

  test('every field, as the stack publishes them', () => {
    const options = databaseOptionsFromEnvironment({
      [Env.Host]: 'spendsense-prod-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com',
      [Env.Port]: '6432',
      [Env.Name]: 'other',
      [Env.User]: 'reporting',
      [Env.AuthMethod]: 'iam',
      [EXTRA_CA_FILE_ENV]: path.join(folder, 'ca.pem'),
    });
    expect(options).toEqual({
      iam: {
        host: 'spendsense-prod-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com',
        port: 6432,
        database: 'other',
        user: 'reporting',
      },
      extraCertificateAuthorities: [PEM],
    });
  });

  test.each<[string, Record<string, string>, string]>([
    ['no host', {}, `${Env.Host} is not set; it must name the database host`],
    [
      'a bad port',
      { [Env.Host]: HOST, [Env.Port]: '99999' },
      `${Env.Port} must be a port number from 1 to 65535. Got "99999".`,
    ],
    [
      'a password method',
      { [Env.Host]: HOST, [Env.AuthMethod]: 'password' },
      `${Env.AuthMethod} must be iam`,
    ],
  ])('%s is refused, naming the variable', (_case, env, message) => {
    const read = () => databaseOptionsFromEnvironment(env);
    expect(read).toThrow(DatabaseConfigurationError);
    expect(read).toThrow(message);
  });

  test('the old connection-secret variable is refused with what to set instead', () => {
    const read = () =>
      databaseOptionsFromEnvironment({
        [CONNECTION_SECRET_ENV]: 'spendsense/dev/database/connection',
      });
    expect(read).toThrow(
      `${CONNECTION_SECRET_ENV} is set, but SpendSense functions no longer read the connection secret`,
    );
    expect(read).toThrow(`Set ${Env.Host}`);
  });
});

describe('databaseOptionsFromEnvironment: a URL (the local database)', () => {
  test('a password login with the CA the URL names', () => {
    const url = `postgresql://spendsense_app:${PASSWORD}@localhost:5433/spendsense?sslmode=verify-full&sslrootcert=${path.join(folder, 'ca.pem')}`;
    expect(databaseOptionsFromEnvironment({ [Env.Url]: url })).toEqual({
      connection: {
        host: 'localhost',
        port: 5433,
        database: 'spendsense',
        user: 'spendsense_app',
        password: PASSWORD,
      },
      extraCertificateAuthorities: [PEM],
    });
  });

  test.each([
    ['not a URL', PASSWORD, 'is not a postgresql:// URL'],
    ['no password', 'postgresql://spendsense_app@localhost:5433/spendsense', 'has no password'],
    [
      'no database',
      `postgresql://spendsense_app:${PASSWORD}@localhost:5433`,
      'has no database name',
    ],
    [
      'TLS off',
      `postgresql://spendsense_app:${PASSWORD}@localhost:5433/spendsense?sslmode=disable`,
      'asks for sslmode=disable, but connections are always TLS',
    ],
  ])('%s is refused, naming the part, never quoting the password', (_case, url, message) => {
    let error: unknown;
    try {
      databaseOptionsFromEnvironment({ [Env.Url]: url });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatabaseConfigurationError);
    expect((error as Error).message).toContain(`${Env.Url} ${message}`);
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  test('a URL and a host together are refused', () => {
    expect(() =>
      databaseOptionsFromEnvironment({
        [Env.Url]: `postgresql://a:${PASSWORD}@localhost/spendsense`,
        [Env.Host]: HOST,
      }),
    ).toThrow(`Set ${Env.Url} (a password login, for the local database) or ${Env.Host}`);
  });

  test('an unreadable or non-PEM CA file is refused, naming the variable and the path', () => {
    const missing = path.join(folder, 'missing.pem');
    expect(() =>
      databaseOptionsFromEnvironment({ [Env.Host]: HOST, [EXTRA_CA_FILE_ENV]: missing }),
    ).toThrow(
      `The CA file ${missing} (${EXTRA_CA_FILE_ENV} or sslrootcert) cannot be read: ENOENT.`,
    );
    const text = path.join(folder, 'not-a-ca.txt');
    expect(() =>
      databaseOptionsFromEnvironment({ [Env.Host]: HOST, [EXTRA_CA_FILE_ENV]: text }),
    ).toThrow(/holds no PEM certificate/);
  });

  test('explicit overrides win over the environment', () => {
    const options = databaseOptionsFromEnvironment(
      { [Env.Host]: HOST },
      { connectionTimeoutMillis: 500 },
    );
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

  test.each([
    ['none', {}, 'Got none.'],
    [
      'two',
      {
        secretSource,
        iam: { host: HOST, port: 5432, database: 'spendsense', user: 'a', region: 'us-east-1' },
      },
      'Got `iam` and `secretSource`.',
    ],
  ])(
    '%s of the ways to log in is refused (the types exclude it too)',
    (_case, options, message) => {
      const create = () => createDatabase(options as unknown as DatabaseOptions);
      expect(create).toThrow(DatabaseConfigurationError);
      expect(create).toThrow(
        `Give exactly one of \`iam\`, \`connection\` and \`secretSource\`. ${message}`,
      );
    },
  );

  test('the types refuse two ways at once, as the constructor does', () => {
    const both = {
      secretSource,
      iam: { host: HOST, port: 5432, database: 'spendsense', user: 'a', region: 'us-east-1' },
    };
    // @ts-expect-error `iam` and `secretSource` exclude each other in DatabaseOptions.
    const options: DatabaseOptions = both;
    expect(() => createDatabase(options)).toThrow(DatabaseConfigurationError);
  });

  test('IAM without a region names where to set it', () => {
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      expect(() =>
        createDatabase({ iam: { host: HOST, port: 5432, database: 'spendsense', user: 'a' } }),
      ).toThrow(
        'IAM authentication needs the region of the database: set `iam.region`, or AWS_REGION',
      );
    } finally {
      process.env.AWS_REGION = saved;
    }
  });
});
