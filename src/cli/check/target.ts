import type { ConnectionTarget } from '../../runtime/client-config.js';

/** Where the connection settings came from, in the order `check` looks. */
export type SourceKind =
  'url-flag' | 'local' | 'secret' | 'DATABASE_URL' | 'PG-variables' | 'env-file';

/** A resolved connection to check. `password` must never be printed. */
export interface CheckTarget extends ConnectionTarget {
  readonly source: SourceKind;
  /** Human-readable origin, such as `--url` or `secret spendsense/dev/database/connection`. */
  readonly sourceLabel: string;
  /** Certificate files named by the source itself (`sslrootcert`, `PGSSLROOTCERT`). */
  readonly caFiles: readonly string[];
  /**
   * The numeric address to connect to instead of resolving `host` (libpq's `hostaddr`); the
   * certificate is still verified against `host`.
   * @default - `host` is resolved and connected to
   */
  readonly hostAddress?: string;
  /**
   * The port the source names (the database's), when `--port` replaced it (a tunnel's local
   * port): IAM tokens are signed for it.
   * @default - `port`
   */
  readonly endpointPort?: number;
  /** Notes about settings the check ignores or overrides, safe to print. */
  readonly notes: readonly string[];
  /** Every secret value that came with the source (password, raw secret text), for redaction. */
  readonly secrets: readonly string[];
}
