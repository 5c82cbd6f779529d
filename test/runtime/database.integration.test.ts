import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  createDatabase,
  type Database,
  DatabaseAuthenticationError,
  DatabaseConnectionError,
  DatabaseConnectionLostError,
  type DatabaseLogger,
  type SecretDatabaseOptions,
} from '../../src/runtime/index.js';
import { secretsManagerSource } from '../../src/runtime/secret-source.js';
import { backendPid, terminateOnceActive, terminateWhileFrozen } from '../support/backends.js';
import { adminClientConfig } from '../support/postgres.js';
import { expectNoSecretIn } from './secret-leaks.js';

const server = inject('postgres');
const SECRET_NAME = 'spendsense/dev/database/connection';

interface Credentials {
  readonly username: string;
  readonly password: string;
}

function secretFor({ username, password }: Credentials) {
  return {
    url: `postgresql://${username}:${password}@${server.host}:${server.port}/${server.database}`,
    engine: 'postgres',
    host: server.host,
    port: server.port,
    dbname: server.database,
    username,
    password,
  };
}

const admin = new pg.Client(adminClientConfig(server));

const opened: Database[] = [];
function open(options: SecretDatabaseOptions): Database {
  const database = createDatabase({ extraCertificateAuthorities: [server.caPem], ...options });
  opened.push(database);
  return database;
}

/** A secret source that counts its reads and serves whatever `current` holds. */
function countingSource(initial: Credentials) {
  const state = { current: initial, reads: 0, forced: 0 };
  return {
    state,
    source: async ({ forceFetch }: { forceFetch: boolean }) => {
      state.reads++;
      if (forceFetch) state.forced++;
      return secretFor(state.current);
    },
  };
}

function captureLogs(): { logger: DatabaseLogger; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    logger: { warn: (message, fields) => lines.push(JSON.stringify({ message, ...fields })) },
  };
}

const ownerCredentials: Credentials = { username: server.user, password: server.password };

beforeAll(async () => {
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.end()));
});

afterAll(async () => {
  await admin.end();
});

describe('connection reuse', () => {
  test('one encrypted connection serves many invocations; the secret is read once', async () => {
    const { source, state } = countingSource(ownerCredentials);
    const database = open({ secretSource: source });

    const pids = new Set<number>();
    for (let invocation = 0; invocation < 25; invocation++) {
      pids.add(await backendPid(database));
    }
    const { rows } = await database.query<{ ssl: boolean; version: string }>(
      `select ssl, version from pg_stat_ssl where pid = pg_backend_pid()`,
    );

    expect(pids.size).toBe(1);
    expect(state.reads).toBe(1);
    expect(rows[0]).toMatchObject({ ssl: true });
    expect(rows[0]?.version).toMatch(/^TLSv1\.[23]$/);
  });

  test('withClient and concurrent queries share the same connection, one at a time', async () => {
    const database = open({ secretSource: countingSource(ownerCredentials).source });
    const first = await backendPid(database);

    const inTransaction = await database.withClient(async (client) => {
      await client.query('begin');
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      await client.query('commit');
      return rows[0]!.pid;
    });
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => backendPid(database)));

    expect(inTransaction).toBe(first);
    expect(new Set(concurrent)).toEqual(new Set([first]));
  });

  test('an SQL error is thrown as node-postgres reports it, and the connection is kept', async () => {
    const database = open({ secretSource: countingSource(ownerCredentials).source });
    const before = await backendPid(database);

    const error = await database.query('select 1 / 0').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(pg.DatabaseError);
    expect(error).toMatchObject({ code: '22012' });
    expect(await backendPid(database)).toBe(before);
  });

  test('an error of the callback itself, not of the database, is rethrown; the connection is kept', async () => {
    const database = open({ secretSource: countingSource(ownerCredentials).source });
    const before = await backendPid(database);
    const ownFailure = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

    const error = await database
      .withClient(async (client) => {
        await client.query('select 1');
        throw ownFailure;
      })
      .catch((e: unknown) => e);

    expect(error).toBe(ownFailure);
    expect(await backendPid(database)).toBe(before);
  });

  test('a connection left inside a transaction is discarded, not handed to the next call', async () => {
    const logs = captureLogs();
    const database = open({
      secretSource: countingSource(ownerCredentials).source,
      logger: logs.logger,
    });
    const before = await backendPid(database);

    await database.withClient(async (client) => {
      await client.query('begin');
    });

    expect(await backendPid(database)).not.toBe(before);
    expect(logs.lines.join('\n')).toContain('inside a transaction');
  });
});

describe('recovery', () => {
  test('after the server terminates the idle connection, the next invocation reconnects', async () => {
    const database = open({ secretSource: countingSource(ownerCredentials).source });
    const before = await backendPid(database);

    // The timeout argument makes pg_terminate_backend wait until the backend is gone.
    const { rows } = await admin.query<{ done: boolean }>(
      'select pg_terminate_backend($1, 5000) as done',
      [before],
    );
    expect(rows[0]?.done).toBe(true);
    await sleep(50); // the gap between two invocations

    const after = await backendPid(database);
    expect(after).not.toBe(before);
    expect(await backendPid(database)).toBe(after);
  });

  describe('a connection closed by the server while the environment was frozen', () => {
    test('after a long idle the first call yields once, sees the close, and reconnects', async () => {
      // 0: every call counts as "after a long idle", as the first call after a thaw does.
      const database = open({
        secretSource: countingSource(ownerCredentials).source,
        revalidateAfterIdleMillis: 0,
      });
      const before = await backendPid(database);

      terminateWhileFrozen(server, before);
      const after = await backendPid(database);

      expect(after).not.toBe(before);
    });

    test('without that yield the statement would be written to the dead socket', async () => {
      const database = open({
        secretSource: countingSource(ownerCredentials).source,
        revalidateAfterIdleMillis: 600_000,
      });
      const before = await backendPid(database);

      terminateWhileFrozen(server, before);
      const error = await database.query('select 1').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(DatabaseConnectionLostError);
      expect(await backendPid(database)).not.toBe(before);
    });
  });

  test('a statement cut off mid-flight fails as DatabaseConnectionLostError and is not re-run', async () => {
    const sequence = `runtime_test_${randomBytes(4).toString('hex')}`;
    await admin.query(`create sequence ${sequence}`);
    try {
      const database = open({ secretSource: countingSource(ownerCredentials).source });
      const pid = await backendPid(database);

      const running = database
        .query(`select nextval('${sequence}'), pg_sleep(10)`)
        .catch((e: unknown) => e);
      await terminateOnceActive(admin, pid);
      const error = await running;

      expect(error).toBeInstanceOf(DatabaseConnectionLostError);
      expect((error as Error).message).toContain('not retried');
      const { rows } = await admin.query<{ last_value: string }>(
        `select last_value from ${sequence}`,
      );
      expect(rows[0]?.last_value).toBe('1');
      expect(await backendPid(database)).not.toBe(pid);
    } finally {
      await admin.query(`drop sequence ${sequence}`);
    }
  });

  test('a call holding the connection past queryTimeoutMillis is cut off; the next works', async () => {
    const database = open({
      secretSource: countingSource(ownerCredentials).source,
      queryTimeoutMillis: 300,
    });
    const pid = await backendPid(database);

    const started = Date.now();
    const error = await database.query('select pg_sleep(5)').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DatabaseConnectionLostError);
    expect((error as Error).message).toContain('queryTimeoutMillis');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await backendPid(database)).not.toBe(pid);
  });

  test('statementTimeoutMillis makes the server cancel a long statement; the connection stays', async () => {
    const database = open({
      secretSource: countingSource(ownerCredentials).source,
      statementTimeoutMillis: 100,
    });
    const pid = await backendPid(database);

    await expect(database.query('select pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
    expect(await backendPid(database)).toBe(pid);
  });
});

describe('rotation: the secret is re-read when the password is rejected', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const role = `rt_rotation_${randomBytes(4).toString('hex')}`;
  const oldPassword = `Old${randomBytes(12).toString('hex')}`;
  const newPassword = `New${randomBytes(12).toString('hex')}`;

  function respondWith(password: string): void {
    secretsManager.on(GetSecretValueCommand).resolves({
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_NAME}-AbCdEf`,
      Name: SECRET_NAME,
      VersionId: randomBytes(8).toString('hex'),
      SecretString: JSON.stringify(secretFor({ username: role, password })),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(),
    });
  }

  beforeAll(async () => {
    await admin.query(`create role ${role} login password '${oldPassword}'`);
    await admin.query(`grant connect on database ${server.database} to ${role}`);
  });

  afterAll(async () => {
    secretsManager.restore();
    await admin.query(
      `select pg_terminate_backend(pid, 5000) from pg_stat_activity where usename = $1`,
      [role],
    );
    await admin.query(`revoke connect on database ${server.database} from ${role}`);
    await admin.query(`drop role ${role}`);
  });

  test('open connections survive the change; a new one fails 28P01, re-reads, and succeeds', async () => {
    secretsManager.reset();
    respondWith(oldPassword);
    const logs = captureLogs();
    const database = open({
      secretSource: secretsManagerSource(SECRET_NAME, { maxAgeSeconds: 300 }),
      logger: logs.logger,
    });
    const before = await backendPid(database);

    await admin.query(`alter role ${role} password '${newPassword}'`);
    respondWith(newPassword);
    expect(await backendPid(database)).toBe(before); // sessions outlive a password change

    await admin.query('select pg_terminate_backend($1, 5000)', [before]);
    await sleep(50);
    const after = await backendPid(database);

    expect(after).not.toBe(before);
    const reads = secretsManager.commandCalls(GetSecretValueCommand);
    expect(reads).toHaveLength(2); // the first read, then one forced past the 300 s cache
    expect(logs.lines.join('\n')).toContain('Password rejected');
    expect(logs.lines.join('\n')).not.toContain(oldPassword);
    expect(logs.lines.join('\n')).not.toContain(newPassword);
  });

  test('when the fresh secret is wrong too: DatabaseAuthenticationError, no password anywhere', async () => {
    secretsManager.reset();
    const stale = `Stale${randomBytes(12).toString('hex')}`;
    respondWith(stale);
    const logs = captureLogs();
    const database = open({
      secretSource: secretsManagerSource(SECRET_NAME),
      logger: logs.logger,
    });

    const error = await database.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DatabaseAuthenticationError);
    expect(error).toMatchObject({ name: 'DatabaseAuthenticationError', code: '28P01' });
    expect((error as Error).message).toContain('also after reading the secret again');
    expect((error as Error).cause).toMatchObject({ name: 'error', code: '28P01' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expectNoSecretIn(error, [stale, oldPassword, newPassword]);
    expect(logs.lines.join('\n')).not.toContain(stale);
  });
});

describe('TLS verification', () => {
  test('without the local CA the server certificate is rejected, never retried, no secret shown', async () => {
    const database = createDatabase({
      secretSource: countingSource(ownerCredentials).source,
      maxConnectAttempts: 3,
    });
    opened.push(database);

    const error = await database.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DatabaseConnectionError);
    expect(error).toMatchObject({ reason: 'tls', attempts: 1 });
    expectNoSecretIn(error, [server.password]);
  });
});
