import pg from 'pg';
import { runner, type MigrationBuilder, type RunnerOption } from 'node-pg-migrate';
import {
  APPLICATION_SCHEMA,
  CHECKSUMS_TABLE,
  MIGRATIONS_SCHEMA,
  MIGRATIONS_TABLE,
  MIGRATOR_USERNAME,
  NO_SCHEMA_VERSION,
} from '../../shared/names.js';
import { errorCode } from '../classify-error.js';
import { redactConnectionStrings } from '../redact.js';
import { describeSqlState } from '../sqlstate.js';
import { MigrationError } from './errors.js';
import { type MigrationFile, readMigrationFiles } from './files.js';
import { type AppliedMigration, readAppliedMigrations } from './history.js';

/**
 * The key of the session-level advisory lock every run holds from its checks to its last
 * migration, so two runs (two laptops, a deploy and an operator) never interleave. Apart from
 * the role SQL's lock and node-pg-migrate's own (which this runner does not use: it fails at
 * once instead of waiting).
 */
export const MIGRATIONS_LOCK = 7_310_225_011;

export interface MigrationLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface MigrateOptions {
  /** The folder holding the migration files. */
  readonly directory: string;
  readonly direction: 'up' | 'down';
  /** @default - up: every pending migration; down: 1 */
  readonly count?: number;
  /**
   * How long to wait for another run to finish before giving up.
   * @default 30000
   */
  readonly lockWaitMillis?: number;
  /**
   * `lock_timeout` of every migration statement: one waiting on a lock the application holds
   * fails instead of queueing the application's own queries behind it.
   * @default 5000
   */
  readonly lockTimeoutMillis?: number;
  /** `statement_timeout` of every migration statement. @default 60000 */
  readonly statementTimeoutMillis?: number;
  /** @default - silent */
  readonly logger?: MigrationLogger;
}

export interface MigrateResult {
  /** The migrations run, in the order they ran (down: last applied first). */
  readonly ran: readonly string[];
  /** The last migration applied afterwards, or `none`. */
  readonly version: string;
}

const silent: MigrationLogger = { info: () => undefined, warn: () => undefined };

/**
 * Applies (`up`) or undoes (`down`) migrations with node-pg-migrate on `client`, a session the
 * caller opened and closes. Runs as `spendsense_migrator` (a session logged in as another user
 * that may act as it, the master user at deploy time, switches to it with SET ROLE), under
 * {@link MIGRATIONS_LOCK}, each migration in its own transaction unless its file opts out.
 * Refuses before running anything: an applied migration whose file changed or is gone, a new
 * file ordered before an applied one, `down` past the first migration. A failed migration is
 * rolled back; those before it stay applied.
 */
export async function migrate(
  client: pg.ClientBase,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const logger = options.logger ?? silent;
  const files = await readMigrationFiles(options.directory);
  await actAsMigrator(client);
  await holdLock(client, options.lockWaitMillis ?? 30_000);
  try {
    await setTimeouts(client, options);
    await ensureChecksums(client);
    const applied = await readAppliedMigrations(client);
    await checkHistory(client, files, applied, logger);
    const plan = planRun(options, files, applied);
    // Nothing to log: every caller reports the result (`migrations: none pending`).
    if (plan.length === 0) {
      return { ran: [], version: applied.at(-1)?.name ?? NO_SCHEMA_VERSION };
    }
    for (const file of plan) {
      logger.info(`${options.direction === 'up' ? 'Applying' : 'Undoing'} ${file.name}`);
    }
    try {
      await runner(runnerOptions(client, options, files, logger));
    } catch (error) {
      // A failed statement leaves its transaction open and aborted: end it before anything else.
      await client.query('rollback').catch(() => undefined);
      const after = await readAppliedMigrations(client).catch(() => undefined);
      throw failedMigration(error, options.direction, plan, after ?? applied);
    }
    const after = await readAppliedMigrations(client);
    return { ran: plan.map((file) => file.name), version: after.at(-1)?.name ?? NO_SCHEMA_VERSION };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATIONS_LOCK]).catch(() => undefined);
  }
}

/** Logged in as the migrator, or switched to it; anything else is not set up for migrations. */
async function actAsMigrator(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ current: string; schema: boolean }>(
    'select current_user as current, to_regnamespace($1) is not null as schema',
    [MIGRATIONS_SCHEMA],
  );
  if (rows[0]?.current !== MIGRATOR_USERNAME) {
    try {
      await client.query(`SET ROLE ${client.escapeIdentifier(MIGRATOR_USERNAME)}`);
    } catch (error) {
      throw new MigrationError(
        'not-bootstrapped',
        `Migrations run as ${MIGRATOR_USERNAME}, and ${rows[0]?.current ?? 'this user'} cannot act as it (${sqlFailure(error)}): the database roles are missing, or the user is not the master user. Connect as ${MIGRATOR_USERNAME}, or set the roles up first (a local start locally, a deploy on AWS).`,
        { code: errorCode(error), cause: error },
      );
    }
  }
  if (rows[0]?.schema !== true) {
    throw new MigrationError(
      'not-bootstrapped',
      `The database has no ${MIGRATIONS_SCHEMA} schema, where the migration history lives: its roles were set up by an older version. A local start (locally) or a deploy (on AWS) brings them up to date.`,
    );
  }
}

async function holdLock(client: pg.ClientBase, waitMillis: number): Promise<void> {
  const wait = Math.max(1, Math.round(waitMillis));
  // The wait is bounded by lock_timeout; a shorter statement_timeout of the session (the
  // bootstrap's master session has one) must not cut it short with a less clear error.
  await client.query(`set lock_timeout = ${wait}`);
  await client.query(`set statement_timeout = ${wait + 1000}`);
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATIONS_LOCK]);
  } catch (error) {
    if (errorCode(error) === '55P03' || errorCode(error) === '57014') {
      throw new MigrationError(
        'locked',
        `Another migration run holds the migrations lock (advisory lock ${MIGRATIONS_LOCK}) and did not finish within ${waitMillis} ms. Wait for it to end (a deploy, or another \`migrate\`), then run again.`,
        { code: '55P03' },
      );
    }
    throw error;
  }
}

async function setTimeouts(client: pg.ClientBase, options: MigrateOptions): Promise<void> {
  const lockTimeout = Math.max(1, Math.round(options.lockTimeoutMillis ?? 5000));
  const statementTimeout = Math.max(1, Math.round(options.statementTimeoutMillis ?? 60_000));
  await client.query(`set lock_timeout = ${lockTimeout}`);
  await client.query(`set statement_timeout = ${statementTimeout}`);
}

async function ensureChecksums(client: pg.ClientBase): Promise<void> {
  await client.query(
    `create table if not exists "${MIGRATIONS_SCHEMA}"."${CHECKSUMS_TABLE}" (
       name varchar(255) primary key,
       sha256 char(64) not null,
       recorded_at timestamptz not null default now())`,
  );
}

/**
 * The history must be a prefix of the files, with the same content: otherwise the database
 * and the repository disagree about what the schema is, and nothing runs.
 */
async function checkHistory(
  client: pg.ClientBase,
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  logger: MigrationLogger,
): Promise<void> {
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const [index, migration] of applied.entries()) {
    const file = byName.get(migration.name);
    if (file === undefined) {
      throw new MigrationError(
        'order',
        `Migration ${migration.name} was applied to this database but has no file in the migrations folder (deleted or renamed). Restore the file as it was; to change the schema, add a new migration.`,
        { migration: migration.name },
      );
    }
    const expected = files[index];
    if (expected !== undefined && expected.name !== migration.name) {
      throw new MigrationError(
        'order',
        `Migration ${expected.name} is not applied but sorts before ${migration.name}, which is: a gap or a reordering. Give the new migration a number after the last applied one (\`migrate create\` does), or restore the order.`,
        { migration: expected.name },
      );
    }
    if (migration.checksum === undefined) {
      // Applied without this runner (node-pg-migrate alone): its content is taken as it is now.
      await client.query(
        `insert into "${MIGRATIONS_SCHEMA}"."${CHECKSUMS_TABLE}" (name, sha256) values ($1, $2) on conflict (name) do nothing`,
        [file.name, file.checksum],
      );
      logger.warn(`${file.name} had no recorded checksum; recorded the file's current one.`);
    } else if (migration.checksum !== file.checksum) {
      throw new MigrationError(
        'edited',
        `Migration ${file.name} was edited after it was applied (checksum ${migration.checksum.slice(0, 12)}… when applied, ${file.checksum.slice(0, 12)}… now). Restore the file as it was applied (git shows the change) and put the change in a new migration.`,
        { migration: file.name },
      );
    }
  }
}

function planRun(
  options: MigrateOptions,
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): MigrationFile[] {
  if (options.direction === 'up') {
    const pending = files.slice(applied.length);
    return options.count === undefined ? pending : pending.slice(0, options.count);
  }
  const count = options.count ?? 1;
  if (applied.length === 0 || count > applied.length) {
    throw new MigrationError(
      'nothing-to-undo',
      applied.length === 0
        ? 'No migration is applied: there is nothing to undo (the schema is at version none).'
        : `Undoing ${count} migrations would go past the first: only ${applied.length} are applied (the first is ${applied[0]?.name}).`,
    );
  }
  const byName = new Map(files.map((file) => [file.name, file]));
  const plan = applied
    .slice(-count)
    .toReversed()
    .map((migration) => byName.get(migration.name) as MigrationFile);
  const irreversible = plan.find((file) => file.downSql === undefined);
  if (irreversible !== undefined) {
    throw new MigrationError(
      'nothing-to-undo',
      `Migration ${irreversible.name} has no "-- Down Migration" part, so it cannot be undone. Write a new migration that reverses it instead.`,
      { migration: irreversible.name },
    );
  }
  return plan;
}

function runnerOptions(
  client: pg.ClientBase,
  options: MigrateOptions,
  files: readonly MigrationFile[],
  logger: MigrationLogger,
): RunnerOption {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const record = (file: MigrationFile) =>
    `insert into "${MIGRATIONS_SCHEMA}"."${CHECKSUMS_TABLE}" (name, sha256) values (${client.escapeLiteral(file.name)}, ${client.escapeLiteral(file.checksum)})
       on conflict (name) do update set sha256 = excluded.sha256, recorded_at = now()`;
  const forget = (file: MigrationFile) =>
    `delete from "${MIGRATIONS_SCHEMA}"."${CHECKSUMS_TABLE}" where name = ${client.escapeLiteral(file.name)}`;
  return {
    dbClient: client,
    dir: options.directory,
    // Everything but migration files (a README): readMigrationFiles already refused misnamed .sql.
    ignorePattern: '(?!\\d+_[a-z0-9_]+\\.sql$).*',
    migrationsSchema: MIGRATIONS_SCHEMA,
    migrationsTable: MIGRATIONS_TABLE,
    schema: APPLICATION_SCHEMA,
    createSchema: false,
    createMigrationsSchema: false,
    direction: options.direction,
    count: options.direction === 'up' ? (options.count ?? Infinity) : (options.count ?? 1),
    checkOrder: true,
    // One transaction per migration, so a failure keeps the ones before it.
    singleTransaction: false,
    // Our lock is held already, and waits where node-pg-migrate's fails at once.
    noLock: true,
    decamelize: false,
    // The files as read and checked above, not read again: what ran is what was checked.
    migrationLoaderStrategies: [
      {
        extensions: ['.sql'],
        loader: async (paths) =>
          paths.map((filePath) => {
            const file = byPath.get(filePath);
            if (file === undefined) throw new Error(`${filePath} appeared during the run`);
            return {
              id: filePath,
              filePaths: [filePath],
              actions: {
                up: (pgm: MigrationBuilder) => {
                  if (!file.transaction) pgm.noTransaction();
                  pgm.sql(file.upSql);
                  pgm.sql(record(file));
                },
                down: (pgm: MigrationBuilder) => {
                  if (!file.transaction) pgm.noTransaction();
                  pgm.sql(file.downSql ?? '');
                  pgm.sql(forget(file));
                },
              },
            };
          }),
      },
    ],
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => {
        if (!message.includes('not wrapped in a transaction'))
          logger.warn(redactConnectionStrings(message));
      },
      // The failure itself is reported by the error we throw; node-pg-migrate's copy quotes the SQL.
      error: () => undefined,
    },
  };
}

/** Names the migration that failed: the first of the plan the history does not show done. */
function failedMigration(
  error: unknown,
  direction: 'up' | 'down',
  plan: readonly MigrationFile[],
  after: readonly AppliedMigration[],
): MigrationError {
  const done = new Set(after.map((migration) => migration.name));
  const failed =
    plan.find((file) => (direction === 'up' ? !done.has(file.name) : done.has(file.name))) ??
    plan[0];
  const name = failed?.name ?? 'unknown';
  const code = error instanceof pg.DatabaseError ? errorCode(error) : undefined;
  const version = after.at(-1)?.name ?? NO_SCHEMA_VERSION;
  return new MigrationError(
    'failed',
    `Migration ${name} failed (${direction}) and was rolled back: ${sqlFailure(error)}.${hintFor(code)} The schema is at ${version}.`,
    { migration: name, ...(code !== undefined && { code }), cause: error },
  );
}

function hintFor(code: string | undefined): string {
  if (code === '55P03')
    return ' It waited longer than lock_timeout for a lock another session holds (a long transaction of the application?); run it again when that session is done, or raise --lock-timeout-ms.';
  if (code === '57014') return ' A statement ran longer than statement_timeout.';
  return '';
}

/** `message (SQLSTATE 42601, class 42: syntax error or access rule violation)`, masked. */
function sqlFailure(error: unknown): string {
  const message = redactConnectionStrings(error instanceof Error ? error.message : String(error));
  const code = errorCode(error);
  return error instanceof pg.DatabaseError && code !== undefined
    ? `${message} (${describeSqlState(code)})`
    : message;
}
