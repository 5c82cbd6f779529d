import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { queryLocal } from '../support/local-database.js';
import { runCli } from '../support/run-cli.js';

/** Runs `spendsense-db local <args> --state-dir <folder>` in this process. */
function local(folder: string, ...args: string[]): ReturnType<typeof runCli> {
  return runCli(['local', ...args, '--state-dir', folder]);
}

async function readPassword(folder: string): Promise<string> {
  return (await readFile(path.join(folder, 'password'), 'utf8')).trim();
}

describe('spendsense-db local: start, status, url, stop, start again, reset', () => {
  let project: string;
  let folder: string;
  let port: number;

  beforeAll(async () => {
    // As in a fresh clone: a readable project folder, and no `.spendsense/` in it yet.
    project = await mkdtemp(path.join(os.tmpdir(), 'spendsense-local-'));
    await chmod(project, 0o755);
    folder = path.join(project, '.spendsense', 'local');
    port = await findFreePort();
  });
  afterAll(async () => {
    await local(folder, 'stop');
    await rm(project, { recursive: true, force: true });
  });

  test('url before the first start: LocalNotRunning (43) with how to create it', async () => {
    const run = await local(folder, 'url');
    expect(run.exitCode).toBe(ExitCode.LocalNotRunning);
    expect(run.stderr).toContain(
      `hint:  Create and start it with \`npx spendsense-db local start --state-dir ${folder}\``,
    );
  });

  test('a first start on a taken port fails (40) before initdb: nothing is created', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ port, host: '127.0.0.1' }, resolve));
    try {
      const run = await local(folder, 'start', '--port', String(port));
      expect(run.exitCode).toBe(ExitCode.LocalPortInUse);
      expect(run.stderr).not.toContain('Initialising');
      await expect(stat(path.join(folder, 'data'))).rejects.toThrow(/ENOENT/);
      await expect(stat(path.join(folder, 'password'))).rejects.toThrow(/ENOENT/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test('start creates the database and leaves it running; secret files are private', async () => {
    const run = await local(folder, 'start', '--port', String(port), '--json');
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(JSON.parse(run.stdout)).toMatchObject({
      running: true,
      created: true,
      alreadyRunning: false,
      port,
      host: 'localhost',
    });
    expect(run.stderr).toMatch(/Initialising PostgreSQL 15 \(first start\)/);
    const password = await readPassword(folder);
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(run.stdout + run.stderr).not.toContain(password);
    expect((await stat(path.join(folder, 'password'))).mode & 0o777).toBe(0o600);
    // The parent it had to create stays traversable, or the server user could not reach the data.
    expect((await stat(path.dirname(folder))).mode & 0o001).toBe(0o001);
    expect((await stat(path.join(folder, 'tls', 'server.key'))).mode & 0o777).toBe(0o600);
    const [row] = await queryLocal<{ ssl: boolean; version: string }>(
      folder,
      port,
      "select ssl, current_setting('server_version') as version from pg_stat_ssl where pid = pg_backend_pid()",
    );
    expect(row?.ssl).toBe(true);
    expect(row?.version).toMatch(/^15\./);
  });

  test('a second start reports it already runs and exits 0', async () => {
    const run = await local(folder, 'start');
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toContain(`The local database was already running on localhost:${port}`);
  });

  test('status --json says running, port, data folder and version, password masked', async () => {
    const run = await local(folder, 'status', '--json');
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(JSON.parse(run.stdout)).toMatchObject({
      running: true,
      initialised: true,
      port,
      pid: expect.any(Number),
      dataDir: path.join(folder, 'data'),
      version: expect.stringMatching(/^15\.\d+$/),
      url: `postgresql://spendsense_admin:****@localhost:${port}/spendsense?sslmode=verify-full&sslrootcert=${folder}/tls/ca.pem`,
    });
    expect(run.stdout).not.toContain(await readPassword(folder));
  });

  test('url masks the password; --reveal prints it whole', async () => {
    const password = await readPassword(folder);
    const masked = await local(folder, 'url');
    expect(masked.stdout.trim()).toBe(
      `postgresql://spendsense_admin:****@localhost:${port}/spendsense?sslmode=verify-full&sslrootcert=${folder}/tls/ca.pem`,
    );
    const revealed = await local(folder, 'url', '--reveal');
    expect(revealed.stdout.trim()).toBe(masked.stdout.trim().replace('****', password));
    // For a command line: no password at all (libpq then reads PGPASSWORD).
    const bare = await local(folder, 'url', '--without-password');
    expect(bare.stdout.trim()).toBe(masked.stdout.trim().replace(':****@', '@'));
    expect((await local(folder, 'url', '--reveal', '--without-password')).exitCode).toBe(
      ExitCode.Usage,
    );
  });

  test('check passes against the URL that url --reveal prints', async () => {
    const url = (await local(folder, 'url', '--reveal')).stdout.trim();
    const run = await runCli(['check', '--url', url]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout + run.stderr).not.toContain(await readPassword(folder));
  });

  test('data written before stop is there after start', async () => {
    await queryLocal(
      folder,
      port,
      "create table kept (note text); insert into kept values ('survives')",
    );
    const stopped = await local(folder, 'stop');
    expect(stopped.stdout).toBe(`The local database in ${folder} is stopped.\n`);
    expect(JSON.parse((await local(folder, 'status', '--json')).stdout)).toMatchObject({
      running: false,
      initialised: true,
    });
    const started = await local(folder, 'start');
    expect(started.exitCode).toBe(ExitCode.Ok);
    expect(await queryLocal(folder, port, 'select note from kept')).toEqual([{ note: 'survives' }]);
  });

  test('a start while another holds the start lock: LocalAlreadyRunning (41)', async () => {
    await local(folder, 'stop');
    // The lock of a live process (this one) is respected.
    await writeFile(path.join(folder, 'start.lock'), `${process.pid}\n`);
    try {
      const run = await local(folder, 'start');
      expect(run.exitCode).toBe(ExitCode.LocalAlreadyRunning);
      expect(run.stderr).toContain(`Another \`spendsense-db local start\` (pid ${process.pid})`);
    } finally {
      await rm(path.join(folder, 'start.lock'));
    }
  });

  test('a port taken by another program: LocalPortInUse (40) with a hint', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ port, host: '127.0.0.1' }, resolve));
    try {
      const run = await local(folder, 'start');
      expect(run.exitCode).toBe(ExitCode.LocalPortInUse);
      expect(run.stderr).toContain(`error: Port ${port} is already in use by another program`);
      expect(run.stderr).toContain(
        `npx spendsense-db local start --port <n> --state-dir ${folder}`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test('reset without a terminal and without --yes refuses: LocalNotConfirmed (44)', async () => {
    const run = await local(folder, 'reset');
    expect(run.exitCode).toBe(ExitCode.LocalNotConfirmed);
    expect(await readPassword(folder)).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  test('reset --yes stops and deletes everything it created', async () => {
    await local(folder, 'start');
    const run = await local(folder, 'reset', '--yes');
    expect(run.exitCode).toBe(ExitCode.Ok);
    await expect(stat(folder)).rejects.toThrow(/ENOENT/);
  });
});

describe('--help', () => {
  test.each([
    ['local', 'start'],
    ['local', 'stop'],
    ['local', 'status'],
    ['local', 'url'],
    ['local', 'reset'],
    ['check'],
    ['up'],
  ])('%s %s --help exits 0 and describes the command', async (...command: string[]) => {
    const run = await runCli([...command, '--help']);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toContain(`Usage: spendsense-db ${command.join(' ')} [options]`);
  });
});
