import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { queryOnce } from './query.js';

/**
 * How a test connects to a database `spendsense-db local` made in `folder`, as the admin user:
 * the password and the CA are read from the folder at each call (a start may have changed them).
 */
export async function localClientConfig(folder: string, port: number): Promise<pg.ClientConfig> {
  return buildClientConfig(
    {
      host: 'localhost',
      port,
      database: 'spendsense',
      user: 'spendsense_admin',
      password: (await readFile(path.join(folder, 'password'), 'utf8')).trim(),
    },
    { extraCertificateAuthorities: [await readFile(path.join(folder, 'tls', 'ca.pem'), 'utf8')] },
  );
}

/** Runs one statement on that database. */
export async function queryLocal<T>(folder: string, port: number, sql: string): Promise<T[]> {
  return queryOnce<T>(await localClientConfig(folder, port), sql);
}
