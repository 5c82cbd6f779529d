import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import { expect } from 'vitest';
import type { Database } from '../../src/runtime/index.js';
import type { TestPostgres } from './postgres.js';

type Server = Pick<TestPostgres, 'host' | 'port' | 'database' | 'user' | 'password' | 'caPem'>;

/** The server process behind the database's connection (opening one if needed). */
export async function backendPid(database: Database): Promise<number> {
  return (await database.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
}

/**
 * Terminates backend `pid` from a child process while this process's event loop is blocked, as
 * Lambda freezes an environment between invocations: when the loop resumes, the server's
 * goodbye sits unread in the socket buffer.
 */
export function terminateWhileFrozen(server: Server, pid: number): void {
  const script = `
    import pg from 'pg';
    const client = new pg.Client({ ...JSON.parse(process.env.ADMIN), ssl: { ca: process.env.CA_PEM } });
    await client.connect();
    await client.query('select pg_terminate_backend($1, 5000)', [Number(process.env.PID)]);
    await client.end();`;
  const { host, port, database, user, password } = server;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      PID: String(pid),
      CA_PEM: server.caPem,
      ADMIN: JSON.stringify({ host, port, database, user, password }),
    },
    stdio: 'ignore',
    timeout: 20_000,
  });
}

/**
 * Waits until backend `pid` is running a statement, then terminates it (waiting until it is
 * gone): the connection breaks while the statement is in flight.
 */
export async function terminateOnceActive(admin: pg.Client, pid: number): Promise<void> {
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
}
