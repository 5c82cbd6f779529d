import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { localConnectionUrl, type LocalConnection } from '../../src/cli/local/connection-url.js';
import { LocalServer } from '../../src/cli/local/local-server.js';
import { findFreePort } from '../../src/cli/local/ports.js';

/** A real PostgreSQL 15 for tests: TLS required, scram-sha-256, like RDS and `spendsense-db local`. */
export interface TestPostgres {
  /** `127.0.0.1`: named in the server certificate. */
  readonly host: string;
  readonly port: number;
  /** `spendsense` */
  readonly database: string;
  /** `spendsense_admin` (superuser) */
  readonly user: string;
  readonly password: string;
  /** PEM of the local CA that signed the server certificate. */
  readonly caPem: string;
  /** Absolute path of the CA file. */
  readonly caPath: string;
  readonly stateDir: string;
  /** libpq URL with `sslmode=verify-full&sslrootcert=<caPath>`, password included. */
  url(): string;
  /** Stops the server cleanly; the data is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops the server and deletes its state folder. */
  destroy(): Promise<void>;
}

/**
 * node-postgres settings for the server's superuser, the certificate verified against its CA:
 * what a test's own admin client uses.
 */
export function adminClientConfig(
  server: Pick<TestPostgres, 'host' | 'port' | 'database' | 'user' | 'password' | 'caPem'>,
): pg.ClientConfig {
  return {
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    password: server.password,
    ssl: { ca: server.caPem, rejectUnauthorized: true },
  };
}

export interface TestPostgresOptions {
  /** @default 100 */
  readonly maxConnections?: number;
  /** @default - a free port on 127.0.0.1 */
  readonly port?: number;
}

/**
 * Creates and starts an isolated PostgreSQL 15 in a fresh temporary folder, with the same code
 * as `spendsense-db local start`. Durability is off (fsync): the data is thrown away anyway.
 * Always `destroy()` it, in `afterAll` or `finally`.
 */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'spendsense-pg-'));
  const port = options.port ?? (await findFreePort('127.0.0.1'));
  const server = new LocalServer({
    stateDir,
    port,
    host: '127.0.0.1',
    listenAddresses: ['127.0.0.1'],
    maxConnections: options.maxConnections ?? 100,
    durable: false,
  });
  let connection: LocalConnection;
  try {
    connection = (await server.start()).connection;
  } catch (error) {
    await server.reset().catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: connection.password,
    caPem: connection.caPem,
    caPath: connection.caPath,
    stateDir,
    url: () => localConnectionUrl(connection, { reveal: true }),
    stop: async () => {
      await server.stop();
    },
    start: async () => {
      await server.start();
    },
    destroy: async () => {
      try {
        await server.stop();
      } finally {
        await rm(stateDir, { recursive: true, force: true });
      }
    },
  };
}
