import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode, readTextIfExists } from './fs-errors.js';

/**
 * What the data folder's `postmaster.pid` says, checked against the process table. `pg_ctl
 * status` only sends signal 0 to the pid in the file, which succeeds for a postmaster killed
 * with SIGKILL until its parent reaps it (a zombie), and for an unrelated process that got the
 * same pid after a reboot: both would be reported as running while nothing accepts connections.
 */
export type PostmasterState =
  /** No `postmaster.pid`: the server was stopped cleanly (or never started). */
  | { readonly kind: 'stopped' }
  | {
      readonly kind: 'running';
      readonly pid: number;
      /** The port it listens on, from the file. */
      readonly port: number | undefined;
      /** `starting`, `ready`, `stopping`, or `unknown` for a file written before it said. */
      readonly status: string;
    }
  /** The file is left over: its process has exited (a crash, kill -9, a reboot). */
  | { readonly kind: 'exited'; readonly pid: number }
  /** Its process was killed and is a zombie its parent has not reaped yet. */
  | { readonly kind: 'unreaped'; readonly pid: number };

interface PidFile {
  readonly pid: number;
  readonly port: number | undefined;
  readonly status: string;
}

/** Reads `postmaster.pid` (pid on line 1, port on line 4, status on line 8). */
export async function readPostmasterPid(dataDir: string): Promise<PidFile | undefined> {
  const text = await readTextIfExists(path.join(dataDir, 'postmaster.pid'));
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number.parseInt(lines[3] ?? '', 10);
  return {
    pid,
    port: Number.isInteger(port) ? port : undefined,
    status: lines[7]?.trim() || 'unknown',
  };
}

/** The state of the server of `dataDir`; file errors other than a missing file are thrown. */
export async function postmasterState(dataDir: string): Promise<PostmasterState> {
  const file = await readPostmasterPid(dataDir);
  if (file === undefined) return { kind: 'stopped' };
  const processState = await processStateOf(file.pid);
  if (processState === 'gone') return { kind: 'exited', pid: file.pid };
  if (processState === 'zombie') return { kind: 'unreaped', pid: file.pid };
  return { kind: 'running', pid: file.pid, port: file.port, status: file.status };
}

/**
 * Waits, up to `timeoutMillis`, while the server's last process is a zombie: PostgreSQL itself
 * refuses to start while the pid in its lock file exists, even as a zombie.
 */
export async function settledPostmasterState(
  dataDir: string,
  timeoutMillis: number,
): Promise<PostmasterState> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const state = await postmasterState(dataDir);
    if (state.kind !== 'unreaped' || Date.now() >= deadline) return state;
    await sleep(100);
  }
}

/**
 * On Linux, `/proc/<pid>/stat` tells a live postgres from a zombie and from a reused pid; where
 * there is no /proc, signal 0 is all there is.
 */
async function processStateOf(pid: number): Promise<'alive' | 'zombie' | 'gone'> {
  let stat: string | undefined;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && (await hasProcFileSystem())) return 'gone';
  }
  if (stat !== undefined) {
    // "<pid> (<command>) <state> ...": the command may itself hold spaces and parentheses.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return 'zombie';
    return command === 'postgres' ? 'alive' : 'gone';
  }
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (error) {
    return errnoCode(error) === 'EPERM' ? 'alive' : 'gone';
  }
}

let procAvailable: Promise<boolean> | undefined;
function hasProcFileSystem(): Promise<boolean> {
  procAvailable ??= readFile('/proc/self/stat', 'utf8').then(
    () => true,
    () => false,
  );
  return procAvailable;
}
