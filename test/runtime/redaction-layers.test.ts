import { afterEach, describe, expect, inject, test } from 'vitest';
import {
  createDatabase,
  type Database,
  DatabaseAuthenticationError,
  DatabaseConnectionError,
  ScrubbedError,
  SecretUnavailableError,
} from '../../src/runtime/index.js';
import { MASK, redactSigningParameters, scrub } from '../../src/runtime/redact.js';
import { scrubbedCause } from '../../src/runtime/scrubbed-cause.js';
import { rotateSecret } from '../../src/runtime/rotation/index.js';
import { redactingLogger } from '../../src/runtime/rotation/logger.js';
import { awsError, FakeSecretsManager } from '../rotation/support/fake-secrets-manager.js';
import {
  collectingLogger,
  parse,
  secretsManagerClient,
  seedSecrets,
} from '../rotation/support/secrets.js';
import { TEST_CREDENTIALS } from '../support/iam-tokens.js';
import { passwordEchoServer, type PasswordEchoServer } from '../support/password-echo-server.js';
import { errorRenderings, expectNoSecretIn } from './secret-leaks.js';

/** A password with characters URL-encoding changes, so the two forms differ. */
const SECRET = 'Pa$s w/rd:Secret@123';
const ENCODED = encodeURIComponent(SECRET);
const server = inject('postgres');

describe('scrub: every foreign text kept goes through it', () => {
  test.each([
    ['raw', `failed for ${SECRET} here`],
    ['URL-encoded', `failed for ${ENCODED} here`],
    ['inside a URL', `connect postgresql://u:${ENCODED}@db.example:5432/spendsense failed`],
  ])('masks a known secret %s', (_form, text) => {
    const scrubbed = scrub(text, [SECRET]);
    expect(scrubbed).not.toContain(SECRET);
    expect(scrubbed).not.toContain(ENCODED);
    expect(scrubbed).toContain(MASK);
  });

  test('masks the signature, session token and credential scope of a token it never saw', () => {
    const token = `db.example:5432/?Action=connect&DBUser=spendsense_app&X-Amz-Credential=${TEST_CREDENTIALS.accessKeyId}%2F20261203%2Fus-east-1%2Frds-db%2Faws4_request&X-Amz-Security-Token=${encodeURIComponent(TEST_CREDENTIALS.sessionToken)}&X-Amz-Signature=e87593efdfb87e25c188dcfde09ed5f0a081176a925a46fc5a5d89d5b8401069`;
    for (const text of [token, encodeURIComponent(token)]) {
      const scrubbed = redactSigningParameters(`PAM said: ${text}`);
      expect(scrubbed).not.toContain(TEST_CREDENTIALS.sessionToken);
      expect(scrubbed).not.toContain(TEST_CREDENTIALS.accessKeyId);
      expect(scrubbed).not.toContain('e87593efdfb87e25');
    }
  });
});

describe('scrubbedCause: what a foreign error leaves behind as a cause', () => {
  test('message, stack and causes below it, raw and URL-encoded, are all scrubbed', () => {
    const inner = new Error(`socket said ${ENCODED}`);
    const outer = Object.assign(new Error(`request ${SECRET} failed`, { cause: inner }), {
      name: 'AccessDeniedException',
      code: 'AccessDenied',
      $response: { body: SECRET },
    });

    const copy = scrubbedCause(outer, [SECRET]);

    expect(copy).toBeInstanceOf(ScrubbedError);
    expect(copy).toMatchObject({ name: 'AccessDeniedException', code: 'AccessDenied' });
    expect(copy?.cause).toBeInstanceOf(ScrubbedError);
    expect(copy?.stack).toMatch(/^AccessDeniedException: request \*\*\*\* failed\n\s+at /);
    expectNoSecretIn(copy, [SECRET]);
    expect(errorRenderings(copy).join('\n')).not.toContain('$response');
  });
});

describe('the runtime’s error descriptions', () => {
  let database: Database | undefined;
  let echo: PasswordEchoServer | undefined;
  afterEach(async () => {
    await database?.end();
    await echo?.close();
    database = undefined;
    echo = undefined;
  });

  test('a connect failure whose server message quotes the password, raw and encoded', async () => {
    echo = await passwordEchoServer({
      code: 'XX000',
      message: 'internal error for password {password} (encoded {encoded})',
    });
    database = createDatabase({
      connection: {
        host: '127.0.0.1',
        port: echo.port,
        database: 'spendsense',
        user: 'u',
        password: SECRET,
      },
      extraCertificateAuthorities: [echo.caPem],
      maxConnectAttempts: 1,
    });

    const error = await database.query('select 1').catch((caught: unknown) => caught);

    expect(echo.passwords).toEqual([SECRET]);
    expect(error).toBeInstanceOf(DatabaseConnectionError);
    expect((error as Error).message).toContain('internal error for password ****');
    expectNoSecretIn(error, [SECRET]);
  });

  test('an IAM token quoted back by the server is in no message or cause', async () => {
    echo = await passwordEchoServer({
      code: '28P01',
      message: 'PAM authentication failed for user "spendsense_app": {password} / {encoded}',
    });
    database = createDatabase({
      iam: {
        host: '127.0.0.1',
        port: echo.port,
        database: 'spendsense',
        user: 'spendsense_app',
        region: 'us-east-1',
        credentials: TEST_CREDENTIALS,
      },
      extraCertificateAuthorities: [echo.caPem],
      logger: { warn: () => undefined },
    });

    const error = await database.query('select 1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DatabaseAuthenticationError);
    expect(echo.passwords.length).toBe(2);
    expect(echo.passwords[0]).toMatch(/X-Amz-Signature=/);
    expectNoSecretIn(error, [...echo.passwords, TEST_CREDENTIALS.sessionToken]);
  });

  test('a secret source failing with a message that quotes the password it served before', async () => {
    let reads = 0;
    database = createDatabase({
      secretSource: async () => {
        reads++;
        if (reads > 1) {
          throw new Error(`cannot refresh postgresql://u:${ENCODED}@h/db (was ${SECRET})`);
        }
        return {
          url: 'postgresql://unused',
          engine: 'postgres',
          host: server.host,
          port: server.port,
          dbname: server.database,
          username: server.user,
          password: SECRET,
        };
      },
      extraCertificateAuthorities: [server.caPem],
      logger: { warn: () => undefined },
    });

    const error = await database.query('select 1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toContain(
      'cannot refresh postgresql://u:****@h/db (was ****)',
    );
    expectNoSecretIn(error, [SECRET]);
  });
});

describe('the rotation’s logger and error scrubbing', () => {
  test('the logger masks every secret it was told of, in messages and fields, raw and encoded', () => {
    const lines: string[] = [];
    const logger = redactingLogger(
      {
        info: (m, f) => lines.push(JSON.stringify({ m, ...f })),
        warn: () => undefined,
        error: () => undefined,
      },
      new Set([SECRET]),
    );

    logger.info(`message with ${SECRET} and ${ENCODED}`, {
      field: `postgresql://u:${ENCODED}@h/db`,
      other: SECRET,
      count: 3,
    });

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).not.toContain(ENCODED);
    expect(JSON.parse(lines[0]!)).toMatchObject({ count: 3, other: MASK });
  });

  test('an AWS error that quotes the new password fails the step with no trace of it', async () => {
    const fake = new FakeSecretsManager();
    try {
      const database = { host: '127.0.0.1', port: 9, database: 'spendsense' };
      const secrets = seedSecrets(fake, database, {
        username: 'spendsense_admin',
        password: 'Current0Password0Value0Abcdefgh1',
      });
      const logger = collectingLogger();
      const token = fake.startRotation(secrets.credentialsArn);
      let quoted = '';
      // The service refuses the new version, quoting the password it was sent, raw and encoded.
      fake.failNext('PutSecretValue', secrets.credentialsArn, (input) => {
        quoted = String(parse(String(input.SecretString)).password);
        return awsError(
          'ValidationException',
          `Invalid SecretString ${String(input.SecretString)} (${encodeURIComponent(quoted)})`,
        );
      });

      const error = await rotateSecret(
        { SecretId: secrets.credentialsArn, ClientRequestToken: token, Step: 'createSecret' },
        {
          secretsManager: secretsManagerClient(),
          connectionSecretId: secrets.connectionArn,
          database,
          logger,
        },
      ).catch((caught: unknown) => caught);

      expect(quoted).toMatch(/^[A-Za-z0-9]{32}$/);
      expect((error as Error).message).toContain('Invalid SecretString');
      expectNoSecretIn(error, [quoted]);
      expect(logger.lines.join('\n')).toContain('Step failed');
      expect(logger.lines.join('\n')).not.toContain(quoted);
    } finally {
      fake.restore();
    }
  });
});
