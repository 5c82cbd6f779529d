import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  createDatabase,
  type Database,
  DatabaseConnectionError,
  type DatabaseLogger,
} from '../../src/runtime/index.js';
import { backendPid } from '../support/backends.js';
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

function open(options: { maxConnectAttempts?: number; logger?: DatabaseLogger } = {}): Database {
  database = createDatabase({
    secretSource: async () => ({
      url: `postgresql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}`,
      engine: 'postgres',
      host: server.host,
      port: server.port,
      dbname: server.database,
      username: server.user,
      password: server.password,
    }),
    extraCertificateAuthorities: [server.caPem],
    retryBaseDelayMillis: 50,
    retryMaxDelayMillis: 200,
    ...options,
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
  test('backs off and retries, then fails with a clear error while the server stays full', async () => {
    await fillServer();
    const retries: Record<string, unknown>[] = [];
    const db = open({
      maxConnectAttempts: 4,
      logger: { warn: (_message, fields) => retries.push({ ...fields }) },
    });

    const error = await db.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DatabaseConnectionError);
    expect(error).toMatchObject({
      name: 'DatabaseConnectionError',
      reason: 'too-many-connections',
      attempts: 4,
      code: '53300',
    });
    expect((error as Error).message).toContain('no free connection slot');
    expect(retries.map((fields) => fields.attempt)).toEqual([1, 2, 3]);
    expect(retries.every((fields) => fields.reason === 'too-many-connections')).toBe(true);
    // Full jitter: retry n waits somewhere in [0, min(cap, base * 2^(n-1))).
    const ceilings = [50, 100, 200];
    retries.forEach((fields, index) => {
      expect(fields.delayMillis).toBeGreaterThanOrEqual(0);
      expect(fields.delayMillis).toBeLessThan(ceilings[index]!);
    });
    expectNoSecretIn(error, [server.password]);
  });

  test('gets in once a slot frees up during the backoff', async () => {
    await fillServer();
    let turnedAway = 0;
    const db = open({
      maxConnectAttempts: 5,
      logger: {
        // A slot frees up as soon as the first attempt has been turned away.
        warn: () => {
          turnedAway++;
          void fillers.pop()?.end();
        },
      },
    });

    const { rows } = await db.query<{ one: number }>('select 1 as one');

    expect(rows[0]?.one).toBe(1);
    expect(turnedAway).toBeGreaterThanOrEqual(1);
  });
});
