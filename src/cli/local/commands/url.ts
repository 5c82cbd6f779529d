import type { Command } from 'commander';
import { CliError, ExitCode } from '../../exit-codes.js';
import { resolveStateDir } from '../paths.js';
import { LOCAL_ROLE_USERS, LOCAL_ROLES, type LocalRole } from '../role-names.js';
import { printJson, STATE_DIR_DESCRIPTION, STATE_DIR_FLAG, type LocalFlags } from './flags.js';

interface UrlFlags extends LocalFlags {
  readonly as: string;
  readonly reveal?: boolean;
  readonly withoutPassword?: boolean;
  readonly json?: boolean;
}

export function registerUrlCommand(local: Command): void {
  local
    .command('url')
    .description(
      'print the libpq connection URL (sslmode=verify-full, sslrootcert=<local CA>), password masked',
    )
    .option(
      '--as <role>',
      `connect as: ${LOCAL_ROLES.map((role) => `${role} (${LOCAL_ROLE_USERS[role]})`).join(', ')}; application code uses app`,
      'admin',
    )
    .option(
      '--reveal',
      'print the password too (for export DATABASE_URL="$(npx spendsense-db local url --reveal)"; never pass it on a command line)',
    )
    .option(
      '--without-password',
      'leave the password out entirely, for a command line (give the password through PGPASSWORD or a password file instead)',
    )
    .option(STATE_DIR_FLAG, STATE_DIR_DESCRIPTION)
    .option('--json', 'print the URL and its parts as JSON')
    .action(async (flags: UrlFlags) => {
      const role = parseRole(flags.as);
      if (flags.reveal === true && flags.withoutPassword === true) {
        throw new CliError(
          '--reveal and --without-password: choose one.',
          ExitCode.Usage,
          '--reveal for a variable (export DATABASE_URL=…), --without-password for a command line.',
        );
      }
      const { LocalServer } = await import('../local-server.js');
      const { localConnectionUrl, localConnectionUrlWithoutPassword } =
        await import('../connection-url.js');
      const { localCommand } = await import('../printed-commands.js');
      const { localConnectionAs } = await import('../roles.js');
      const server = new LocalServer({ stateDir: resolveStateDir(flags.stateDir) });
      const connection = await localConnectionAs(await server.connection(), server.paths, role);
      const url =
        flags.withoutPassword === true
          ? localConnectionUrlWithoutPassword(connection)
          : localConnectionUrl(connection, { reveal: flags.reveal === true });
      if (!(await server.isRunning())) {
        process.stderr.write(
          `warning: the local database is not running; start it with \`${localCommand('start', server.paths.root)}\`.\n`,
        );
      }
      if (flags.json === true) {
        printJson({
          url,
          host: connection.host,
          port: connection.port,
          database: connection.database,
          user: connection.user,
          sslmode: 'verify-full',
          sslrootcert: connection.caPath,
        });
        return;
      }
      process.stdout.write(url + '\n');
    });
}

function parseRole(value: string): LocalRole {
  const role = LOCAL_ROLES.find((candidate) => candidate === value);
  if (role === undefined) {
    throw new CliError(
      `\`--as\` must be one of ${LOCAL_ROLES.join(', ')}. Got ${JSON.stringify(value)}.`,
      ExitCode.Usage,
      'admin is spendsense_admin (operators), app is spendsense_app (application code), migrator is spendsense_migrator (schema changes).',
    );
  }
  return role;
}
