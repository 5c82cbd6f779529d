/**
 * The one way SpendSense Lambdas reach the database:
 *
 * ```ts
 * import { query } from 'spendsense-database/runtime'; // in this repository: '../../runtime/index.js'
 * const { rows } = await query<{ id: string }>('select id from budgets where owner = $1', [owner]);
 * ```
 *
 * The default database is configured from the environment (`SPENDSENSE_DB_HOST`...: IAM
 * authentication as `spendsense_app`, a token signed locally for each new connection; or
 * `SPENDSENSE_DB_URL` for the local database) and keeps one verified-TLS connection for the life
 * of the execution environment. It reads no secret. Password mode from the connection secret,
 * for operators' tools, is in `secret-source.ts` (kept apart so a function's bundle carries no
 * Secrets Manager client).
 */
import type pg from 'pg';
import { createDatabase, type Database } from './database.js';
import { databaseOptionsFromEnvironment } from './database-options.js';

export { createDatabase, Database } from './database.js';
export {
  databaseOptionsFromEnvironment,
  EXTRA_CA_FILE_ENV,
  type CommonDatabaseOptions,
  type DatabaseLogger,
  type DatabaseOptions,
  type IamDatabaseOptions,
  type PasswordDatabaseOptions,
  type SecretDatabaseOptions,
} from './database-options.js';
export type { ConnectionTarget } from './client-config.js';
export type { IamAuthenticationOptions } from './credentials/iam-credentials.js';
export { parseConnectionSecret, type ConnectionSecret } from './connection-secret.js';
export * from './errors.js';
export { ScrubbedError } from './scrubbed-cause.js';
export type { SecretReadOptions, SecretSource } from './secret-source.js';
export { DatabaseEnvironment } from '../shared/names.js';

let defaultDatabase: Database | undefined;

/** This environment's database, configured from the environment variables on first use. */
export function getDatabase(): Database {
  defaultDatabase ??= createDatabase(databaseOptionsFromEnvironment());
  return defaultDatabase;
}

/** Runs one statement on this environment's connection: {@link Database.query}. */
export function query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string | pg.QueryConfig,
  values?: unknown[],
): Promise<pg.QueryResult<Row>> {
  return getDatabase().query<Row>(text, values);
}

/** Lends this environment's connection for several statements: {@link Database.withClient}. */
export function withClient<T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  return getDatabase().withClient(work);
}

/**
 * Closes the default database's connection and forgets it and its configuration, as a new
 * execution environment would start. For tests.
 */
export async function resetDatabase(): Promise<void> {
  const database = defaultDatabase;
  defaultDatabase = undefined;
  await database?.end();
}
