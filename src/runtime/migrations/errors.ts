/** What went wrong, for callers that map failures to exit codes or hints. */
export type MigrationErrorKind =
  /** The folder is missing or unreadable. */
  | 'no-migrations-folder'
  /** A `.sql` file whose name is not `<number>_<name>.sql`, or two with the same number. */
  | 'bad-file-name'
  /** A file without its `-- Up Migration` part. */
  | 'bad-file'
  /** `create` with a name that is not a safe file name. */
  | 'bad-name'
  /** An applied migration's file changed since it ran. */
  | 'edited'
  /** An applied migration's file is gone, or a new file sorts before an applied one. */
  | 'order'
  /** Another run holds the migrations lock past the wait. */
  | 'locked'
  /** A migration's SQL failed (syntax, lock_timeout, statement_timeout, ...). */
  | 'failed'
  /** `down` with nothing applied, or a migration without a down part. */
  | 'nothing-to-undo'
  /** The database is not set up for migrations (no roles, no history schema). */
  | 'not-bootstrapped';

/**
 * A migration run refused or failed. The message names the migration and, for SQL failures,
 * the SQLSTATE and its class; it never holds a password (it is built from names and server
 * messages, which quote no credentials).
 */
export class MigrationError extends Error {
  override readonly name: string = 'MigrationError';
  readonly kind: MigrationErrorKind;
  /** The migration concerned, when there is one. */
  readonly migration: string | undefined;
  /** SQLSTATE of the failed statement, when the server gave one. */
  readonly code: string | undefined;
  constructor(
    kind: MigrationErrorKind,
    message: string,
    options: { migration?: string; code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.migration = options.migration;
    this.code = options.code;
  }
}
