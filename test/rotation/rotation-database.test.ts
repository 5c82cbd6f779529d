import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { connectionUrl } from '../../src/runtime/connection-secret.js';
import { createDatabase } from '../../src/runtime/index.js';
import { generatePassword } from '../../src/runtime/password.js';
import { secretsManagerSource } from '../../src/runtime/secret-source.js';
import {
  RotationDatabaseError,
  rotateSecret,
  type RotationDependencies,
  type RotationStep,
} from '../../src/runtime/rotation/index.js';
import { scramSha256Verifier } from '../../src/runtime/rotation/scram.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { canLogIn, createLoginRole, setPassword, withSession } from './support/database.js';
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

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

// Our own server: these tests change passwords, including the superuser's.
let server: TestPostgres;
let admin: DatabaseUser;
let roleCount = 0;

let fake: FakeSecretsManager;
let user: DatabaseUser;
let secrets: SeededSecrets;
let logger: ReturnType<typeof collectingLogger>;
let dependencies: RotationDependencies;
/** Everything a reader could see: console output, errors as printed (causes included). */
let shown: string[];

beforeAll(async () => {
  server = await startTestPostgres();
  admin = { username: server.user, password: server.password };
});

afterAll(async () => {
  await server?.destroy();
});

beforeEach(async () => {
  shown = [];
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      shown.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    });
  }
  fake = new FakeSecretsManager();
  user = await createLoginRole(server, admin, `rotated_${++roleCount}`);
  secrets = seedSecrets(fake, address(), user);
  logger = collectingLogger();
  dependencies = {
    secretsManager: secretsManagerClient(),
    connectionSecretId: secrets.connectionArn,
    database: address(),
    databaseAccess: { extraCertificateAuthorities: [server.caPem], connectionTimeoutMillis: 3000 },
    logger,
  };
});

afterEach(() => {
  vi.restoreAllMocks();
  fake.restore();
  // No password, old or new, in any log line, console output or error shown during the test.
  const passwords = [secrets.credentialsArn, secrets.connectionArn]
    .flatMap((arn) => fake.allValues(arn))
    .map((value) => String(parse(value).password));
  const output = [...logger.lines, ...shown].join('\n');
  expect(passwords.length).toBeGreaterThan(1);
  for (const password of new Set(passwords)) expect(output).not.toContain(password);
});

function address() {
  return { host: server.host, port: server.port, database: server.database };
}

function run(step: RotationStep, token: string): Promise<void> {
  return rotateSecret(
    { SecretId: secrets.credentialsArn, ClientRequestToken: token, Step: step },
    dependencies,
  );
}

/** What Secrets Manager does for `rotate-secret`: the four steps in order, stopping at a failure. */
async function rotate(): Promise<string> {
  const token = fake.startRotation(secrets.credentialsArn);
  for (const step of STEPS) await run(step, token);
  return token;
}

/** The rejection of `promise`, recorded as a reader would see it. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught as Error,
  );
  shown.push(inspect(error, { depth: 10 }), String(error.stack));
  return error;
}

function credentials(stage = 'AWSCURRENT'): DatabaseUser {
  const value = parse(fake.value(secrets.credentialsArn, stage));
  return { username: String(value.username), password: String(value.password) };
}

function connectionSecret(): Record<string, unknown> {
  return parse(fake.value(secrets.connectionArn));
}

describe('a rotation', () => {
  test('behind RDS Proxy: logs in to the instance, and the connection secret keeps naming the proxy', async () => {
    // As the prod stack composes it: the connection secret names the proxy; the rotation
    // function is given the instance's own address (dependencies.database). The proxy name
    // does not resolve here, so a step that connected through it would fail.
    const proxy = {
      host: 'spendsense-prod-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.invalid',
      port: 5432,
      database: server.database,
    };
    fake.overwrite(secrets.connectionArn, connectionSecretJson(proxy, user));

    await rotate();

    const rotated = credentials();
    expect(await canLogIn(server, rotated)).toBe(true);
    expect(connectionSecret()).toEqual(parse(connectionSecretJson(proxy, rotated)));
    expect(new URL(String(connectionSecret().url)).host).toBe(`${proxy.host}:5432`);
  });

  test('changes the password in the database, and both secrets follow', async () => {
    expect(await canLogIn(server, user)).toBe(true);

    const token = await rotate();

    const rotated = credentials();
    expect(rotated.username).toBe(user.username);
    expect(rotated.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await canLogIn(server, user)).toBe(false);
    expect(await canLogIn(server, rotated)).toBe(true);
    expect(fake.versionId(secrets.credentialsArn)).toBe(token);
    expect(credentials('AWSPREVIOUS').password).toBe(user.password);

    const connection = connectionSecret();
    expect(connection).toEqual({
      url: connectionUrl({
        ...address(),
        dbname: server.database,
        username: user.username,
        password: rotated.password,
      }),
      engine: 'postgres',
      host: server.host,
      port: server.port,
      dbname: server.database,
      username: user.username,
      password: rotated.password,
    });
    const fromUrl = new URL(String(connection.url));
    expect(await canLogIn(server, { username: fromUrl.username, password: fromUrl.password })).toBe(
      true,
    );
  });

  test('runs each step twice without harm', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    for (const step of STEPS) {
      await run(step, token);
      await run(step, token);
    }

    const rotated = credentials();
    expect(await canLogIn(server, rotated)).toBe(true);
    expect(connectionSecret().password).toBe(rotated.password);
    expect(fake.versionCount(secrets.credentialsArn)).toBe(2);
    expect(fake.versionCount(secrets.connectionArn)).toBe(2);
  });

  test('rotates again from where the last one left it', async () => {
    await rotate();
    const second = await rotate();

    expect(fake.versionId(secrets.credentialsArn)).toBe(second);
    expect(await canLogIn(server, credentials())).toBe(true);
    expect(await canLogIn(server, credentials('AWSPREVIOUS'))).toBe(false);
    expect(connectionSecret().password).toBe(credentials().password);
  });
});

describe('setSecret', () => {
  test('moves the connection secret to the new password at once; AWSCURRENT follows at finishSecret', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);
    await run('setSecret', token);

    const pending = credentials('AWSPENDING');
    expect(await canLogIn(server, pending)).toBe(true);
    expect(await canLogIn(server, user)).toBe(false);
    expect(connectionSecret().password).toBe(pending.password);
    expect(credentials().password).toBe(user.password);
  });

  test('run again after a lost connection-secret write, it writes it', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);
    await run('setSecret', token);
    fake.overwrite(secrets.connectionArn, connectionSecretJson(address(), user));

    await run('setSecret', token);

    expect(connectionSecret().password).toBe(credentials('AWSPENDING').password);
  });

  test('cut short after the password change, and unable to write again, puts back the password clients know', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);
    await run('setSecret', token);
    // As if the function had timed out between the password change and the write.
    fake.overwrite(secrets.connectionArn, connectionSecretJson(address(), user));
    fake.failNext('PutSecretValue', secrets.connectionArn, () =>
      awsError('ThrottlingException', 'Rate exceeded'),
    );

    const error = await failureOf(run('setSecret', token));

    expect(error).toMatchObject({ name: 'SecretsManagerCallError', code: 'ThrottlingException' });
    expect(await canLogIn(server, user)).toBe(true);
    expect(await canLogIn(server, credentials('AWSPENDING'))).toBe(false);
    expect(connectionSecret().password).toBe(user.password);

    expect(fake.startRotation(secrets.credentialsArn)).toBe(token);
    for (const step of STEPS) await run(step, token);
    expect(await canLogIn(server, credentials())).toBe(true);
    expect(connectionSecret().password).toBe(credentials().password);
  });

  test('puts the old password back when the connection secret cannot be written', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);
    fake.failNext('PutSecretValue', secrets.connectionArn, () =>
      awsError(
        'AccessDeniedException',
        'User is not authorized to perform: secretsmanager:PutSecretValue',
      ),
    );

    const error = await failureOf(run('setSecret', token));

    expect(error).toMatchObject({ name: 'SecretsManagerCallError', code: 'AccessDeniedException' });
    expect(await canLogIn(server, user)).toBe(true);
    expect(await canLogIn(server, credentials('AWSPENDING'))).toBe(false);
    expect(connectionSecret().password).toBe(user.password);
    expect(logger.lines.join('\n')).toContain('Restored the previous password after a failure');

    // Secrets Manager reattempts the unfinished rotation, with the same version.
    expect(fake.startRotation(secrets.credentialsArn)).toBe(token);
    for (const step of STEPS) await run(step, token);
    expect(await canLogIn(server, credentials())).toBe(true);
    expect(connectionSecret().password).toBe(credentials().password);
  });

  test('changes nothing while the database is down', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);
    await server.stop();
    let error: Error;
    try {
      error = await failureOf(run('setSecret', token));
    } finally {
      await server.start();
    }

    expect(error).toBeInstanceOf(RotationDatabaseError);
    expect(error).toMatchObject({ reason: 'unreachable' });
    expect(error.message).toMatch(
      /^Could not open a session as rotated_\d+ on 127\.0\.0\.1:\d+\/spendsense: refused \(ECONNREFUSED\)\.$/,
    );
    expect(await canLogIn(server, user)).toBe(true);
    expect(connectionSecret().password).toBe(user.password);
  });

  test('logs in with the connection secret when AWSCURRENT no longer works', async () => {
    // An earlier rotation changed the password and the connection secret, then was abandoned
    // before finishSecret: only the connection secret knows the live password.
    const live = { username: user.username, password: generatePassword() };
    await setPassword(server, admin, user.username, live.password);
    fake.overwrite(secrets.connectionArn, connectionSecretJson(address(), live));

    await rotate();

    expect(await canLogIn(server, credentials())).toBe(true);
    expect(await canLogIn(server, live)).toBe(false);
    expect(connectionSecret().password).toBe(credentials().password);
    expect(logger.lines.map((line) => JSON.parse(line) as unknown)).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'Password rejected',
        source: 'AWSCURRENT',
      }),
    );
  });

  test('refuses, changing nothing, when no known password logs in', async () => {
    const unknown = { username: user.username, password: generatePassword() };
    await setPassword(server, admin, user.username, unknown.password);
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);

    const error = await failureOf(run('setSecret', token));

    expect(error).toBeInstanceOf(RotationDatabaseError);
    expect(error).toMatchObject({ reason: 'rejected', code: '28P01' });
    expect(error.message).toContain(
      `The database rejects every password known for ${user.username} (AWSPENDING, AWSCURRENT, the connection secret). Someone changed it outside the rotation`,
    );
    expect(await canLogIn(server, unknown)).toBe(true);
    expect(connectionSecret().password).toBe(user.password);
  });

  test('never sends the password itself: the server logs the statement with a SCRAM verifier', async () => {
    await withSession(server, admin, async (client) => {
      await client.query("alter system set log_statement = 'all'");
      await client.query('select pg_reload_conf()');
    });
    try {
      await rotate();
    } finally {
      await withSession(server, admin, async (client) => {
        await client.query('alter system reset log_statement');
        await client.query('select pg_reload_conf()');
      });
    }

    const log = await readFile(path.join(server.stateDir, 'server.log'), 'utf8');
    expect(log).toMatch(
      new RegExp(`ALTER ROLE "${user.username}" WITH PASSWORD 'SCRAM-SHA-256\\$4096:[^']+'`),
    );
    expect(log).not.toContain(credentials().password);
    expect(log).not.toContain(user.password);
  });
});

describe('testSecret', () => {
  test('fails while the database is down; clients keep a working password and a retry finishes', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);
    await run('setSecret', token);
    await server.stop();
    let error: Error;
    try {
      error = await failureOf(run('testSecret', token));
    } finally {
      await server.start();
    }
    expect(error).toMatchObject({ name: 'RotationDatabaseError', reason: 'unreachable' });

    const forClients = connectionSecret();
    expect(
      await canLogIn(server, { username: user.username, password: String(forClients.password) }),
    ).toBe(true);

    expect(fake.startRotation(secrets.credentialsArn)).toBe(token);
    for (const step of STEPS) await run(step, token);
    expect(credentials().password).toBe(forClients.password);
    expect(connectionSecret().password).toBe(forClients.password);
  });

  test('fails when the pending password does not log in', async () => {
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);

    const error = await failureOf(run('testSecret', token));

    expect(error).toMatchObject({
      name: 'RotationDatabaseError',
      reason: 'rejected',
      code: '28P01',
    });
    expect(error.message).toBe(
      `The database rejects the AWSPENDING password of ${secrets.credentialsArn} (version ${token}) for ${user.username}.`,
    );
  });
});

describe('finishSecret confirms before it promotes', () => {
  async function runUpToFinish(): Promise<string> {
    const token = fake.startRotation(secrets.credentialsArn);
    for (const step of ['createSecret', 'setSecret', 'testSecret'] as const) await run(step, token);
    return token;
  }

  test('the pending password changed by hand after testSecret: nothing promoted, clients put back on the working one', async () => {
    const token = await runUpToFinish();
    const pending = credentials('AWSPENDING');
    // Someone set the old password back with psql.
    await setPassword(server, admin, user.username, user.password);

    const error = await failureOf(run('finishSecret', token));

    expect(error).toBeInstanceOf(RotationDatabaseError);
    expect(error).toMatchObject({ reason: 'rejected', code: '28P01' });
    expect(error.message).toContain(
      `The database no longer accepts the AWSPENDING password of ${secrets.credentialsArn} (version ${token}) for ${user.username}: it was changed outside the rotation after testSecret, so it was not promoted. The connection secret now holds the password the database accepts (AWSCURRENT)`,
    );
    expect(fake.versionId(secrets.credentialsArn)).not.toBe(token);
    expect(credentials().password).toBe(user.password);
    expect(connectionSecret().password).toBe(user.password);
    expect(await canLogIn(server, user)).toBe(true);
    expect(await canLogIn(server, pending)).toBe(false);
  });

  test('changed to a password nobody knows: nothing promoted, says how to repair', async () => {
    const token = await runUpToFinish();
    const forClients = connectionSecret().password;
    await setPassword(server, admin, user.username, generatePassword());

    const error = await failureOf(run('finishSecret', token));

    expect(error.message).toContain(
      `No known password logs in either: set the password back with ALTER ROLE to the AWSCURRENT value of ${secrets.credentialsArn}, then rotate again.`,
    );
    expect(fake.versionId(secrets.credentialsArn)).not.toBe(token);
    expect(connectionSecret().password).toBe(forClients);
  });

  test('repeated after AWSCURRENT moved, it does not write a password that no longer logs in', async () => {
    const token = await rotate();
    const rotated = credentials();
    await setPassword(server, admin, user.username, user.password);
    fake.overwrite(secrets.connectionArn, connectionSecretJson(address(), user));

    const error = await failureOf(run('finishSecret', token));

    expect(error).toMatchObject({ name: 'RotationDatabaseError', reason: 'rejected' });
    expect(error.message).toContain(`no longer accepts the AWSCURRENT password`);
    expect(connectionSecret().password).toBe(user.password);
    expect(await canLogIn(server, rotated)).toBe(false);
  });
});

describe('setSecret restores when the confirming login fails', () => {
  test('the new password cannot open a second session: the old one goes back, clients unaffected', async () => {
    // Only one session for the rotated user: the rotation holds it, so its confirming login is
    // refused (53300) right after the password change.
    await withSession(server, admin, (client) =>
      client.query(`alter role ${client.escapeIdentifier(user.username)} connection limit 1`),
    );
    const token = fake.startRotation(secrets.credentialsArn);
    await run('createSecret', token);

    const error = await failureOf(run('setSecret', token));

    expect(error).toBeInstanceOf(RotationDatabaseError);
    expect(error).toMatchObject({ reason: 'unreachable', code: '53300' });
    expect(logger.lines.join('\n')).toContain('Restored the previous password after a failure');
    expect(await canLogIn(server, user)).toBe(true);
    expect(await canLogIn(server, credentials('AWSPENDING'))).toBe(false);
    expect(connectionSecret().password).toBe(user.password);
    expect(credentials().password).toBe(user.password);
  });
});

describe('the runtime module during a rotation', () => {
  test('keeps serving: open connections survive, new ones find the new password', async () => {
    const database = createDatabase({
      secretSource: secretsManagerSource(secrets.connectionArn),
      extraCertificateAuthorities: [server.caPem],
      // Check the connection before every use, as after a thaw, so the drop below is seen
      // before the next statement rather than by it.
      revalidateAfterIdleMillis: 0,
    });
    try {
      const before = await database.query<{ pid: number }>('select pg_backend_pid() as pid');
      const pid = before.rows[0]?.pid;

      const token = fake.startRotation(secrets.credentialsArn);
      await run('createSecret', token);
      await run('setSecret', token);

      // Between setSecret and finishSecret a new execution environment already gets in.
      const fresh = createDatabase({
        secretSource: secretsManagerSource(secrets.connectionArn),
        extraCertificateAuthorities: [server.caPem],
      });
      try {
        expect((await fresh.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await fresh.end();
      }

      await run('testSecret', token);
      await run('finishSecret', token);

      // A password change does not end open sessions.
      const during = await database.query<{ pid: number }>('select pg_backend_pid() as pid');
      expect(during.rows[0]?.pid).toBe(pid);

      // The server drops the connection (failover, restart): the module reconnects with its
      // cached, now stale, secret, is refused, reads the secret again and gets in.
      await withSession(server, credentials(), (client) =>
        client.query('select pg_terminate_backend($1)', [pid]),
      );
      await backendGone(pid);
      const after = await database.query<{ pid: number; user: string }>(
        'select pg_backend_pid() as pid, current_user as "user"',
      );
      expect(after.rows[0]).toEqual({ pid: expect.any(Number), user: user.username });
      expect(after.rows[0]?.pid).not.toBe(pid);
      expect(shown.join('\n')).toContain('Password rejected; reading the connection secret again');
    } finally {
      await database.end();
    }
  });
});

/** Waits until the server has ended the backend `pid`. */
async function backendGone(pid: number | undefined): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { rows } = await withSession(server, credentials(), (client) =>
      client.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where pid = $1',
        [pid],
      ),
    );
    if (rows[0]?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`backend ${String(pid)} is still running`);
    await sleep(20);
  }
}

describe('the SCRAM verifier', () => {
  test('is the one PostgreSQL computes for the same password, salt and iterations', async () => {
    const password = generatePassword();
    const stored = await withSession(server, admin, async (client) => {
      await client.query(`create role scram_check password ${client.escapeLiteral(password)}`);
      const result = await client.query<{ rolpassword: string }>(
        "select rolpassword from pg_authid where rolname = 'scram_check'",
      );
      await client.query('drop role scram_check');
      return result.rows[0]?.rolpassword ?? '';
    });
    shown.push(stored);

    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored) ?? [];
    expect(
      scramSha256Verifier(password, Buffer.from(salt ?? '', 'base64'), Number(iterations)),
    ).toBe(stored);
  });
});

// Last: the harness keeps working after its superuser's password changed, but nothing after
// this test should rely on the original one.
describe('the master user', () => {
  test('is rotated like any user, superuser or not', async () => {
    fake.restore();
    fake = new FakeSecretsManager();
    user = admin;
    secrets = seedSecrets(fake, address(), admin, {
      credentials: 'spendsense/test/database/master-credentials',
      connection: 'spendsense/test/database/master-connection',
    });
    dependencies = { ...dependencies, connectionSecretId: secrets.connectionArn };

    await rotate();

    admin = credentials();
    expect(await canLogIn(server, admin)).toBe(true);
    expect(await canLogIn(server, user)).toBe(false);
    expect(connectionSecret().password).toBe(admin.password);
  });
});
