import type { TestProject } from 'vitest/node';
import { startTestPostgres, type TestPostgres } from './postgres.js';

/**
 * Connection facts of the PostgreSQL 15 shared by the whole test run (started once, in
 * vitest's globalSetup). For tests that do not change server state; a test that stops the
 * server, fills its connections or changes settings starts its own with `startTestPostgres`.
 */
export type SharedPostgres = Pick<
  TestPostgres,
  'host' | 'port' | 'database' | 'user' | 'password' | 'caPem' | 'caPath'
> & {
  /** libpq URL with `sslmode=verify-full&sslrootcert=<caPath>`, password included. */
  readonly url: string;
};

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: SharedPostgres;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTestPostgres();
  project.provide('postgres', {
    host: postgres.host,
    port: postgres.port,
    database: postgres.database,
    user: postgres.user,
    password: postgres.password,
    caPem: postgres.caPem,
    caPath: postgres.caPath,
    url: postgres.url(),
  });
  return () => postgres.destroy();
}
