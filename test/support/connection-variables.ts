import { vi } from 'vitest';

/** Every variable `check` reads connection settings from: `DATABASE_URL` and libpq's `PG*`. */
export const CONNECTION_VARIABLES = [
  'DATABASE_URL',
  'PGHOST',
  'PGHOSTADDR',
  'PGPORT',
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'PGSSLROOTCERT',
] as const;

/**
 * Empties them for the current test, so the settings of the machine running the tests cannot
 * leak in. `vi.unstubAllEnvs()` restores them.
 */
export function clearConnectionVariables(): void {
  for (const name of CONNECTION_VARIABLES) vi.stubEnv(name, '');
}
