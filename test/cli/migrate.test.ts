import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { rolePasswordFile } from '../../src/cli/local/roles.js';
import { localStatePaths } from '../../src/cli/local/paths.js';
import { credentialsSecretName } from '../../src/shared/names.js';
import { refusingPort } from '../support/fault-servers.js';
import { queryOnce } from '../support/query.js';
import { adminClientConfig, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';

// Migrates and rolls back: a server of its own (its state folder is a `local` one).
let server: TestPostgres;
let folder: string;
const FIXTURES = path.join(import.meta.dirname, '../migrations/fixtures');

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-migrate-cli-'));
  await cp(FIXTURES, folder, { recursive: true });
  await queryOnce(
    adminClientConfig(server),
    `drop table if exists spendsense_migrations.pgmigrations, spendsense_migrations.checksums;
     drop table if exists spendsense.accounts, spendsense.entries cascade;`,
  );
});

const local = () => ['--state-dir', server.stateDir, '--dir', folder];
const migrate = (...args: string[]) => runCli(['migrate', ...args]);
const secrets = async () => [
  server.password,
  (await readFile(rolePasswordFile(localStatePaths(server.stateDir), 'migrator'), 'utf8')).trim(),
  (await readFile(rolePasswordFile(localStatePaths(server.stateDir), 'app'), 'utf8')).trim(),
];

async function expectNoSecret(run: { stdout: string; stderr: string }): Promise<void> {
  for (const secret of await secrets()) {
    expect(run.stdout + run.stderr).not.toContain(secret);
  }
}

describe('up, status, down round-trip', () => {
  test('against the local database by default, as the migrator', async () => {
    const up = await migrate('up', ...local(), '--json');
    expect(up.exitCode).toBe(ExitCode.Ok);
    expect(JSON.parse(up.stdout)).toMatchObject({
      ok: true,
      action: 'up',
      ran: ['0001_create_accounts', '0002_add_entries'],
      version: '0002_add_entries',
    });
    expect(up.stderr).toContain('Applying 0001_create_accounts');

    const status = await migrate('status', ...local(), '--json');
    expect(status.exitCode).toBe(ExitCode.Ok);
    const document = JSON.parse(status.stdout);
    expect(document.version).toBe('0002_add_entries');
    expect(document.latest).toBe('0002_add_entries');
    expect(document.pending).toEqual([]);
    expect(document.applied).toHaveLength(2);
    for (const entry of document.applied) {
      expect(entry.state).toBe('ok');
      expect(entry.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(entry.checksum).toBe(entry.fileChecksum);
    }

    const down = await migrate('down', ...local());
    expect(down.exitCode).toBe(ExitCode.Ok);
    expect(down.stdout).toContain('1 undone: 0002_add_entries');
    expect(down.stdout).toContain('schema version: 0001_create_accounts');

    const text = await migrate('status', ...local());
    expect(text.stdout).toMatch(/applied {2}0001_create_accounts {2}sha256 [0-9a-f]{12}/);
    expect(text.stdout).toMatch(/pending {2}0002_add_entries {2}sha256 [0-9a-f]{12}/);
    await expectNoSecret(up);
    await expectNoSecret(text);
  });

  test('--url with a password: runs as the migrator through SET ROLE, and never prints the password', async () => {
    const up = await migrate('up', '--url', server.url(), '--dir', folder, '--json');
    expect(up.exitCode).toBe(ExitCode.Ok);
    expect(JSON.parse(up.stdout).database).toContain('spendsense_admin@127.0.0.1');
    await writeFile(
      path.join(folder, '0003_broken.sql'),
      '-- Up Migration\ncreate tabel x (id int);\n',
    );
    const failed = await migrate('up', '--url', server.url(), '--dir', folder, '--json');
    expect(failed.exitCode).toBe(ExitCode.MigrationFailed);
    await expectNoSecret(up);
    await expectNoSecret(failed);
  });
});

describe('bad input: a clear error, its exit code, the schema at a known version', () => {
  test('a syntax error: 90, the migration name and SQLSTATE', async () => {
    await writeFile(
      path.join(folder, '0003_broken.sql'),
      '-- Up Migration\ncreate tabel x (id int);\n',
    );
    const run = await migrate('up', ...local());
    expect(run.exitCode).toBe(ExitCode.MigrationFailed);
    expect(run.stderr).toContain('error: Migration 0003_broken failed (up) and was rolled back');
    expect(run.stderr).toContain('SQLSTATE 42601');
    expect(run.stderr).toContain('The schema is at 0002_add_entries');
    expect(run.stderr).toMatch(/hint: {2}Fix the migration/);
  });

  test('an applied migration edited afterwards: 91, and status flags it', async () => {
    await migrate('up', ...local());
    const file = path.join(folder, '0002_add_entries.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}-- edited\n`);
    const run = await migrate('up', ...local());
    expect(run.exitCode).toBe(ExitCode.MigrationEdited);
    expect(run.stderr).toContain('0002_add_entries was edited after it was applied');
    const status = await migrate('status', ...local());
    expect(status.exitCode).toBe(ExitCode.MigrationEdited);
    expect(status.stdout).toContain('EDITED');
  });

  test('a gap: 92', async () => {
    await migrate('up', ...local());
    await writeFile(path.join(folder, '0000_early.sql'), '-- Up Migration\nselect 1;\n');
    const run = await migrate('up', ...local());
    expect(run.exitCode).toBe(ExitCode.MigrationOrder);
  });

  test('down past the first migration: 94', async () => {
    const run = await migrate('down', '2', ...local());
    expect(run.exitCode).toBe(ExitCode.NothingToUndo);
    expect(run.stderr).toContain('nothing to undo');
  });

  test('hints print migrate commands for the same database and folder, which run as printed', async () => {
    const run = await migrate('down', ...local());
    expect(run.exitCode).toBe(ExitCode.NothingToUndo);
    const printed = `npx spendsense-db migrate status --state-dir ${server.stateDir} --dir ${folder}`;
    expect(run.stderr).toContain(`hint:  \`${printed}\` lists what is applied.`);
    // The temporary paths hold nothing a shell would read differently: split on spaces.
    const words = printed.split(' ').slice(2);
    const status = await runCli(words);
    expect(status.exitCode).toBe(ExitCode.Ok);
    expect(status.stdout).toContain(
      'schema version: none (latest in the folder: 0002_add_entries)',
    );
  });

  test('a hint for a --url run names --url as a placeholder, never the URL', async () => {
    const run = await migrate('down', '--url', server.url(), '--dir', folder);
    expect(run.exitCode).toBe(ExitCode.NothingToUndo);
    expect(run.stderr).toContain(`npx spendsense-db migrate status --url <url> --dir ${folder}`);
    expect(run.stderr).not.toContain(server.url());
    await expectNoSecret(run);
  });

  test.each(['../escape', 'Add Table', 'drop;table', '', 'x'.repeat(101), 'trailing_'])(
    'create with the unsafe name %j: 95 or a usage error, and no file',
    async (name) => {
      const before = await readdir(folder);
      const run = await migrate('create', name, '--dir', folder);
      expect([ExitCode.MigrationNameInvalid, ExitCode.Usage]).toContain(run.exitCode);
      expect(run.stderr).toMatch(/^error: /);
      expect(await readdir(folder)).toEqual(before);
    },
  );

  test('create with a good name writes the template, numbered after every existing file', async () => {
    const run = await migrate('create', 'add_budgets', '--dir', folder, '--json');
    expect(run.exitCode).toBe(ExitCode.Ok);
    const file = JSON.parse(run.stdout).file as string;
    expect(path.basename(file)).toMatch(/^\d{17}_add_budgets\.sql$/);
    expect(await readFile(file, 'utf8')).toContain('-- Up Migration');
    const status = await migrate('status', ...local(), '--json');
    expect(JSON.parse(status.stdout).latest).toBe(path.basename(file, '.sql'));
  });

  test('a database the migrator cannot reach: diagnosed as check does', async () => {
    const port = await refusingPort();
    const url = `postgresql://spendsense_migrator:s3cret-pa55word@127.0.0.1:${port}/spendsense`;
    const run = await migrate('up', '--url', url, '--dir', folder);
    expect(run.exitCode).toBe(ExitCode.ConnectionRefused);
    expect(run.stderr).toContain('The migrator cannot reach spendsense_migrator@127.0.0.1');
    expect(run.stdout + run.stderr).not.toContain('s3cret-pa55word');
  });

  test('a password the server rejects: diagnosed as check does (30), the wrong password not printed', async () => {
    const url = `postgresql://spendsense_migrator:Wr0ng-pa55word-42@127.0.0.1:${server.port}/spendsense?sslrootcert=${encodeURIComponent(server.caPath)}`;
    const run = await migrate('status', '--url', url, '--dir', folder);
    expect(run.exitCode).toBe(ExitCode.AuthenticationFailed);
    expect(run.stderr).toContain('The migrator cannot reach spendsense_migrator@127.0.0.1');
    expect(run.stdout + run.stderr).not.toContain('Wr0ng-pa55word-42');
    await expectNoSecret(run);
  });

  test('the local database not running: says how to start it', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'spendsense-migrate-none-'));
    try {
      const run = await migrate('status', '--state-dir', empty, '--dir', folder);
      expect(run.exitCode).toBe(ExitCode.LocalNotRunning);
      expect(run.stderr).toContain('local start');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('--stage needs the tunnel port; --url and --stage exclude each other', async () => {
    const noPort = await migrate('up', '--stage', 'dev', '--dir', folder);
    expect(noPort.exitCode).toBe(ExitCode.Usage);
    expect(noPort.stderr).toContain('spendsense-db tunnel --stage dev');
    const both = await migrate('up', '--stage', 'dev', '--url', server.url(), '--dir', folder);
    expect(both.exitCode).toBe(ExitCode.Usage);
    await expectNoSecret(both);
  });
});

describe('--stage through the tunnel', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterAll(() => secretsManager.restore());

  test('reads the stage’s credentials secret, connects to 127.0.0.1:<port>, verifies the endpoint’s name, never prints the password', async () => {
    const name = credentialsSecretName('dev');
    secretsManager.on(GetSecretValueCommand, { SecretId: name }).resolves({
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
      Name: name,
      VersionId: '5d2f4a6e-1b3c-4d5e-8f90-a1b2c3d4e5f6',
      // What RDS keeps in the credentials secret; the "endpoint" is a name the certificate holds.
      SecretString: JSON.stringify({
        username: server.user,
        password: server.password,
        engine: 'postgres',
        host: 'localhost',
        port: 5432,
        dbname: server.database,
      }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-01-01T00:00:00Z'),
      $metadata: { httpStatusCode: 200 },
    });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    try {
      const args = ['--stage', 'dev', '--region', 'us-east-1', '--port', String(server.port)];
      const run = await migrate('up', ...args, '--ca', server.caPath, '--dir', folder, '--json');
      expect(run.exitCode).toBe(ExitCode.Ok);
      const document = JSON.parse(run.stdout);
      expect(document.version).toBe('0002_add_entries');
      expect(document.database).toBe(
        `spendsense_admin@localhost:5432/spendsense (secret ${name}, through 127.0.0.1:${server.port})`,
      );
      await expectNoSecret(run);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
