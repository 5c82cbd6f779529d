import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { acquireStartLock } from '../../src/cli/local/start-lock.js';
import { cliErrorOf } from '../support/cli-output.js';

/** Pids the tests pretend are running; every other pid is a process that has exited. */
const RUNNING = new Set([41_001, 41_002]);
const isAlive = (pid: number): boolean => RUNNING.has(pid);
const DEAD_PID = 41_999;

let folder: string;
let lockFile: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-lock-'));
  lockFile = path.join(folder, 'start.lock');
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function holderOf(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

describe('the start lock', () => {
  test('a free folder: the lock is created with our pid and released', async () => {
    const release = await acquireStartLock(lockFile, { pid: 41_001, isAlive });
    expect(await holderOf(lockFile)).toBe('41001');
    expect((await stat(lockFile)).mode & 0o777).toBe(0o600);
    await release();
    await expect(stat(lockFile)).rejects.toThrow(/ENOENT/);
  });

  test('a lock of a running start is respected: LocalAlreadyRunning (41), naming its pid', async () => {
    await writeFile(lockFile, '41002\n');
    const error = await cliErrorOf(acquireStartLock(lockFile, { pid: 41_001, isAlive }));
    expect(error.exitCode).toBe(ExitCode.LocalAlreadyRunning);
    expect(error.message).toContain('(pid 41002)');
    expect(await holderOf(lockFile)).toBe('41002');
  });

  test('a stale lock (its process has exited) is taken over', async () => {
    await writeFile(lockFile, `${DEAD_PID}\n`);
    const release = await acquireStartLock(lockFile, { pid: 41_001, isAlive });
    expect(await holderOf(lockFile)).toBe('41001');
    await release();
  });

  test('two starts finding the same stale lock: one takes it, the other gets 41, and the winner keeps its lock', async () => {
    await writeFile(lockFile, `${DEAD_PID}\n`);
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let stalled: () => void = () => undefined;
    const readStale = new Promise<void>((resolve) => (stalled = resolve));
    // The slow start reads the stale holder, then stalls there until the fast one is done.
    const slow = acquireStartLock(lockFile, {
      pid: 41_002,
      isAlive,
      afterStaleHolderRead: async () => {
        stalled();
        await paused;
      },
    });
    await readStale;
    const releaseFast = await acquireStartLock(lockFile, { pid: 41_001, isAlive });
    expect(await holderOf(lockFile)).toBe('41001');
    resume();
    const error = await cliErrorOf(slow);
    expect(error.exitCode).toBe(ExitCode.LocalAlreadyRunning);
    expect(error.message).toContain('(pid 41001)');
    expect(await holderOf(lockFile)).toBe('41001');
    await releaseFast();
  });

  test('an empty lock being written right now is respected; an old empty one is taken over', async () => {
    await writeFile(lockFile, '');
    expect((await cliErrorOf(acquireStartLock(lockFile, { pid: 41_001, isAlive }))).exitCode).toBe(
      ExitCode.LocalAlreadyRunning,
    );
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile, old, old);
    const release = await acquireStartLock(lockFile, { pid: 41_001, isAlive });
    expect(await holderOf(lockFile)).toBe('41001');
    await release();
  });

  test('a takeover abandoned by a process that died in it does not block later starts', async () => {
    await writeFile(lockFile, `${DEAD_PID}\n`);
    const takeover = `${lockFile}.takeover`;
    await writeFile(takeover, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(takeover, old, old);
    const release = await acquireStartLock(lockFile, { pid: 41_001, isAlive });
    expect(await holderOf(lockFile)).toBe('41001');
    await expect(stat(takeover)).rejects.toThrow(/ENOENT/);
    await release();
  });

  test("release leaves another start's lock alone", async () => {
    const release = await acquireStartLock(lockFile, { pid: 41_001, isAlive });
    await writeFile(lockFile, '41002\n');
    await release();
    expect(await holderOf(lockFile)).toBe('41002');
  });

  test('a state folder the lock cannot be written in: LocalStateUnusable (45), not an internal error', async () => {
    const notAFolder = path.join(folder, 'file');
    await writeFile(notAFolder, '');
    const error = await cliErrorOf(
      acquireStartLock(path.join(notAFolder, 'start.lock'), { pid: 41_001, isAlive }),
    );
    expect(error.exitCode).toBe(ExitCode.LocalStateUnusable);
    expect(error.message).toContain('ENOTDIR while creating the start lock');
  });
});
