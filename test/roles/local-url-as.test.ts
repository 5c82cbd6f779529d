import { readFile, rm } from 'node:fs/promises';
import { parse } from 'pg-connection-string';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { localStatePaths } from '../../src/cli/local/paths.js';
import { rolePasswordFiles } from '../../src/cli/local/roles.js';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { queryOnce } from '../support/query.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';

// Stops, starts and strips roles: a server of its own.
let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.destroy();
});

function local(...args: string[]): ReturnType<typeof runCli> {
  return runCli(['local', ...args, '--state-dir', server.stateDir]);
}

/** Connects with a URL `local url --reveal` printed, verifying TLS against the local CA. */
async function queryWithUrl<T>(url: string, sql: string): Promise<T[]> {
  const parts = parse(url);
  return queryOnce<T>(
    buildClientConfig(
      {
        host: parts.host ?? '',
        port: Number(parts.port),
        database: parts.database ?? '',
        user: parts.user ?? '',
        password: parts.password ?? '',
      },
      { extraCertificateAuthorities: [server.caPem] },
    ),
    sql,
  );
}

const admin = () =>
  buildClientConfig(
    {
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.user,
      password: server.password,
    },
    { extraCertificateAuthorities: [server.caPem] },
  );

describe('spendsense-db local url --as', () => {
  test.each([
    ['admin', 'spendsense_admin'],
    ['app', 'spendsense_app'],
    ['migrator', 'spendsense_migrator'],
  ])('--as %s --reveal connects as %s', async (role, user) => {
    const run = await local('url', '--as', role, '--reveal');
    expect(run.exitCode).toBe(ExitCode.Ok);
    const rows = await queryWithUrl<{ user: string }>(
      run.stdout.trim(),
      'select current_user as user',
    );
    expect(rows).toEqual([{ user }]);
  });

  test('admin is the default, and the password is masked without --reveal', async () => {
    const plain = await local('url');
    const app = await local('url', '--as', 'app', '--json');
    expect(plain.stdout).toContain('postgresql://spendsense_admin:****@');
    expect(JSON.parse(app.stdout)).toMatchObject({
      user: 'spendsense_app',
      url: expect.stringContaining('postgresql://spendsense_app:****@'),
    });
  });

  test('--as nobody is refused with the allowed values', async () => {
    const run = await local('url', '--as', 'nobody');
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(
      'error: `--as` must be one of admin, app, migrator. Got "nobody".',
    );
    expect(run.stdout).toBe('');
  });
});

describe('a local database created before the roles existed', () => {
  beforeAll(async () => {
    // What an older spendsense-db left: data in public, no roles, no schema, PUBLIC may connect.
    await queryOnce(
      admin(),
      `create table public.legacy (id int primary key, note text);
       insert into public.legacy values (1, 'kept');
       drop schema spendsense cascade;
       drop owned by spendsense_app, spendsense_migrator;
       drop role spendsense_app;
       drop role spendsense_migrator;
       drop role rds_iam;
       grant connect, temporary on database spendsense to public;`,
    );
    await Promise.all(rolePasswordFiles(localStatePaths(server.stateDir)).map((file) => rm(file)));
  });

  test('url --as app says how to get the roles, without proposing a reset', async () => {
    const run = await local('url', '--as', 'app');
    expect(run.exitCode).toBe(ExitCode.LocalNotRunning);
    expect(run.stderr).toContain('has no spendsense_app role yet');
    // The hint is the exact command for this state folder (how it was run, plus --state-dir).
    expect(run.stderr).toMatch(
      /Run `(npx )?spendsense-db local start --state-dir [^`]+`: it adds the roles/,
    );
    expect(run.stderr).toContain('keeping its data');
    expect(run.stderr).not.toContain('reset');
  });

  test('the next start adds the roles in place and keeps every row', async () => {
    expect((await local('stop')).exitCode).toBe(ExitCode.Ok);
    const start = await local('start');
    expect(start.exitCode).toBe(ExitCode.Ok);
    expect(start.stderr).toContain('Setting up the database roles');

    const url = (await local('url', '--as', 'app', '--reveal')).stdout.trim();
    expect(
      await queryWithUrl(
        url,
        "select current_user as user, has_schema_privilege('spendsense', 'USAGE') as usage",
      ),
    ).toEqual([{ user: 'spendsense_app', usage: true }]);
    expect(await queryOnce(admin(), 'select id, note from public.legacy')).toEqual([
      { id: 1, note: 'kept' },
    ]);
  });
});

describe('npm start (spendsense-db up)', () => {
  test('prints the application URL, masked, and how to get it whole', async () => {
    const run = await runCli(['up', '--state-dir', server.stateDir]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toMatch(
      /Application code connects as spendsense_app.*\n {2}postgresql:\/\/spendsense_app:\*\*\*\*@/,
    );
    expect(run.stdout).toContain('local url --as app --reveal');
    const passwords = await Promise.all(
      rolePasswordFiles(localStatePaths(server.stateDir)).map(async (file) =>
        (await readFile(file, 'utf8')).trim(),
      ),
    );
    for (const secret of [server.password, ...passwords]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });
});
