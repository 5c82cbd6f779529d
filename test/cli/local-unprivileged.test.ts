import { readFile } from 'node:fs/promises';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { errorAndHint } from '../support/cli-output.js';
import type { CliRun } from '../support/run-cli.js';
import { unprivilegedCli, type UnprivilegedCli } from '../support/unprivileged.js';

/**
 * The local database as a normal user runs it (the server then runs as that user too): what
 * `status`, `stop` and `start` say when the state folder cannot be read, when the data folder
 * belongs to someone else, and when the system refuses the port. As root these run as a user
 * created for the purpose; they are skipped, with the reason, where that is impossible.
 */
const cli = await unprivilegedCli();
const skipReason = typeof cli === 'string' ? cli : undefined;
if (skipReason !== undefined) console.warn(`skipping the unprivileged-user tests: ${skipReason}`);
const user = cli as UnprivilegedCli;
const isRoot = process.getuid?.() === 0;

const unprivilegedPortsFrom = Number(
  await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => '1024'),
);

describe.skipIf(skipReason !== undefined)('the local database run by a normal user', () => {
  let project: string;
  let folder: string;
  let port: number;
  const local = (...args: string[]): Promise<CliRun> =>
    user.run(['local', ...args, '--state-dir', folder]);

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'spendsense-user-'));
    await chmod(project, 0o755);
    if (isRoot) await chown(project, user.uid, user.gid);
    folder = path.join(project, 'state');
    port = await findFreePort();
    const started = await local('start', '--port', String(port));
    expect(started.exitCode, started.stderr).toBe(ExitCode.Ok);
  }, 120_000);
  afterAll(async () => {
    await user.exec('chmod', ['700', folder]).catch(() => undefined);
    await local('stop');
    await rm(project, { recursive: true, force: true });
  });

  test('an unreadable state folder with the database running: status says unknown, stop and start refuse (45), the server keeps running', async () => {
    await user.exec('chmod', ['000', folder]);
    try {
      const status = await local('status', '--json');
      expect(status.exitCode).toBe(ExitCode.Ok);
      const reported = JSON.parse(status.stdout);
      expect(reported).toMatchObject({ state: 'unknown', running: null, initialised: null });
      expect(reported.problem).toMatch(/Permission denied \(EACCES\)/);
      const table = await local('status');
      expect(table.exitCode).toBe(ExitCode.Ok);
      expect(table.stdout).not.toContain('not created');

      const stop = await local('stop');
      expect(stop.exitCode).toBe(ExitCode.LocalStateUnusable);
      expect(stop.stdout).not.toContain('was not running');
      expect(errorAndHint(stop).hint).toContain(`chmod u+rwx ${folder}`);

      const start = await local('start');
      expect(start.exitCode).toBe(ExitCode.LocalStateUnusable);
      expect(start.stderr).not.toContain('internal error');
      expect(errorAndHint(start).error).toContain('Permission denied (EACCES)');
    } finally {
      await user.exec('chmod', ['700', folder]);
    }
    const status = await local('status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'running', running: true, port });
  });

  test.skipIf(!isRoot)(
    'a data folder owned by root: 45 with the chown that gives it back, never a reset',
    async () => {
      expect((await local('stop')).exitCode).toBe(ExitCode.Ok);
      await chown(path.join(folder, 'data'), 0, 0);
      try {
        const start = await local('start');
        expect(start.exitCode).toBe(ExitCode.LocalStateUnusable);
        const { error, hint } = errorAndHint(start);
        expect(error).toContain(`The data folder ${folder}/data belongs to user id 0, not to you`);
        expect(hint).toContain(`sudo chown -R "$(id -un)" ${folder}/data`);
        expect(hint).not.toContain('reset');
      } finally {
        await chown(path.join(folder, 'data'), user.uid, user.gid);
      }
      expect((await local('start')).exitCode).toBe(ExitCode.Ok);
    },
  );

  test.skipIf(unprivilegedPortsFrom <= 80)(
    'a port below 1024: the system refuses it (46), not "in use by another program"',
    async () => {
      expect((await local('stop')).exitCode).toBe(ExitCode.Ok);
      const start = await local('start', '--port', '80');
      expect(start.exitCode).toBe(ExitCode.LocalCannotListen);
      const { error, hint } = errorAndHint(start);
      expect(error).toContain('does not let PostgreSQL listen on port 80 (EACCES');
      expect(hint).toContain('Ports below 1024 need root');
      expect(hint).toContain(`npx spendsense-db local start --port <n> --state-dir ${folder}`);
      expect((await local('start', '--port', String(port))).exitCode).toBe(ExitCode.Ok);
    },
  );
});
