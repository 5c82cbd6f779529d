import { appendFile, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DATABASE_NAME, MASTER_USERNAME } from '../../shared/names.js';
import type { PostgresBinaries } from './binaries.js';
import type { LocalStatePaths } from './paths.js';
import { runProcess } from './run-process.js';
import { clusterSettings, hostBasedAuthentication, SETTINGS_FILE_NAME } from './server-config.js';
import { giveToServerUser, type ServerUser } from './server-user.js';

const INITDB_TIMEOUT_MILLIS = 60_000;

/**
 * Creates the PostgreSQL 15 cluster in `dataInitDir` and moves it to `dataDir` only when it is
 * complete, so an interrupted first start leaves no half-built cluster that looks real.
 * Expects the password file to exist already (initdb reads it: nothing goes on a command line).
 */
export async function initialiseCluster(
  binaries: PostgresBinaries,
  paths: LocalStatePaths,
  user: ServerUser,
): Promise<void> {
  const target = paths.dataInitDir;
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { mode: 0o700 });
  await giveToServerUser(target, user);
  try {
    await runOrFail(
      binaries.initdb,
      [
        `--pgdata=${target}`,
        '--auth=scram-sha-256',
        `--username=${MASTER_USERNAME}`,
        `--pwfile=${paths.passwordFile}`,
        '--encoding=UTF8',
        // ICU collation behaves the same on every machine; the libc locale stays C so nothing
        // depends on the locales installed on the host.
        '--locale-provider=icu',
        '--icu-locale=en-US',
        '--locale=C',
        // Flushing a cluster that holds no data yet costs most of the first start; if the
        // machine crashes in the next seconds, `local reset` rebuilds it just as well.
        '--no-sync',
      ],
      user,
      paths.root,
    );
    // Single-user mode needs no network and no password: the database exists before the
    // server ever accepts a connection.
    await runOrFail(
      binaries.postgres,
      ['--single', '-D', target, '-c', 'fsync=off', 'postgres'],
      user,
      paths.root,
      `CREATE DATABASE ${DATABASE_NAME};\n`,
    );
    await appendFile(path.join(target, 'postgresql.conf'), `\ninclude '${SETTINGS_FILE_NAME}'\n`);
    await writeServerSettings(target, user);
    await rename(target, paths.dataDir);
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
}

async function runOrFail(
  command: string,
  args: readonly string[],
  user: ServerUser,
  cwd: string,
  input?: string,
): Promise<void> {
  const result = await runProcess(command, args, {
    user,
    cwd,
    timeoutMillis: INITDB_TIMEOUT_MILLIS,
    ...(input !== undefined && { input }),
  });
  if (result.exitCode !== 0) {
    const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${path.basename(command)} failed (exit ${result.exitCode}): ${output}`);
  }
}

/** Writes our settings file and pg_hba.conf into a data folder, owned by the server user. */
export async function writeServerSettings(dataDir: string, user: ServerUser): Promise<void> {
  await writeServerFile(path.join(dataDir, SETTINGS_FILE_NAME), clusterSettings(), user);
  await writeServerFile(path.join(dataDir, 'pg_hba.conf'), hostBasedAuthentication(), user);
}

async function writeServerFile(file: string, text: string, user: ServerUser): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
  await giveToServerUser(file, user);
}
