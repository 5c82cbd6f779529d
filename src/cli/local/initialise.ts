import { appendFile, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scramSha256Verifier } from '../../runtime/rotation/scram.js';
import { DATABASE_NAME, MASTER_USERNAME } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { PostgresBinaries } from './binaries.js';
import type { LocalStatePaths } from './paths.js';
import { localCommand } from './printed-commands.js';
import { runProcess, type RunResult } from './run-process.js';
import { clusterSettings, hostBasedAuthentication, SETTINGS_FILE_NAME } from './server-config.js';
import { giveToServerUser, type ServerUser } from './server-user.js';
import { reasonLines } from './start-failure.js';

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
      paths,
    );
    // Single-user mode needs no network and no password: the database exists before the
    // server ever accepts a connection.
    await runOrFail(
      binaries.postgres,
      ['--single', '-D', target, '-c', 'fsync=off', 'postgres'],
      user,
      paths,
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
  paths: LocalStatePaths,
  input?: string,
): Promise<void> {
  const result = await runProcess(command, args, {
    user,
    cwd: paths.root,
    timeoutMillis: INITDB_TIMEOUT_MILLIS,
    ...(input !== undefined && { input }),
  });
  if (result.exitCode !== 0) throw programFailure(path.basename(command), result, paths);
}

/**
 * Names why initdb or single-user postgres failed, from their own words (both outputs, in the
 * order they were written: the cause is usually on stderr, before stdout's last lines).
 */
function programFailure(program: string, result: RunResult, paths: LocalStatePaths): CliError {
  const reasons = reasonLines(result.output);
  const said =
    (reasons.length > 0 ? reasons : result.output.trim().split('\n').slice(-3)).join(' | ') ||
    'no output';
  const what = `${program} failed (exit ${result.exitCode}): ${said}`;
  if (/No space left on device|Disk quota exceeded/i.test(result.output)) {
    return new CliError(
      `No space left on device in ${paths.root}: ${what}.`,
      ExitCode.LocalDiskFull,
      `Free space on the file system that holds ${paths.root} (a new database needs about 40 MB; \`df -h ${paths.root}\`), then run \`${localCommand('start', paths.root)}\` again.`,
    );
  }
  if (/Permission denied|Operation not permitted/i.test(result.output)) {
    return new CliError(
      `${what}.`,
      ExitCode.LocalStateUnusable,
      `The server user must be able to write in ${paths.root}; \`ls -ld ${paths.root}\` shows its owner and mode.`,
    );
  }
  return new CliError(
    `${what}.`,
    ExitCode.LocalStartFailed,
    `Nothing was created; fix what ${program} names and run \`${localCommand('start', paths.root)}\` again.`,
  );
}

/**
 * Sets the master user's password in single-user mode, with the server stopped: how a lost
 * password file is repaired without touching the data. The statement carries the SCRAM
 * verifier, never the password.
 */
export async function setMasterPassword(
  binaries: PostgresBinaries,
  paths: LocalStatePaths,
  user: ServerUser,
  password: string,
): Promise<void> {
  const verifier = scramSha256Verifier(password);
  await runOrFail(
    binaries.postgres,
    ['--single', '-D', paths.dataDir, '-c', 'fsync=off', 'postgres'],
    user,
    paths,
    `ALTER ROLE ${MASTER_USERNAME} PASSWORD '${verifier}';\n`,
  );
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
