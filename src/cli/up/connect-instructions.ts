import type { LocalConnection } from '../local/connection-url.js';
import { localConnectionUrl } from '../local/connection-url.js';
import { APPLICATION_SCHEMA } from '../../shared/names.js';

/**
 * How to connect to the local database with psql, DATABASE_URL and node-postgres. The
 * password never appears: each way reads it from the CLI or the password file when it runs.
 */
export function connectInstructions(
  connection: LocalConnection,
  passwordFile: string,
  app: LocalConnection,
): string {
  const masked = localConnectionUrl(connection, { reveal: false });
  return [
    `Local PostgreSQL 15 is ready: ${masked}`,
    '',
    `Application code connects as ${app.user}, like SpendSense Lambdas (DML on the ${APPLICATION_SCHEMA} schema):`,
    `  ${localConnectionUrl(app, { reveal: false })}`,
    '  export SPENDSENSE_DB_URL="$(npx spendsense-db local url --as app --reveal)"',
    '',
    'psql:',
    '  psql "$(npx spendsense-db local url --reveal)"',
    '',
    'DATABASE_URL (for tools that read it):',
    '  export DATABASE_URL="$(npx spendsense-db local url --reveal)"',
    '',
    'node-postgres (TLS verified against the local CA):',
    "  import { readFileSync } from 'node:fs';",
    "  import pg from 'pg';",
    '  const client = new pg.Client({',
    `    host: '${connection.host}', port: ${connection.port}, database: '${connection.database}', user: '${connection.user}',`,
    `    password: readFileSync('${passwordFile}', 'utf8').trim(),`,
    `    ssl: { ca: readFileSync('${connection.caPath}', 'utf8') },`,
    '  });',
    '  (inside SpendSense code, use buildClientConfig from src/runtime/client-config.ts',
    '   with extraCertificateAuthorities: [the CA above])',
    '',
    'The password is masked above; `npx spendsense-db local url --reveal` prints the whole URL.',
    'Stop the database with `npx spendsense-db local stop`.',
    '',
  ].join('\n');
}
