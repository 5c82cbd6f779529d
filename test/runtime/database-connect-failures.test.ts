import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createDatabase,
  type Database,
  DatabaseConnectionError,
  type DatabaseLogger,
  type CommonDatabaseOptions,
} from '../../src/runtime/index.js';
import {
  type FaultServer,
  noTlsServer,
  refusingPort,
  silentServer,
} from '../support/fault-servers.js';
import { expectNoSecretIn } from './secret-leaks.js';

const PASSWORD = 'Fault5erverPassw0rdNeverPrinted9';

function secretFor(port: number) {
  return {
    url: `postgresql://spendsense_admin:${PASSWORD}@127.0.0.1:${port}/spendsense`,
    engine: 'postgres',
    host: '127.0.0.1',
    port,
    dbname: 'spendsense',
    username: 'spendsense_admin',
    password: PASSWORD,
  };
}

interface Captured {
  readonly logger: DatabaseLogger;
  readonly lines: { message: string; fields: Record<string, unknown> }[];
}

function captureLogs(): Captured {
  const lines: Captured['lines'] = [];
  return {
    lines,
    logger: { warn: (message, fields) => lines.push({ message, fields: { ...fields } }) },
  };
}

let database: Database | undefined;
let server: FaultServer | undefined;

afterEach(async () => {
  await database?.end();
  await server?.close();
  database = undefined;
  server = undefined;
});

function open(port: number, options: Partial<CommonDatabaseOptions> = {}): Database {
  database = createDatabase({
    secretSource: async () => secretFor(port),
    retryBaseDelayMillis: 20,
    retryMaxDelayMillis: 100,
    ...options,
  });
  return database;
}

describe('connection failures', () => {
  test('refused: retried with backoff, then DatabaseConnectionError naming the endpoint', async () => {
    const port = await refusingPort();
    const logs = captureLogs();
    const db = open(port, { maxConnectAttempts: 3, logger: logs.logger });

    const error = await db.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DatabaseConnectionError);
    expect(error).toMatchObject({
      name: 'DatabaseConnectionError',
      reason: 'refused',
      attempts: 3,
      code: 'ECONNREFUSED',
    });
    expect((error as Error).message).toContain(`127.0.0.1:${port} after 3 attempts`);
    expect((error as Error).cause).toBeInstanceOf(Error);
    const retries = logs.lines.filter((line) => line.message.includes('retrying'));
    expect(retries.map((line) => line.fields.attempt)).toEqual([1, 2]);
    expect(retries[0]?.fields.delayMillis).toBeLessThan(20);
    expect(retries[1]?.fields.delayMillis).toBeLessThan(40);
    expectNoSecretIn(error, [PASSWORD]);
    expect(JSON.stringify(logs.lines)).not.toContain(PASSWORD);
  });

  test('a server that accepts and never answers: each attempt times out, sockets are closed', async () => {
    server = await silentServer();
    const db = open(server.port, { connectionTimeoutMillis: 300, maxConnectAttempts: 2 });

    const started = performance.now();
    const error = await db.query('select 1').catch((e: unknown) => e);
    const elapsed = performance.now() - started;

    expect(error).toMatchObject({
      name: 'DatabaseConnectionError',
      reason: 'timeout',
      attempts: 2,
    });
    expect(elapsed).toBeGreaterThanOrEqual(2 * 300 - 20);
    expect(elapsed).toBeLessThan(3000);
    expect(server.accepted()).toBe(2);
    await expect.poll(() => server?.openSockets(), { timeout: 2000 }).toBe(0);
    expectNoSecretIn(error, [PASSWORD]);
  });

  test('a server without TLS is refused at once and never retried', async () => {
    server = await noTlsServer();
    const db = open(server.port, { maxConnectAttempts: 3 });

    const error = await db.query('select 1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'DatabaseConnectionError', reason: 'tls', attempts: 1 });
    expect(server.accepted()).toBe(1);
    expectNoSecretIn(error, [PASSWORD]);
  });

  test('the database stays usable after a failure: the next call tries again', async () => {
    const port = await refusingPort();
    const db = open(port, { maxConnectAttempts: 1 });

    await expect(db.query('select 1')).rejects.toMatchObject({ reason: 'refused', attempts: 1 });
    await expect(db.query('select 1')).rejects.toMatchObject({ reason: 'refused', attempts: 1 });
  });
});
