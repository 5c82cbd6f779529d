import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { errorAndHint, PROPOSES_RESET } from '../support/cli-output.js';
import { queryLocal } from '../support/local-database.js';
import { runCli } from '../support/run-cli.js';

const execFileAsync = promisify(execFile);

/**
 * A full disk under the state folder, for real: the state folder on a small tmpfs. Needs root
 * (mount); skipped, saying so, elsewhere.
 */
async function mountTmpfs(where: string, size: string): Promise<boolean> {
  await mkdir(where, { recursive: true });
  return execFileAsync('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${size},mode=0755`,
    'tmpfs',
    where,
  ]).then(
    () => true,
    () => false,
  );
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'spendsense-disk-'));
await chmod(scratch, 0o755);
const roomy = path.join(scratch, 'roomy');
const tiny = path.join(scratch, 'tiny');
const mounted =
  process.getuid?.() === 0 && (await mountTmpfs(roomy, '96m')) && (await mountTmpfs(tiny, '12m'));
if (!mounted) console.warn('skipping the full-disk tests: they need root to mount a small tmpfs');

/** Fills the file system that holds `folder` to the last byte. */
async function fill(folder: string): Promise<string> {
  const filler = path.join(folder, 'filler');
  const { bavail, bsize } = await statfs(folder);
  await writeFile(filler, Buffer.alloc(Number(bavail) * Number(bsize))).catch(() => undefined);
  // Whatever is left (metadata rounding): small writes until the device refuses.
  for (let index = 0; index < 1000; index += 1) {
    const more = await writeFile(`${filler}.${index}`, Buffer.alloc(4096)).then(
      () => true,
      () => false,
    );
    if (!more) break;
  }
  return folder;
}

afterAll(async () => {
  if (mounted) {
    await runCli(['local', 'stop', '--state-dir', path.join(roomy, 'state')]);
    await execFileAsync('umount', [roomy]).catch(() => undefined);
    await execFileAsync('umount', [tiny]).catch(() => undefined);
  }
  await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a full disk under the state folder', () => {
  test('first start without room for initdb: "no space left on device in <folder>" (47), nothing half-made', async () => {
    const folder = path.join(tiny, 'state');
    const run = await runCli([
      'local',
      'start',
      '--state-dir',
      folder,
      '--port',
      String(await findFreePort()),
    ]);
    expect(run.exitCode).toBe(ExitCode.LocalDiskFull);
    const { error, hint } = errorAndHint(run);
    expect(error).toContain(`No space left on device in ${folder}`);
    expect(run.stderr).not.toContain('internal error');
    expect(hint).toContain(`df -h ${folder}`);
    expect(PROPOSES_RESET.test(hint)).toBe(false);
    await expect(stat(path.join(folder, 'data'))).rejects.toThrow(/ENOENT/);
    await expect(stat(path.join(folder, 'data.initialising'))).rejects.toThrow(/ENOENT/);
  });

  describe('a database whose disk filled up', () => {
    const folder = path.join(roomy, 'state');
    let port: number;

    beforeAll(async () => {
      port = await findFreePort();
      const started = await runCli([
        'local',
        'start',
        '--state-dir',
        folder,
        '--port',
        String(port),
      ]);
      expect(started.exitCode, started.stderr).toBe(ExitCode.Ok);
      await queryLocal(
        folder,
        port,
        "create table kept (note text); insert into kept values ('survives')",
      );
      expect((await runCli(['local', 'stop', '--state-dir', folder])).exitCode).toBe(ExitCode.Ok);
    });

    test('start says the disk is full (47), not "damaged"; once space is freed every row is there', async () => {
      const fillerDir = path.join(roomy, 'fillers');
      await mkdir(fillerDir);
      await fill(fillerDir);
      const run = await runCli(['local', 'start', '--state-dir', folder]);
      expect(run.exitCode).toBe(ExitCode.LocalDiskFull);
      const { error, hint } = errorAndHint(run);
      expect(error).toContain(`No space left on device in ${folder}`);
      expect(PROPOSES_RESET.test(hint)).toBe(false);
      expect(hint).toMatch(/data is kept/);

      await rm(fillerDir, { recursive: true, force: true });
      const again = await runCli(['local', 'start', '--state-dir', folder]);
      expect(again.exitCode, again.stderr).toBe(ExitCode.Ok);
      const rows = await queryLocal<{ note: string }>(folder, port, 'select note from kept');
      expect(rows).toEqual([{ note: 'survives' }]);
    });
  });
});
