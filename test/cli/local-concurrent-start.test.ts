import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { runCli } from '../support/run-cli.js';

const CLI = fileURLToPath(new URL('../../bin/spendsense-db.js', import.meta.url));

/** `spendsense-db <args>` as its own process, as two terminals would run it. */
function cli(
  args: readonly string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ exitCode: typeof code === 'number' ? code : 0, stdout, stderr });
    });
  });
}

/** The pid of a process that has exited: what a start that died leaves in its lock. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '0']);
  return pid as number;
}

describe('two starts at once on a fresh folder with a stale start lock', () => {
  let project: string;
  let folder: string;
  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'spendsense-race-'));
    await chmod(project, 0o755);
    folder = path.join(project, 'state');
    await mkdir(folder, { mode: 0o700 });
    await writeFile(path.join(folder, 'start.lock'), `${deadPid()}\n`);
  });
  afterAll(async () => {
    await runCli(['local', 'stop', '--state-dir', folder]);
    await rm(project, { recursive: true, force: true });
  });

  test('exactly one creates the database; the other is told so; the database works', async () => {
    const port = String(await findFreePort());
    const args = ['local', 'start', '--state-dir', folder, '--port', port, '--json'];
    const runs = await Promise.all([cli(args), cli(args)]);
    for (const run of runs) expect(run.stderr).not.toContain('internal error');
    const created = runs.filter((run) => run.exitCode === 0 && JSON.parse(run.stdout).created);
    expect(created, JSON.stringify(runs.map((run) => run.stderr))).toHaveLength(1);
    const other = runs.find((run) => !created.includes(run));
    // Refused while the first holds the lock, or (if it came after) found the database running.
    if (other?.exitCode === 0) {
      expect(JSON.parse(other.stdout)).toMatchObject({ alreadyRunning: true, created: false });
    } else {
      expect(other?.exitCode).toBe(ExitCode.LocalAlreadyRunning);
    }
    const check = await runCli(['check', '--local', '--state-dir', folder]);
    expect(check.exitCode).toBe(ExitCode.Ok);
  });
});
