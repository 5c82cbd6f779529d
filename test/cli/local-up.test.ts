import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { runCli } from '../support/run-cli.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every `npx spendsense-db …` command in a text, up to the closing backtick or end of line. */
function printedCommands(text: string): string[] {
  return [...text.matchAll(/npx spendsense-db [^`\n"]*/g)].map((match) => match[0].trim());
}

describe('spendsense-db up (npm start)', () => {
  let folder: string;
  let port: number;
  beforeAll(async () => {
    // A folder with a space: every printed command must quote it to work as printed.
    const parent = await mkdtemp(path.join(os.tmpdir(), 'spendsense-up-'));
    // As in a project checkout: the server user (as root) must be able to traverse it.
    await chmod(parent, 0o755);
    folder = path.join(parent, 'state dir');
    port = await findFreePort();
  });
  afterAll(async () => {
    await runCli(['local', 'stop', '--state-dir', folder]);
    await rm(path.dirname(folder), { recursive: true, force: true });
  });

  test('starts the local database, checks it stage by stage, and says how to connect', async () => {
    const run = await runCli(['up', '--state-dir', folder, '--port', String(port)]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toContain('Connection OK: every stage passed.');
    // migrations/ ships no migration yet: applied (none), and the version said.
    expect(run.stdout).toContain('migrations: none pending; schema version none');
    // The check names its real source, not a --url nobody gave.
    expect(run.stdout).toMatch(/config\s+ok\s+\S+ ms\s+from the local database in \/tmp\//);
    expect(run.stdout).not.toContain('--url');
    const quoted = `'${folder}'`;
    expect(run.stdout).toContain(
      `PGPASSWORD="$(cat '${folder}/password')" psql 'postgresql://spendsense_admin@localhost:${port}/spendsense?sslmode=verify-full&sslrootcert=${encodeURI(folder)}/tls/ca.pem'`,
    );
    expect(run.stdout).toContain(
      `export DATABASE_URL="$(npx spendsense-db local url --reveal --state-dir ${quoted})"`,
    );
    expect(run.stdout).toContain(`ssl: { ca: readFileSync('${folder}/tls/ca.pem', 'utf8') }`);
    expect(run.stdout).toContain(
      `postgresql://spendsense_admin:****@localhost:${port}/spendsense?sslmode=verify-full&sslrootcert=`,
    );
    const password = (await readFile(path.join(folder, 'password'), 'utf8')).trim();
    expect(run.stdout + run.stderr).not.toContain(password);

    const commands = printedCommands(run.stdout);
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) expect(command).toContain(`--state-dir ${quoted}`);
  });

  test('a second run finds it running and checks it again', async () => {
    const run = await runCli(['up', '--state-dir', folder]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stderr).not.toContain('Initialising');
    expect(run.stdout).toContain('Connection OK');
  });

  test('the stop command it prints, run as printed, stops this database', async () => {
    const run = await runCli(['up', '--state-dir', folder]);
    const stop = printedCommands(run.stdout).find((command) => command.includes(' local stop'));
    expect(stop).toBeDefined();
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', stop as string], {
      cwd: PROJECT_ROOT,
      timeout: 60_000,
    });
    expect(stdout).toBe(`The local database in ${folder} is stopped.\n`);
    const status = await runCli(['local', 'status', '--state-dir', folder, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'stopped', running: false });
  });
});
