/**
 * The one way SpendSense Lambdas reach the database:
 *
 * ```ts
 * import { query } from 'spendsense-database/runtime'; // in this repository: '../../runtime/index.js'
 * const { rows } = await query<{ id: string }>('select id from budgets where owner = $1', [owner]);
 * ```
 *
 * The default database reads the secret named by `SPENDSENSE_DB_SECRET_ID` on first use and
 * keeps one verified-TLS connection for the life of the execution environment.
 */
import type pg from 'pg';
import { createDatabase, type Database } from './database.js';
import { databaseOptionsFromEnvironment } from './database-options.js';

export { createDatabase, Database } from './database.js';
export {
  databaseOptionsFromEnvironment,
  EXTRA_CA_FILE_ENV,
  SECRET_MAX_AGE_ENV,
  type DatabaseLogger,
  type DatabaseOptions,
} from './database-options.js';
export * from './errors.js';
export {
  DEFAULT_SECRET_MAX_AGE_SECONDS,
  parseConnectionSecret,
  secretsManagerSource,
  type SecretReadOptions,
  type SecretSource,
  type SecretsManagerSourceOptions,
} from './secret-source.js';

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
