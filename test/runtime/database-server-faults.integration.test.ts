import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  type CommonDatabaseOptions,
  createDatabase,
  type Database,
  DatabaseConnectionError,
} from '../../src/runtime/index.js';
import { backendPid } from '../support/backends.js';
import { countingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { refusingPort } from '../support/fault-servers.js';
import { adminClientConfig, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { expectNoSecretIn } from './secret-leaks.js';

// Stops the server and fills its connection slots: its own instance, never the shared one.
const MAX_CONNECTIONS = 6;
let server: TestPostgres;
let database: Database | undefined;
const fillers: pg.Client[] = [];

beforeAll(async () => {
  server = await startTestPostgres({ maxConnections: MAX_CONNECTIONS });
});

afterEach(async () => {
  await database?.end();
  database = undefined;
  await Promise.all(fillers.splice(0).map((client) => client.end().catch(() => undefined)));
});

afterAll(async () => {
  await server?.destroy();
});

function open(options: Partial<CommonDatabaseOptions> & { port?: number } = {}): Database {
  const { port = server.port, ...common } = options;
  database = createDatabase({
    secretSource: async () => ({
      url: `postgresql://${server.user}:${server.password}@${server.host}:${port}/${server.database}`,
      engine: 'postgres',
      host: server.host,
      port,
      dbname: server.database,
      username: server.user,
      password: server.password,
    }),
    extraCertificateAuthorities: [server.caPem],
    retryBaseDelayMillis: 50,
    retryMaxDelayMillis: 200,
    ...common,
  });
  return database;
}

function newClient(): pg.Client {
  const client = new pg.Client(adminClientConfig(server));
  client.on('error', () => undefined);
  return client;
}

/** Opens connections until the server answers 53300, keeping every one that got in. */
async function fillServer(): Promise<void> {
  for (let i = 0; i < MAX_CONNECTIONS + 2; i++) {
    const client = newClient();
    try {
      await client.connect();
      fillers.push(client);
    } catch (error) {
      expect(error).toMatchObject({ code: '53300' });
      return;
    }
  }
  throw new Error(`The server accepted more than ${MAX_CONNECTIONS} connections.`);
}

describe('server restart', () => {
  test('refused while down, then the next invocation reconnects on its own', async () => {
    const lines: string[] = [];
    const db = open({
      maxConnectAttempts: 2,
      logger: { warn: (message, fields) => lines.push(JSON.stringify({ message, ...fields })) },
    });
    const before = await backendPid(db);

    await server.stop();
    const whileDown = await db.query('select 1').catch((e: unknown) => e);
    await server.start();
    const after = await backendPid(db);

    expect(whileDown).toBeInstanceOf(DatabaseConnectionError);
    expect(whileDown).toMatchObject({ reason: 'refused', attempts: 2 });
    expect(after).not.toBe(before);
    expect(await backendPid(db)).toBe(after);
    expectNoSecretIn(whileDown, [server.password]);
    expect(lines.join('\n')).not.toContain(server.password);
  });
});

describe('too many connections (53300)', () => {
  let proxy: CountingProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  /** A database reaching the server through a relay that counts connection attempts. */
  async function openCounted(options: Partial<CommonDatabaseOptions> = {}): Promise<Database> {
    proxy = await countingProxy(server);
    return open({ port: proxy.port, maxConnectAttempts: 4, ...options });
  }

  test('one refused attempt, then a typed, retryable error that says so', async () => {
    await fillServer();
    const warnings: string[] = [];
    const db = await openCounted({
      logger: { warn: (message) => warnings.push(message) },
    });

    const error = await db.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DatabaseConnectionError);
    expect(error).toMatchObject({
      name: 'DatabaseConnectionError',
      reason: 'too-many-connections',
      attempts: 1,
      code: '53300',
      retryable: true,
    });
    expect((error as DatabaseConnectionError).retryAfterMillis).toBeGreaterThan(0);
    expect((error as Error).message).toContain('no free connection slot');
    expect(proxy?.connections).toBe(1);
    // No retry within the invocation, despite maxConnectAttempts 4.
    expect(warnings).toEqual([]);
    expectNoSecretIn(error, [server.password]);
  });

  test('while backing off, invocations fail at once without touching the server', async () => {
    await fillServer();
    const db = await openCounted({
      noSlotBackoffBaseMillis: 60_000,
      noSlotBackoffMaxMillis: 60_000,
    });

    const first = await db.query('select 1').catch((e: unknown) => e);
    const later = await Promise.all(
      [1, 2, 3].map(() => db.query('select 1').catch((e: unknown) => e)),
    );
    // A slot is free now, but this environment does not know it and keeps away.
    await fillers.pop()?.end();
    const afterSlotFreed = await db.withClient(async () => undefined).catch((e: unknown) => e);

    expect(first).toMatchObject({ reason: 'too-many-connections', attempts: 1 });
    for (const error of [...later, afterSlotFreed]) {
      expect(error).toBeInstanceOf(DatabaseConnectionError);
      expect(error).toMatchObject({
        reason: 'too-many-connections',
        attempts: 0,
        code: '53300',
        retryable: true,
      });
      const remaining = (error as DatabaseConnectionError).retryAfterMillis ?? 0;
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(60_000);
      expect((error as Error).message).toContain('waits');
      expectNoSecretIn(error, [server.password]);
    }
    expect(proxy?.connections).toBe(1);
  });

  test('after the backoff it tries again, and a connection that succeeds resets it', async () => {
    await fillServer();
    const db = await openCounted({ noSlotBackoffBaseMillis: 40, noSlotBackoffMaxMillis: 40 });

    const refused = (await db
      .query('select 1')
      .catch((e: unknown) => e)) as DatabaseConnectionError;
    await fillers.pop()?.end();
    await sleep((refused.retryAfterMillis ?? 0) + 10);
    const { rows } = await db.query<{ one: number }>('select 1 as one');
    const attemptsBeforeLoss = proxy?.connections;
    // The connection is lost and the server is full again: the next refusal is a first one,
    // with no backoff carried over from before the success.
    await db.end();
    await fillServer();
    const again = await db.query('select 1').catch((e: unknown) => e);

    expect(refused).toMatchObject({ reason: 'too-many-connections', attempts: 1 });
    expect(rows[0]?.one).toBe(1);
    expect(attemptsBeforeLoss).toBe(2);
    expect(again).toMatchObject({ reason: 'too-many-connections', attempts: 1 });
    expect(proxy?.connections).toBe(3);
  });

  test('consecutive refusals lengthen the wait, up to the cap', async () => {
    await fillServer();
    const waits: number[] = [];
    const db = await openCounted({ noSlotBackoffBaseMillis: 20, noSlotBackoffMaxMillis: 80 });

    for (let refusal = 1; refusal <= 4; refusal++) {
      const error = (await db
        .query('select 1')
        .catch((e: unknown) => e)) as DatabaseConnectionError;
      expect(error).toMatchObject({ attempts: 1, reason: 'too-many-connections' });
      waits.push(error.retryAfterMillis ?? -1);
      await sleep((error.retryAfterMillis ?? 0) + 5);
    }

    // Equal jitter: refusal n keeps away for [c/2, c), c = min(80, 20 * 2^(n-1)).
    [20, 40, 80, 80].forEach((ceiling, index) => {
      expect(waits[index]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(waits[index]).toBeLessThan(ceiling);
    });
    expect(proxy?.connections).toBe(4);
  });

  test('other retryable failures are still retried within the invocation', async () => {
    const retries: unknown[] = [];
    const db = open({
      port: await refusingPort(),
      maxConnectAttempts: 3,
      logger: { warn: (_message, fields) => retries.push(fields.attempt) },
    });

    const error = await db.query('select 1').catch((e: unknown) => e);

    expect(error).toMatchObject({ reason: 'refused', attempts: 3, retryable: true });
    expect(retries).toEqual([1, 2]);
  });
});
