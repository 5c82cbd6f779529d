import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';
import { LocalServer } from '../../src/cli/local/local-server.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { queryLocal } from '../support/local-database.js';
import { runCli, type CliRun } from '../support/run-cli.js';

/**
 * `status`, `stop` and `start` tell the truth about a server that was killed: a postmaster
 * killed with SIGKILL stays in the process table as a zombie until its parent reaps it, and
 * `pg_ctl status` (signal 0 to the pid) calls that running while nothing accepts connections.
 */

let project: string;
let folder: string;
let port: number;
/** postmaster.pid as PostgreSQL wrote it at the last start. */
let pidFile: string;

const local = (...args: string[]): Promise<CliRun> =>
  runCli(['local', ...args, '--state-dir', folder]);

async function selectOne(): Promise<number> {
  const [row] = await queryLocal<{ one: number }>(folder, port, 'select 1 as one');
  return row?.one ?? 0;
}

/**
 * A zombie: a killed child of a parent that does not wait for it until told to. Perl (essential
 * on Debian) is the parent, as it never reaps on its own; a shell may reap at any time.
 * Returns its pid and the function that makes the parent reap it.
 */
async function zombie(): Promise<{ pid: number; reap: () => Promise<void>; shell: ChildProcess }> {
  const shell = spawn(
    'perl',
    [
      '-e',
      '$|=1; my $pid=fork; if(!$pid){exec "sleep","600"} print "$pid\\n"; <STDIN>; waitpid($pid,0);',
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  const pid = await new Promise<number>((resolve) =>
    shell.stdout?.once('data', (data: Buffer) => resolve(Number(String(data).trim()))),
  );
  process.kill(pid, 'SIGKILL');
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (/\) Z /.test(stat)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const reap = async (): Promise<void> => {
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    shell.stdin?.end('\n');
    await exited;
  };
  return { pid, reap, shell };
}

/** Writes a postmaster.pid that names `pid`, as a killed server leaves it. */
async function leavePidFile(pid: number): Promise<void> {
  const lines = pidFile.split('\n');
  lines[0] = String(pid);
  await writeFile(path.join(folder, 'data', 'postmaster.pid'), lines.join('\n'));
}

const hasProc = await readFile('/proc/self/stat', 'utf8').then(
  () => true,
  () => false,
);
const hasPerl = await new Promise<boolean>((resolve) =>
  spawn('perl', ['-e', '1'])
    .once('error', () => resolve(false))
    .once('exit', (code) => resolve(code === 0)),
);

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'spendsense-status-'));
  await chmod(project, 0o755);
  folder = path.join(project, 'state');
  port = await findFreePort();
  expect((await local('start', '--port', String(port))).exitCode).toBe(ExitCode.Ok);
  pidFile = await readFile(path.join(folder, 'data', 'postmaster.pid'), 'utf8');
  expect((await local('stop')).exitCode).toBe(ExitCode.Ok);
});
afterAll(async () => {
  await local('stop');
  await rm(project, { recursive: true, force: true });
});
afterEach(async () => {
  await local('stop');
});

describe.skipIf(!hasProc || !hasPerl)(
  'a server killed and not yet reaped (needs /proc and perl)',
  () => {
    test('status says stopped, with what was left; stop says it was not running', async () => {
      const killed = await zombie();
      try {
        await leavePidFile(killed.pid);
        const status = await local('status', '--json');
        expect(status.exitCode).toBe(ExitCode.Ok);
        expect(JSON.parse(status.stdout)).toMatchObject({
          state: 'stopped',
          running: false,
          pid: null,
          problem: `its last server (pid ${killed.pid}) was killed and has not been reaped yet`,
        });
        const stop = await local('stop');
        expect(stop.exitCode).toBe(ExitCode.Ok);
        expect(stop.stdout).toBe(`The local database in ${folder} was not running.\n`);
      } finally {
        await killed.reap();
      }
    });

    test('start waits for the reap instead of saying "already running", then starts it', async () => {
      const killed = await zombie();
      await leavePidFile(killed.pid);
      const reaped = new Promise<void>((resolve) =>
        setTimeout(() => void killed.reap().then(resolve), 700),
      );
      const run = await local('start', '--json');
      await reaped;
      expect(run.exitCode, run.stderr).toBe(ExitCode.Ok);
      expect(JSON.parse(run.stdout)).toMatchObject({ alreadyRunning: false, created: false });
      expect(await selectOne()).toBe(1);
    });

    test('a zombie that is never reaped: LocalServerStuck (49) after a bounded wait, saying why', async () => {
      const killed = await zombie();
      try {
        await leavePidFile(killed.pid);
        const server = new LocalServer({ stateDir: folder, reapWaitMillis: 300 });
        const error = await server.start().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode).toBe(ExitCode.LocalServerStuck);
        expect((error as CliError).message).toContain(
          `(pid ${killed.pid}) was killed and its process has not been reaped`,
        );
      } finally {
        await killed.reap();
      }
    });
  },
);

describe('a server killed with SIGKILL', () => {
  test('the next start starts it (never "already running" while nothing listens), data kept', async () => {
    expect((await local('start')).exitCode).toBe(ExitCode.Ok);
    const pid = Number(
      (await readFile(path.join(folder, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    process.kill(pid, 'SIGKILL');
    const run = await local('start', '--json');
    expect(run.exitCode, run.stderr).toBe(ExitCode.Ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ alreadyRunning: false });
    expect(await selectOne()).toBe(1);
  });

  test('a pid file naming a live process that is not PostgreSQL (a reused pid) is not a running server', async () => {
    await leavePidFile(process.pid);
    const status = await local('status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'stopped', running: false });
    const run = await local('start', '--json');
    expect(run.exitCode, run.stderr).toBe(ExitCode.Ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ alreadyRunning: false });
  });
});

describe('--port cannot apply to a database already running on another port', () => {
  test('start --port <other> while it runs: a usage error naming both ports, nothing changed', async () => {
    expect((await local('start')).exitCode).toBe(ExitCode.Ok);
    const other = await findFreePort();
    const run = await local('start', '--port', String(other));
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(
      `already runs on port ${port}; --port ${other} cannot apply to it`,
    );
    expect(run.stderr).toContain(`npx spendsense-db local stop --state-dir ${folder}`);
    expect(await selectOne()).toBe(1);
    // The same port is not a conflict.
    expect((await local('start', '--port', String(port))).exitCode).toBe(ExitCode.Ok);
  });
});
