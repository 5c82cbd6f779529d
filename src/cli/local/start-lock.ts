import { open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../exit-codes.js';
import { errnoCode, fileOperationError } from './fs-errors.js';

/** A lock still empty this young is being written by its creator, not abandoned. */
const WRITING_GRACE_MILLIS = 5_000;
/** A takeover takes milliseconds; a takeover file this old was left by a process that died in it. */
const TAKEOVER_STALE_MILLIS = 10_000;
/** How long a start waits for another one's takeover of a stale lock to finish. */
const TAKEOVER_WAIT_MILLIS = 5_000;

export interface StartLockOptions {
  /** Written into the lock. @default process.pid */
  readonly pid?: number;
  /** @default - signal 0: the process exists (EPERM counts: it belongs to another user) */
  readonly isAlive?: (pid: number) => boolean;
  /**
   * Called after a stale holder was read and before it is taken over: lets a test interleave two
   * starts deterministically.
   */
  readonly afterStaleHolderRead?: () => Promise<void>;
}

/** Who holds the lock, as read from the file. */
interface Holder {
  readonly pid: number | undefined;
  readonly ageMillis: number;
}

/**
 * Takes the start lock of a state folder: a file created exclusively, holding our pid. Returns
 * the function that releases it (removing the file only while it is still ours).
 *
 * A lock left by a process that no longer exists is taken over, and two starts may find the same
 * stale lock at once: each would remove it and create its own, and the slower one would remove
 * the faster one's fresh lock. So a takeover happens only under a second, short-lived lock
 * (`start.lock.takeover`), and only after reading again, under it, that the lock is still stale.
 */
export async function acquireStartLock(
  lockFile: string,
  options: StartLockOptions = {},
): Promise<() => Promise<void>> {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? processExists;
  const folder = path.dirname(lockFile);
  const deadline = Date.now() + TAKEOVER_WAIT_MILLIS;
  for (;;) {
    if (await createLock(lockFile, pid, folder)) return () => releaseLock(lockFile, pid);
    const holder = await readHolder(lockFile, folder);
    if (holder === undefined) continue; // released between our two looks: try again
    if (holds(holder, isAlive)) throw busy(holder, lockFile);
    await options.afterStaleHolderRead?.();
    const releaseTakeover = await takeTakeoverLock(`${lockFile}.takeover`, folder);
    if (releaseTakeover === undefined) {
      if (Date.now() > deadline) throw busy(holder, lockFile);
      await sleep(25);
      continue;
    }
    try {
      // Under the takeover lock nobody else removes the lock file, and nobody can create one
      // while it exists: if it is (still) stale now, removing it cannot remove a fresh lock.
      const again = await readHolder(lockFile, folder);
      if (again !== undefined && !holds(again, isAlive)) await rm(lockFile, { force: true });
    } finally {
      await releaseTakeover();
    }
  }
}

function holds(holder: Holder, isAlive: (pid: number) => boolean): boolean {
  if (holder.pid === undefined) return holder.ageMillis < WRITING_GRACE_MILLIS;
  return isAlive(holder.pid);
}

function busy(holder: Holder, lockFile: string): CliError {
  const who = holder.pid === undefined ? '' : ` (pid ${holder.pid})`;
  return new CliError(
    `Another \`spendsense-db local start\`${who} is starting this database right now.`,
    ExitCode.LocalAlreadyRunning,
    `Wait for it to finish, then check with \`npx spendsense-db local status --state-dir ${path.dirname(lockFile)}\`.`,
  );
}

/** Creates the lock with our pid in it; false when it exists already. */
async function createLock(lockFile: string, pid: number, folder: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockFile, 'wx', 0o600);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw fileOperationError(error, 'creating the start lock', lockFile, folder);
  }
  try {
    await handle.writeFile(`${pid}\n`);
  } catch (error) {
    await handle.close();
    await rm(lockFile, { force: true });
    throw fileOperationError(error, 'writing the start lock', lockFile, folder);
  }
  await handle.close();
  return true;
}

/** The lock's holder; undefined when there is no lock file (any more). */
async function readHolder(lockFile: string, folder: string): Promise<Holder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    const pid = Number.parseInt(text, 10);
    return {
      pid: /^\d+\n?$/.test(text) && pid > 0 ? pid : undefined,
      ageMillis: Date.now() - info.mtimeMs,
    };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fileOperationError(error, 'reading the start lock', lockFile, folder);
  }
}

async function releaseLock(lockFile: string, pid: number): Promise<void> {
  const text = await readFile(lockFile, 'utf8').catch(() => undefined);
  if (text?.trim() === String(pid)) await rm(lockFile, { force: true });
}

/**
 * The takeover lock: undefined while another start holds it. One left by a process that died
 * during its few milliseconds of takeover is removed once it is clearly old.
 */
async function takeTakeoverLock(
  file: string,
  folder: string,
): Promise<(() => Promise<void>) | undefined> {
  try {
    const handle = await open(file, 'wx', 0o600);
    await handle.close();
    return () => rm(file, { force: true });
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') {
      throw fileOperationError(error, 'creating the start lock', file, folder);
    }
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > TAKEOVER_STALE_MILLIS) {
      await rm(file, { force: true });
    }
    return undefined;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(error) === 'EPERM';
  }
}
