import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  createDatabase,
  type Database,
  DatabaseConnectionLostError,
  ScrubbedError,
} from '../../src/runtime/index.js';

const server = inject('postgres');
const login = {
  host: server.host,
  port: server.port,
  database: server.database,
  user: server.user,
  password: server.password,
};
const admin = new pg.Client({ ...login, ssl: { ca: server.caPem, rejectUnauthorized: true } });

let database: Database | undefined;
function open(revalidateAfterIdleMillis: number): Database {
  database = createDatabase({
    connection: login,
    extraCertificateAuthorities: [server.caPem],
    revalidateAfterIdleMillis,
  });
  return database;
}

const pidOf = async (db: Database): Promise<number> =>
  (await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

/**
 * Terminates the backend from a child process while this process's event loop is blocked, as
 * Lambda freezes it: when the loop resumes, the server's goodbye sits unread in the socket.
 */
function terminateWhileFrozen(pid: number): void {
  const script = `
    import pg from 'pg';
    const client = new pg.Client({ ...JSON.parse(process.env.ADMIN), ssl: { ca: process.env.CA_PEM } });
    await client.connect();
    await client.query('select pg_terminate_backend($1, 5000)', [Number(process.env.PID)]);
    await client.end();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, PID: String(pid), CA_PEM: server.caPem, ADMIN: JSON.stringify(login) },
    stdio: 'ignore',
    timeout: 20_000,
  });
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
    const pid = await pidOf(db);

    const running = db
      .withClient((client) => client.query('select pg_sleep(10)'))
      .catch((caught: unknown) => caught);
    await expect
      .poll(async () => {
        const { rows } = await admin.query<{ state: string }>(
          'select state from pg_stat_activity where pid = $1',
          [pid],
        );
        return rows[0]?.state;
      })
      .toBe('active');
    await admin.query('select pg_terminate_backend($1, 5000)', [pid]);
    const error = await running;

    expect(error).toBeInstanceOf(DatabaseConnectionLostError);
    expect((error as Error).message).toContain('57P01');
    expect((error as Error).cause).toBeInstanceOf(ScrubbedError);
    expect((error as Error).cause).toMatchObject({ name: 'error', code: '57P01' });
    expect(await pidOf(db)).not.toBe(pid);
  });
});

describe('a connection that died while the environment was frozen briefly', () => {
  test('the next call, shorter after the thaw than revalidateAfterIdleMillis, still succeeds', async () => {
    // A long threshold: only the fact that the event loop went back to waiting (the invocation
    // ended, as when Lambda freezes the environment) may make the module look before writing.
    const db = open(600_000);
    const before = await pidOf(db);
    await sleep(5); // the invocation ends: the loop waits for the next one

    terminateWhileFrozen(before);
    const after = await pidOf(db);

    expect(after).not.toBe(before);
  });

  test('statements of one invocation, back to back, keep the warm path (no extra turn)', async () => {
    const db = open(600_000);
    const pid = await pidOf(db);
    const pids = [];
    for (let i = 0; i < 20; i++) pids.push(await pidOf(db));
    expect(new Set(pids)).toEqual(new Set([pid]));
  });
});
