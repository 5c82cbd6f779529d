import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from '../exit-codes.js';
import { isRoot } from './server-user.js';

/** Operating-system errors a file operation in the state folder can end with, by cause. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const NOT_ALLOWED = new Set(['EACCES', 'EPERM']);
// EEXIST: a recursive mkdir met a file where a folder of the path should be.
const CANNOT_EXIST = new Set(['ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EISDIR', 'EEXIST']);

/** The errno code of a failed file operation, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A file's text, or undefined when there is no such file; any other failure is thrown. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** True for the errors that mean the device is full (or the user's quota is). */
export function isNoSpace(error: unknown): boolean {
  return NO_SPACE.has(errnoCode(error) ?? '');
}

/**
 * The CliError for a file operation on the local database's state that the operating system
 * refused, named by its real cause: no space left, permission denied, a read-only file system, a
 * path that cannot exist. Anything else is returned unchanged (a bug, reported as such).
 * @param doing what was being done, for the message: `writing the password file`
 * @param target the file or folder it was done to
 * @param folder the state folder, named in hints
 */
export function fileOperationError(
  error: unknown,
  doing: string,
  target: string,
  folder: string,
): unknown {
  if (error instanceof CliError) return error;
  const code = errnoCode(error);
  if (code === undefined) return error;
  if (NO_SPACE.has(code)) {
    return new CliError(
      `No space left on device in ${folder} (${code} while ${doing}).`,
      ExitCode.LocalDiskFull,
      `Free space on the file system that holds ${folder} (\`df -h ${folder}\`), then run the command again; the database's data is kept.`,
      { cause: error },
    );
  }
  if (NOT_ALLOWED.has(code)) {
    return new CliError(
      `Permission denied (${code}) while ${doing}: ${target}.`,
      ExitCode.LocalStateUnusable,
      isRoot()
        ? `Check who owns ${folder} and its parents (\`ls -ld\`).`
        : `Give yourself access to ${folder}: \`chmod u+rwx ${folder}\` if it is yours, \`sudo chown -R "$(id -un)" ${folder}\` if another user owns it (\`ls -ld ${folder}\` shows which); or choose another folder with --state-dir.`,
      { cause: error },
    );
  }
  if (code === 'EROFS') {
    return new CliError(
      `The file system that holds ${folder} is read-only (EROFS while ${doing}).`,
      ExitCode.LocalStateUnusable,
      'Choose a writable folder with --state-dir (or SPENDSENSE_LOCAL_DIR).',
      { cause: error },
    );
  }
  if (CANNOT_EXIST.has(code)) {
    return new CliError(
      `The path ${target} cannot exist (${code} while ${doing}): a part of it is a file, a link loop, or a name too long.`,
      ExitCode.LocalStateUnusable,
      'Choose a folder whose parents are folders with --state-dir (or SPENDSENSE_LOCAL_DIR).',
      { cause: error },
    );
  }
  return error;
}
