import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  createDatabase,
  type Database,
  DatabaseConnectionLostError,
  ScrubbedError,
} from '../../src/runtime/index.js';
import { backendPid, terminateOnceActive, terminateWhileFrozen } from '../support/backends.js';
import { adminClientConfig } from '../support/postgres.js';

const server = inject('postgres');
const login = {
  host: server.host,
  port: server.port,
  database: server.database,
  user: server.user,
  password: server.password,
};
const admin = new pg.Client(adminClientConfig(server));

let database: Database | undefined;
function open(revalidateAfterIdleMillis: number): Database {
  database = createDatabase({
    connection: login,
    extraCertificateAuthorities: [server.caPem],
    revalidateAfterIdleMillis,
  });
  return database;
}

beforeAll(async () => {
  await admin.connect();
});
afterEach(async () => {
  await database?.end();
  database = undefined;
});
afterAll(async () => {
  await admin.end();
});

describe('the backend terminated during withClient', () => {
  test('fails as DatabaseConnectionLostError (not a raw 57P01), scrubbed cause; the next call reconnects', async () => {
    const db = open(1000);
    const pid = await backendPid(db);

    const running = db
      .withClient((client) => client.query('select pg_sleep(10)'))
      .catch((caught: unknown) => caught);
    await terminateOnceActive(admin, pid);
    const error = await running;

    expect(error).toBeInstanceOf(DatabaseConnectionLostError);
    expect((error as Error).message).toContain('57P01');
    expect((error as Error).cause).toBeInstanceOf(ScrubbedError);
    expect((error as Error).cause).toMatchObject({ name: 'error', code: '57P01' });
    expect(await backendPid(db)).not.toBe(pid);
  });
});

describe('a connection that died while the environment was frozen briefly', () => {
  test('the next call, shorter after the thaw than revalidateAfterIdleMillis, still succeeds', async () => {
    // A long threshold: only the fact that the event loop went back to waiting (the invocation
    // ended, as when Lambda freezes the environment) may make the module look before writing.
    const db = open(600_000);
    const before = await backendPid(db);
    await sleep(5); // the invocation ends: the loop waits for the next one

    terminateWhileFrozen(server, before);
    const after = await backendPid(db);

    expect(after).not.toBe(before);
  });

  test('statements of one invocation, back to back, keep the warm path (no extra turn)', async () => {
    const db = open(600_000);
    const pid = await backendPid(db);
    const pids = [];
    for (let i = 0; i < 20; i++) pids.push(await backendPid(db));
    expect(new Set(pids)).toEqual(new Set([pid]));
  });
});
