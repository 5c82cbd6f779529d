import { chmod, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePassword } from '../../runtime/password.js';
import type { RoleConvergeReport } from '../../runtime/roles/converge.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { LocalConnection } from './connection-url.js';
import type { LocalStatePaths } from './paths.js';
import { checkLocalCommand, localCommand } from './printed-commands.js';
import { LOCAL_ROLE_USERS, type LocalRole } from './role-names.js';
import { readTextIfExists } from './fs-errors.js';

/** The roles the role SQL adds: they log in with IAM on RDS, with these passwords locally. */
type AddedRole = Exclude<LocalRole, 'admin'>;
const ADDED_ROLES: readonly AddedRole[] = ['app', 'migrator'];

/** `<state>/app-password`, `<state>/migrator-password`: mode 0600, beside the admin's `password`. */
export function rolePasswordFile(paths: LocalStatePaths, role: AddedRole): string {
  return path.join(paths.root, `${role}-password`);
}

export function rolePasswordFiles(paths: LocalStatePaths): string[] {
  return ADDED_ROLES.map((role) => rolePasswordFile(paths, role));
}

/**
 * The roles step of `local start`: gives the application and migrator roles a generated
 * password each (kept 0600 in the state folder, created once), then runs the role SQL the
 * deployed database's bootstrap runs, as the master user. Every start runs it, so a database
 * created by an older version is brought up to date in place; it changes only what differs.
 */
export async function ensureLocalRoles(
  admin: LocalConnection,
  paths: LocalStatePaths,
): Promise<RoleConvergeReport> {
  const passwords = {
    app: await ensurePassword(rolePasswordFile(paths, 'app')),
    migrator: await ensurePassword(rolePasswordFile(paths, 'migrator')),
  };
  // Loaded here, not with the module: `local status` and `local url` need none of it.
  const [{ default: pg }, { buildClientConfig }, { convergeRoles, RoleConvergeError }] =
    await Promise.all([
      import('pg'),
      import('../../runtime/client-config.js'),
      import('../../runtime/roles/converge.js'),
    ]);
  const client = new pg.Client(
    buildClientConfig(admin, {
      extraCertificateAuthorities: [admin.caPem],
      connectionTimeoutMillis: 10_000,
      statementTimeoutMillis: 30_000,
      applicationName: 'spendsense-db local',
    }),
  );
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await convergeRoles(client, { passwords });
  } catch (error) {
    if (error instanceof RoleConvergeError) {
      throw new CliError(
        `The local database is running, but its roles could not be set up. ${error.message}`,
        ExitCode.ReadinessFailed,
        `See ${paths.logFile}; \`${localCommand('stop', paths.root)}\` then \`${localCommand('start', paths.root)}\` runs the role setup again.`,
      );
    }
    throw new CliError(
      `The local database is running, but connecting as ${admin.user} to set up its roles failed: ${error instanceof Error ? error.message : String(error)}.`,
      ExitCode.ReadinessFailed,
      `See ${paths.logFile}; \`${checkLocalCommand(paths.root)}\` diagnoses the connection.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** How to connect to the local database as `role`: the admin's connection with another user. */
export async function localConnectionAs(
  admin: LocalConnection,
  paths: LocalStatePaths,
  role: LocalRole,
): Promise<LocalConnection> {
  if (role === 'admin') return admin;
  const password = await readPassword(rolePasswordFile(paths, role));
  if (password === undefined) {
    throw new CliError(
      `The local database has no ${LOCAL_ROLE_USERS[role]} role yet (it was created by an older spendsense-db).`,
      ExitCode.LocalNotRunning,
      `Run \`${localCommand('start', paths.root)}\`: it adds the roles to the existing database, keeping its data.`,
    );
  }
  return { ...admin, user: LOCAL_ROLE_USERS[role], password };
}

/** The password in `file`, created (0600) when there is none; the mode is repaired if wrong. */
async function ensurePassword(file: string): Promise<string> {
  const existing = await readPassword(file);
  if (existing !== undefined) return existing;
  const password = generatePassword();
  try {
    // `wx`: of two starts racing, the second keeps the first one's password.
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readPassword(file);
    if (raced !== undefined) return raced;
    await writeFile(file, `${password}\n`, { mode: 0o600 });
  }
  await chmod(file, 0o600);
  return password;
}

async function readPassword(file: string): Promise<string | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const password = text.trim();
  return password === '' ? undefined : password;
}
