import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compareMigrationFileNames } from 'node-pg-migrate/utils/comparators';
import { MigrationError } from './errors.js';

/**
 * A migration file's name: a numeric prefix that orders it (`create` writes the UTC time,
 * `20261203115200000`), an underscore, then lower-case letters, digits and underscores.
 */
export const MIGRATION_FILE_NAME = /^(\d{1,17})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;

/** The marker that splits a file into its up and down parts (node-pg-migrate's SQL format). */
const UP_MARKER = /^\s*--[\s-]*up\s+migration/im;
const DOWN_MARKER = /^\s*--[\s-]*down\s+migration/im;

/**
 * The explicit opt-out of the transaction a migration otherwise runs in, for statements that
 * cannot run in one (`CREATE INDEX CONCURRENTLY`): a line of its own before the up marker.
 */
export const NO_TRANSACTION_MARKER = /^\s*--\s*spendsense:no-transaction\s*$/im;

export interface MigrationFile {
  /** The file name without `.sql`: what the history records, and the schema version. */
  readonly name: string;
  readonly path: string;
  /** SHA-256 of the file's bytes, hex. */
  readonly checksum: string;
  readonly upSql: string;
  /** `undefined` when the file has no down part: `migrate down` then refuses it. */
  readonly downSql: string | undefined;
  /** Declared with {@link NO_TRANSACTION_MARKER}. */
  readonly transaction: boolean;
}

/**
 * The migration files of `directory`, in the order they apply (node-pg-migrate's order). Any
 * other `.sql` file is refused, never skipped: a migration silently left out would leave a gap.
 * Other files (a README) are ignored.
 */
export async function readMigrationFiles(directory: string): Promise<MigrationFile[]> {
  return readMigrationFilesSync(directory);
}

/** {@link readMigrationFiles} for synth, which is synchronous. A few small files. */
export function readMigrationFilesSync(directory: string): MigrationFile[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    throw new MigrationError(
      'no-migrations-folder',
      `The migrations folder ${directory} cannot be read (${(error as { code?: string }).code ?? String(error)}).`,
    );
  }
  const names = entries.filter((entry) => entry.toLowerCase().endsWith('.sql'));
  const misnamed = names.filter((entry) => !MIGRATION_FILE_NAME.test(entry));
  if (misnamed.length > 0) {
    throw new MigrationError(
      'bad-file-name',
      `Migration file names must be <number>_<lower_case_words>.sql; these are not: ${misnamed.join(', ')}.`,
    );
  }
  const sorted = names.toSorted((a, b) => compareMigrationFileNames(a, b, silent));
  const files: MigrationFile[] = [];
  for (const [index, fileName] of sorted.entries()) {
    const previous = sorted[index - 1];
    if (previous !== undefined && prefixOf(previous) === prefixOf(fileName)) {
      throw new MigrationError(
        'bad-file-name',
        `${previous} and ${fileName} have the same number, so their order is undefined. Renumber the one not yet applied anywhere.`,
      );
    }
    const filePath = path.join(directory, fileName);
    const bytes = readFileSync(filePath);
    files.push(parseMigration(fileName.slice(0, -'.sql'.length), filePath, bytes));
  }
  return files;
}

function prefixOf(fileName: string): string {
  return BigInt(MIGRATION_FILE_NAME.exec(fileName)?.[1] ?? '0').toString();
}

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function parseMigration(name: string, filePath: string, bytes: Buffer): MigrationFile {
  const content = bytes.toString('utf8');
  const up = content.search(UP_MARKER);
  const down = content.search(DOWN_MARKER);
  if (up === -1) {
    throw new MigrationError(
      'bad-file',
      `Migration ${name} has no "-- Up Migration" line: write the change after it, and how to undo it after "-- Down Migration".`,
      { migration: name },
    );
  }
  if (down !== -1 && down < up) {
    throw new MigrationError(
      'bad-file',
      `Migration ${name} has its "-- Down Migration" part before its "-- Up Migration" part: put the up part first.`,
      { migration: name },
    );
  }
  const upSql = content.slice(up, down === -1 ? undefined : down);
  const downSql = down === -1 ? undefined : content.slice(down);
  const transaction = !NO_TRANSACTION_MARKER.test(content.slice(0, up));
  return {
    name,
    path: filePath,
    checksum: createHash('sha256').update(bytes).digest('hex'),
    upSql,
    downSql: downSql !== undefined && hasStatements(downSql) ? downSql : undefined,
    transaction,
  };
}

/** Anything besides comments and blanks. */
function hasStatements(sql: string): boolean {
  return sql.replace(/--[^\n]*/g, '').trim() !== '';
}

/**
 * One hash of every migration's name and content, in order: the bootstrap custom resource's
 * `MigrationsHash` property (computed at synth from `migrations/`) and what the deployed function
 * computes from the copy bundled with it; a change of either runs the bootstrap again.
 */
export function migrationsHash(files: readonly Pick<MigrationFile, 'name' | 'checksum'>[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.name}\0${file.checksum}\n`);
  return hash.digest('hex');
}

/** The name `create <name>` gives a new migration: the UTC time to the millisecond, then the name. */
export function newMigrationFileName(name: string, now: Date): string {
  if (!/^[a-z0-9]+(?:_[a-z0-9]+)*$/.test(name) || name.length > 100) {
    throw new MigrationError(
      'bad-name',
      `A migration name is lower-case letters, digits and single underscores (at most 100 characters), such as add_transactions_table. Got ${JSON.stringify(name.slice(0, 120))}.`,
    );
  }
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 17);
  return `${stamp}_${name}.sql`;
}

/** What `create` writes: the two parts, and the explicit way out of the transaction. */
export const MIGRATION_TEMPLATE = `-- Runs in one transaction, as spendsense_migrator, with lock_timeout and statement_timeout set.
-- A statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY) needs its own
-- migration, holding only that statement, with this line first:
--   -- spendsense:no-transaction
-- See docs/migrations.md (expand/contract: never break the functions running now).

-- Up Migration


-- Down Migration

`;
