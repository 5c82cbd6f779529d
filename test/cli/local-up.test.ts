import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { runCli } from '../support/run-cli.js';

describe('spendsense-db up (npm start)', () => {
  let folder: string;
  let port: number;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-up-'));
    port = await findFreePort();
  });
  afterAll(async () => {
    await runCli(['local', 'stop', '--state-dir', folder]);
    await rm(folder, { recursive: true, force: true });
  });

  test('starts the local database, checks it stage by stage, and says how to connect', async () => {
    const run = await runCli(['up', '--state-dir', folder, '--port', String(port)]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toContain('Connection OK: every stage passed.');
    expect(run.stdout).toContain('psql "$(npx spendsense-db local url --reveal)"');
    expect(run.stdout).toContain('export DATABASE_URL="$(npx spendsense-db local url --reveal)"');
    expect(run.stdout).toContain(`ssl: { ca: readFileSync('${folder}/tls/ca.pem', 'utf8') }`);
    expect(run.stdout).toContain(
      `postgresql://spendsense_admin:****@localhost:${port}/spendsense?sslmode=verify-full&sslrootcert=${folder}/tls/ca.pem`,
    );
    const password = (await readFile(path.join(folder, 'password'), 'utf8')).trim();
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  test('a second run finds it running and checks it again', async () => {
    const run = await runCli(['up', '--state-dir', folder]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stderr).not.toContain('Initialising');
    expect(run.stdout).toContain('Connection OK');
  });
});
