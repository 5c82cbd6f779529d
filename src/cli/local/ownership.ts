import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../exit-codes.js';
import type { LocalStatePaths } from './paths.js';
import type { ServerUser } from './server-user.js';

/**
 * PostgreSQL starts only on a data folder owned by its own user, with mode 0700 or 0750, and
 * reads every file in it as that user. A folder copied or touched as root (`sudo cp -r`, a
 * restore) breaks that; nothing in it is damaged. As root the CLI gives everything back to the
 * server user; as a normal user it cannot, and says how.
 * @param repaired told what was changed
 */
export async function ensureOwnership(
  paths: LocalStatePaths,
  user: ServerUser,
  repaired: (what: string) => void,
): Promise<void> {
  const data = await lstat(paths.dataDir);
  if (user.uid === undefined || user.gid === undefined) {
    const me = process.getuid?.();
    if (me !== undefined && data.uid !== me) {
      throw new CliError(
        `The data folder ${paths.dataDir} belongs to user id ${data.uid}, not to you (${me}): PostgreSQL, running as you, cannot use it.`,
        ExitCode.LocalStateUnusable,
        `Give it back, keeping the data: \`sudo chown -R "$(id -un)" ${paths.dataDir}\`.`,
      );
    }
  } else {
    const changed = await chownTree(paths.dataDir, user.uid, user.gid);
    if (changed > 0) {
      repaired(`${changed} file(s) in ${paths.dataDir} did not belong to ${user.name}: given back`);
    }
  }
  const mode = data.mode & 0o777;
  if (mode !== 0o700 && mode !== 0o750) {
    await chmod(paths.dataDir, 0o700);
    repaired(`${paths.dataDir} had mode ${mode.toString(8)}, which PostgreSQL refuses: now 700`);
  }
}

/** Gives every entry under `root` (itself included) to uid:gid; returns how many changed. */
async function chownTree(root: string, uid: number, gid: number): Promise<number> {
  let changed = 0;
  const visit = async (entry: string): Promise<void> => {
    const info = await lstat(entry);
    if (info.uid !== uid || info.gid !== gid) {
      await lchown(entry, uid, gid);
      changed += 1;
    }
    if (info.isDirectory()) {
      for (const child of await readdir(entry)) await visit(path.join(entry, child));
    }
  };
  await visit(root);
  return changed;
}
