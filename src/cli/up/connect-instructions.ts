import type { LocalConnection } from '../local/connection-url.js';
import { APPLICATION_SCHEMA } from '../../shared/names.js';
import { localConnectionUrl, localConnectionUrlWithoutPassword } from '../local/connection-url.js';
import { checkLocalCommand, localCommand } from '../local/printed-commands.js';
import { shellQuote } from '../ui/shell-command.js';

/**
 * How to connect to the local database with psql, DATABASE_URL and node-postgres. The password
 * never appears, and no command puts it on a command line (which every user of the machine can
 * read in the process list): each way reads it from the password file when it runs. Every
 * command names the state folder when it is not the default one, so it works as printed.
 */
export function connectInstructions(
  connection: LocalConnection,
  paths: { readonly root: string; readonly passwordFile: string },
  app: LocalConnection,
): string {
  const masked = localConnectionUrl(connection, { reveal: false });
  const passwordFile = shellQuote(paths.passwordFile);
  const urlCommand = localCommand('url', paths.root, '--reveal');
  return [
    `Local PostgreSQL 15 is ready: ${masked}`,
    '',
    `Application code connects as ${app.user}, like SpendSense Lambdas (DML on the ${APPLICATION_SCHEMA} schema):`,
    `  ${localConnectionUrl(app, { reveal: false })}`,
    `  export SPENDSENSE_DB_URL="$(${localCommand('url', paths.root, '--as', 'app', '--reveal')})"`,
    '',
    'psql as the master user (the password comes from the password file, not the command line):',
    `  PGPASSWORD="$(cat ${passwordFile})" psql ${shellQuote(localConnectionUrlWithoutPassword(connection))}`,
    '',
    'DATABASE_URL (for tools that read it):',
    `  export DATABASE_URL="$(${urlCommand})"`,
    '',
    'node-postgres (TLS verified against the local CA):',
    "  import { readFileSync } from 'node:fs';",
    "  import pg from 'pg';",
    '  const client = new pg.Client({',
    `    host: '${connection.host}', port: ${connection.port}, database: '${connection.database}', user: '${connection.user}',`,
    `    password: readFileSync('${paths.passwordFile}', 'utf8').trim(),`,
    `    ssl: { ca: readFileSync('${connection.caPath}', 'utf8') },`,
    '  });',
    '  (inside SpendSense code, use buildClientConfig from src/runtime/client-config.ts',
    '   with extraCertificateAuthorities: [the CA above])',
    '',
    `The password is masked above; \`${urlCommand}\` prints the whole URL.`,
    `Check it again with \`${checkLocalCommand(paths.root)}\`; stop it with \`${localCommand('stop', paths.root)}\`.`,
    '',
  ].join('\n');
}
