import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { rolePasswordFile } from '../../src/cli/local/roles.js';
import { localStatePaths } from '../../src/cli/local/paths.js';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { MigrationError } from '../../src/runtime/migrations/errors.js';
import { readSchemaVersion } from '../../src/runtime/migrations/history.js';
import { migrate, type MigrateOptions } from '../../src/runtime/migrations/runner.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

// Changes the schema and holds locks: a server of its own.
let server: TestPostgres;
let folder: string;
const FIXTURES = path.join(import.meta.dirname, 'fixtures');

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(async () => {
  await rm(folder ?? '/nonexistent', { recursive: true, force: true });
  folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-migrations-'));
  await cp(FIXTURES, folder, { recursive: true });
  // Back to an empty schema: every test starts from version none.
  await asAdmin((client) =>
    client.query(`drop table if exists spendsense_migrations.pgmigrations, spendsense_migrations.checksums;
                  drop table if exists spendsense.accounts, spendsense.entries cascade;`),
  );
});

async function session(role: 'admin' | 'app' | 'migrator'): Promise<pg.Client> {
  const password =
    role === 'admin'
      ? server.password
      : (await readFile(rolePasswordFile(localStatePaths(server.stateDir), role), 'utf8')).trim();
  const client = new pg.Client(
    buildClientConfig(
      {
        host: server.host,
        port: server.port,
        database: server.database,
        user: role === 'admin' ? server.user : `spendsense_${role}`,
        password,
      },
      { extraCertificateAuthorities: [server.caPem] },
    ),
  );
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function as<T>(
  role: 'admin' | 'app' | 'migrator',
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await session(role);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
const asAdmin = <T>(work: (client: pg.Client) => Promise<T>) => as('admin', work);

function run(options: Partial<MigrateOptions> = {}, role: 'admin' | 'migrator' = 'migrator') {
  return as(role, (client) => migrate(client, { directory: folder, direction: 'up', ...options }));
}

async function failure(work: () => Promise<unknown>): Promise<MigrationError> {
  const error = await work().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

const version = () => as('app', readSchemaVersion);

/** The application role still reads and writes the application's tables. */
async function appStillWorks(): Promise<void> {
  await as('app', async (client) => {
    await client.query("insert into accounts (name) values ('still works')");
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from accounts where name = 'still works'",
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
  });
}

async function addMigration(name: string, sql: string): Promise<void> {
  await writeFile(path.join(folder, name), sql);
}

describe('up, status and down', () => {
  test('applies every pending migration in order, as the migrator, and records checksums', async () => {
    const result = await run();
    expect(result.ran).toEqual(['0001_create_accounts', '0002_add_entries']);
    expect(result.version).toBe('0002_add_entries');
    const owners = await asAdmin(async (client) => {
      const { rows } = await client.query<{ tablename: string; tableowner: string }>(
        "select tablename, tableowner from pg_tables where schemaname = 'spendsense' order by 1",
      );
      return rows;
    });
    expect(owners).toEqual([
      { tablename: 'accounts', tableowner: 'spendsense_migrator' },
      { tablename: 'entries', tableowner: 'spendsense_migrator' },
    ]);
    const checksums = await asAdmin(
      async (client) =>
        (await client.query('select name, sha256 from spendsense_migrations.checksums order by 1'))
          .rows,
    );
    expect(checksums).toHaveLength(2);
    expect(checksums[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    await appStillWorks();
    expect(await version()).toBe('0002_add_entries');
  });

  test('a second run has nothing to do', async () => {
    await run();
    expect((await run()).ran).toEqual([]);
  });

  test('down undoes the last migration, and up applies it again', async () => {
    await run();
    expect((await run({ direction: 'down' })).ran).toEqual(['0002_add_entries']);
    expect(await version()).toBe('0001_create_accounts');
    await appStillWorks();
    expect((await run()).ran).toEqual(['0002_add_entries']);
  });

  test('the master user runs migrations as the migrator (SET ROLE), as the deploy does', async () => {
    await run({}, 'admin');
    const owner = await asAdmin(
      async (client) =>
        (await client.query("select tableowner from pg_tables where tablename = 'accounts'"))
          .rows[0]?.tableowner,
    );
    expect(owner).toBe('spendsense_migrator');
  });

  test('the application role may read the history but not write it', async () => {
    await run();
    const code = await as('app', (client) =>
      client.query('delete from spendsense_migrations.pgmigrations').then(
        () => 'deleted',
        (error: { code?: string }) => error.code,
      ),
    );
    expect(code).toBe('42501');
  });
});

describe('bad input', () => {
  test('a syntax error fails with the migration name and SQLSTATE; the ones before it stay', async () => {
    await addMigration('0003_broken.sql', '-- Up Migration\ncreate tabel oops (id int);\n');
    const error = await failure(() => run());
    expect(error.kind).toBe('failed');
    expect(error.migration).toBe('0003_broken');
    expect(error.code).toBe('42601');
    expect(error.message).toContain('Migration 0003_broken failed');
    expect(error.message).toContain('SQLSTATE 42601, class 42');
    expect(error.message).toContain('The schema is at 0002_add_entries');
    expect(await version()).toBe('0002_add_entries');
    await appStillWorks();
  });

  test('a statement that fails halfway leaves nothing of its migration behind', async () => {
    await addMigration(
      '0003_half.sql',
      '-- Up Migration\ncreate table spendsense.half (id int);\nselect 1/0;\n',
    );
    const error = await failure(() => run());
    expect(error.code).toBe('22012');
    const exists = await asAdmin(
      async (client) =>
        (await client.query("select to_regclass('spendsense.half') as t")).rows[0]?.t,
    );
    expect(exists).toBeNull();
  });

  test('a migration waiting on a lock another session holds fails at lock_timeout', async () => {
    await run();
    await addMigration(
      '0003_alter_accounts.sql',
      '-- Up Migration\nalter table accounts add column note text;\n',
    );
    const holder = await session('app');
    try {
      await holder.query('begin');
      await holder.query('select * from accounts');
      const started = Date.now();
      const error = await failure(() => run({ lockTimeoutMillis: 300 }));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(error.kind).toBe('failed');
      expect(error.migration).toBe('0003_alter_accounts');
      expect(error.code).toBe('55P03');
      expect(error.message).toContain('lock_timeout');
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
    expect(await version()).toBe('0002_add_entries');
    await appStillWorks();
  });

  test('an applied migration edited afterwards is refused before anything runs', async () => {
    await run({ count: 1 });
    const file = path.join(folder, '0001_create_accounts.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- a later edit\n`);
    const error = await failure(() => run());
    expect(error.kind).toBe('edited');
    expect(error.migration).toBe('0001_create_accounts');
    expect(error.message).toContain('was edited after it was applied');
    expect(await version()).toBe('0001_create_accounts');
    await appStillWorks();
  });

  test('a new migration ordered before an applied one (a gap) is refused', async () => {
    await run();
    await addMigration('0000_early.sql', '-- Up Migration\nselect 1;\n');
    const error = await failure(() => run());
    expect(error.kind).toBe('order');
    expect(error.migration).toBe('0000_early');
    expect(await version()).toBe('0002_add_entries');
    await appStillWorks();
  });

  test('an applied migration whose file is gone is refused', async () => {
    await run();
    await rm(path.join(folder, '0002_add_entries.sql'));
    const error = await failure(() => run());
    expect(error.kind).toBe('order');
    expect(error.migration).toBe('0002_add_entries');
    expect(await version()).toBe('0002_add_entries');
  });

  test('two runners started at once: one applies, the other waits for it and finds nothing to do', async () => {
    await addMigration(
      '0003_slow.sql',
      '-- Up Migration\nselect pg_sleep(0.5);\ncreate table spendsense.slow (id int);\n',
    );
    const results = await Promise.all([run(), run()]);
    const ran = results.map((result) => result.ran);
    expect(ran).toContainEqual(['0001_create_accounts', '0002_add_entries', '0003_slow']);
    expect(ran).toContainEqual([]);
    const history = await asAdmin(
      async (client) =>
        (await client.query('select name from spendsense_migrations.pgmigrations order by id'))
          .rows,
    );
    expect(history).toHaveLength(3);
    await appStillWorks();
  });

  test('a runner that cannot get the lock within its wait says who holds it', async () => {
    const holder = await session('admin');
    try {
      await holder.query('select pg_advisory_lock(7310225011)');
      const error = await failure(() => run({ lockWaitMillis: 200 }));
      expect(error.kind).toBe('locked');
      expect(error.message).toContain('Another migration run holds the migrations lock');
    } finally {
      await holder.end();
    }
    expect(await version()).toBe('none');
  });

  test('down past the first migration is refused', async () => {
    const none = await failure(() => run({ direction: 'down' }));
    expect(none.kind).toBe('nothing-to-undo');
    await run();
    const tooFar = await failure(() => run({ direction: 'down', count: 3 }));
    expect(tooFar.kind).toBe('nothing-to-undo');
    expect(tooFar.message).toContain('go past the first');
    expect(await version()).toBe('0002_add_entries');
    await appStillWorks();
  });

  test('a misnamed .sql file is refused, not skipped', async () => {
    await addMigration('add stuff.sql', 'select 1;');
    const error = await failure(() => run());
    expect(error.kind).toBe('bad-file-name');
    expect(await version()).toBe('none');
  });

  test('a migration that says so runs outside a transaction (CREATE INDEX CONCURRENTLY)', async () => {
    await run();
    await addMigration(
      '0003_index_concurrently.sql',
      '-- spendsense:no-transaction\n-- Up Migration\ncreate index concurrently accounts_name on spendsense.accounts (name)\n-- Down Migration\ndrop index concurrently spendsense.accounts_name\n',
    );
    expect((await run()).ran).toEqual(['0003_index_concurrently']);
    await run({ direction: 'down' });
  });
});
