import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import {
  createDatabase,
  CredentialsUnavailableError,
  type Database,
  DatabaseAuthenticationError,
  type DatabaseLogger,
  ScrubbedError,
} from '../../src/runtime/index.js';
import { TOKEN_REFRESH_MARGIN_MILLIS } from '../../src/runtime/credentials/iam-credentials.js';
import { expectedToken, TEST_CREDENTIALS } from '../support/iam-tokens.js';
import { adminClientConfig } from '../support/postgres.js';
import { expectNoSecretIn } from './secret-leaks.js';

const server = inject('postgres');
const role = `iam_test_${randomBytes(4).toString('hex')}`;
const T0 = new Date('2026-12-03T09:00:00Z');
const MINUTE = 60_000;

const admin = new pg.Client(adminClientConfig(server));

/** Makes the local server accept the token signed at the current (pinned) time for `role`. */
async function acceptTokenSignedNow(): Promise<string> {
  const token = await expectedToken({ host: server.host, port: server.port, user: role });
  await admin.query(`alter role ${role} password ${admin.escapeLiteral(token)}`);
  return token;
}

/** Counts how often the module resolved credentials: once per token it signed. */
function countingCredentials(expiration?: Date) {
  const calls = { count: 0 };
  return {
    calls,
    provider: async () => {
      calls.count++;
      return { ...TEST_CREDENTIALS, ...(expiration !== undefined && { expiration }) };
    },
  };
}

const lines: string[] = [];
const logger: DatabaseLogger = {
  warn: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
};

let database: Database | undefined;
function open(provider: () => Promise<typeof TEST_CREDENTIALS>): Database {
  database = createDatabase({
    iam: {
      host: server.host,
      port: server.port,
      database: server.database,
      user: role,
      region: 'us-east-1',
      credentials: provider,
    },
    extraCertificateAuthorities: [server.caPem],
    logger,
  });
  return database;
}

async function reconnect(db: Database): Promise<void> {
  const { rows } = await db.query<{ pid: number }>('select pg_backend_pid() as pid');
  await admin.query('select pg_terminate_backend($1, 5000)', [rows[0]?.pid]);
}

const whoAmI = async (db: Database) =>
  (await db.query<{ user: string }>('select current_user as user')).rows[0]?.user;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create role ${role} login`);
  await admin.query(`grant connect on database ${server.database} to ${role}`);
});
afterEach(async () => {
  await database?.end();
  database = undefined;
  vi.useRealTimers();
  lines.length = 0;
});
afterAll(async () => {
  await admin.query(
    `select pg_terminate_backend(pid, 5000) from pg_stat_activity where usename = $1`,
    [role],
  );
  await admin.query(`revoke connect on database ${server.database} from ${role}`);
  await admin.query(`drop role ${role}`);
  await admin.end();
});

describe('IAM authentication (the local server checks the token as a password)', () => {
  test('one token serves every new connection until shortly before it expires, then a new one is signed', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const first = await acceptTokenSignedNow();
    const { provider, calls } = countingCredentials();
    const db = open(provider);

    expect(await whoAmI(db)).toBe(role);
    await reconnect(db);
    vi.setSystemTime(T0.getTime() + 15 * MINUTE - TOKEN_REFRESH_MARGIN_MILLIS - 1000);
    expect(await whoAmI(db)).toBe(role);
    expect(calls.count).toBe(1);

    // Past the reuse window: a new token, which this server does not know yet. The module signs
    // once more after the rejection, is refused again, and says so without quoting a token.
    await reconnect(db);
    vi.setSystemTime(T0.getTime() + 15 * MINUTE - TOKEN_REFRESH_MARGIN_MILLIS + 1000);
    const error = await db.query('select 1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseAuthenticationError);
    expect((error as Error).message).toContain(
      `The server rejected the IAM authentication token for user ${role}, also a freshly signed one: the user must be a member of rds_iam`,
    );
    expect(calls.count).toBe(3);
    const second = await acceptTokenSignedNow();
    expect(second).not.toBe(first);
    expectNoSecretIn(error, [first, second, TEST_CREDENTIALS.sessionToken]);
    expect(lines.join('\n')).toContain('IAM authentication token rejected; signing a new one');
    expect(lines.join('\n')).not.toContain('X-Amz-Signature=');

    // The token signed after the rejection is still fresh: it is reused.
    expect(await whoAmI(db)).toBe(role);
    expect(calls.count).toBe(3);
  });

  test('credentials that expire first shorten the reuse', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    await acceptTokenSignedNow();
    const { provider, calls } = countingCredentials(new Date(T0.getTime() + 5 * MINUTE));
    const db = open(provider);

    expect(await whoAmI(db)).toBe(role);
    await reconnect(db);
    vi.setSystemTime(T0.getTime() + 5 * MINUTE - TOKEN_REFRESH_MARGIN_MILLIS + 1000);
    await db.query('select 1').catch(() => undefined);

    expect(calls.count).toBeGreaterThan(1);
  });

  test('no credentials: CredentialsUnavailableError, nothing retried, the provider’s secrets scrubbed', async () => {
    const leaked = 'aws_secret_access_key=Sup3rS3cretKeyMaterial0123';
    let calls = 0;
    const db = open(async () => {
      calls++;
      throw Object.assign(new Error(`Could not load credentials from profile: ${leaked}`), {
        name: 'CredentialsProviderError',
      });
    });

    const error = await db.query('select 1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toBe(
      `Could not sign an IAM authentication token for ${role} at ${server.host}:${server.port}: CredentialsProviderError. The function's role provides the credentials in Lambda; elsewhere, the AWS profile or environment.`,
    );
    expect((error as Error).message).not.toContain(leaked);
    expect(calls).toBe(1);
    // A scrubbed copy, never the provider's own error object.
    expect((error as Error).cause).toBeInstanceOf(ScrubbedError);
    expect((error as Error).cause).toMatchObject({ name: 'CredentialsProviderError' });
  });
});
