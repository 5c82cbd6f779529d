import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { binariesForServerUser, resolveBinaries } from '../../src/cli/local/binaries.js';
import { isRoot, resolveServerUser } from '../../src/cli/local/server-user.js';

const execFileAsync = promisify(execFile);

// Only as root does the server run as another user, who may not reach a private checkout.
describe.runIf(isRoot())(
  'PostgreSQL programs inside a checkout the server user cannot enter',
  () => {
    let base: string;
    let privateNative: string;
    let cacheRoot: string;

    beforeAll(async () => {
      base = await mkdtemp(path.join(os.tmpdir(), 'spendsense-binaries-'));
      // A checkout under a private folder (mode 0700), as in a clone under /root.
      const checkout = path.join(base, 'private');
      await mkdir(checkout, { mode: 0o700 });
      await chmod(checkout, 0o700);
      const real = await resolveBinaries();
      const nativeDir = path.dirname(path.dirname(real.pgCtl));
      privateNative = path.join(checkout, 'pkg', 'native');
      await cp(nativeDir, privateNative, { recursive: true, verbatimSymlinks: true });
      await cp(
        path.join(path.dirname(nativeDir), 'package.json'),
        path.join(checkout, 'pkg', 'package.json'),
      );
      cacheRoot = path.join(base, 'cache');
      await mkdir(cacheRoot, { mode: 0o755 });
      await chmod(base, 0o755);
    });
    afterAll(() => rm(base, { recursive: true, force: true }));

    test('are copied once to a shared folder, from where the server user runs them', async () => {
      const user = await resolveServerUser();
      const inside = {
        initdb: path.join(privateNative, 'bin', 'initdb'),
        pgCtl: path.join(privateNative, 'bin', 'pg_ctl'),
        postgres: path.join(privateNative, 'bin', 'postgres'),
      };
      const usable = await binariesForServerUser(inside, user, cacheRoot);
      expect(path.dirname(path.dirname(usable.postgres)).startsWith(cacheRoot)).toBe(true);
      const { stdout } = await execFileAsync(usable.postgres, ['--version'], {
        uid: user.uid,
        gid: user.gid,
        cwd: '/',
      });
      expect(stdout).toMatch(/PostgreSQL\) 15\./);
      // A second start reuses the copy; programs the server user can run are used in place.
      expect(await binariesForServerUser(inside, user, cacheRoot)).toEqual(usable);
      expect(await binariesForServerUser(usable, user, cacheRoot)).toEqual(usable);
    });
  },
);
