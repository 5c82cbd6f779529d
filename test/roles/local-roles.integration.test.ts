import { readFile, stat } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalServer } from '../../src/cli/local/local-server.js';
import { ensureLocalRoles, rolePasswordFile } from '../../src/cli/local/roles.js';
import { localStatePaths } from '../../src/cli/local/paths.js';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { convergeRoles, RoleConvergeError } from '../../src/runtime/roles/converge.js';
import { applicationConnectionLimit } from '../../src/shared/connection-budget.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

// Changes roles and privileges: a server of its own.
let server: TestPostgres;

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.destroy();
});

interface Login {
  readonly user: string;
  readonly password: string;
  readonly database?: string;
}

const admin = (): Login => ({ user: server.user, password: server.password });
const paths = () => localStatePaths(server.stateDir);

async function roleLogin(role: 'app' | 'migrator'): Promise<Login> {
  const password = (await readFile(rolePasswordFile(paths(), role), 'utf8')).trim();
  return { user: `spendsense_${role}`, password };
}

/** Runs `work` in a session as `login`, closed afterwards. */
async function as<T>(login: Login, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(
    buildClientConfig(
      {
        host: server.host,
        port: server.port,
        database: login.database ?? server.database,
        user: login.user,
        password: login.password,
      },
      { extraCertificateAuthorities: [server.caPem] },
    ),
  );
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The SQLSTATE `work` fails with, or `undefined` when it succeeds. */
async function sqlStateOf(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
}

async function reconverge() {
  const admin = await new LocalServer({ stateDir: server.stateDir }).connection();
  return ensureLocalRoles(admin, paths());
}

const ATTRIBUTES = `select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
  rolreplication, rolbypassrls, rolconnlimit,
  array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
         where m.member = r.oid order by 1) as member_of,
  array(select unnest(s.setconfig) from pg_db_role_setting s
         where s.setrole = r.oid and s.setdatabase = 0 order by 1) as settings
  from pg_roles r where rolname in ('spendsense_app', 'spendsense_migrator') order by rolname`;

/** LOGIN, no SUPERUSER, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS. */
const LOGIN_AND_NOTHING_ELSE = {
  rolsuper: false,
  rolinherit: true,
  rolcreaterole: false,
  rolcreatedb: false,
  rolcanlogin: true,
  rolreplication: false,
  rolbypassrls: false,
};

const EXPECTED_ROLES = [
  {
    rolname: 'spendsense_app',
    ...LOGIN_AND_NOTHING_ELSE,
    rolconnlimit: applicationConnectionLimit(100),
    member_of: ['rds_iam'],
    settings: [
      'idle_in_transaction_session_timeout=60s',
      'search_path=spendsense, public',
      'statement_timeout=30s',
    ],
  },
  {
    rolname: 'spendsense_migrator',
    ...LOGIN_AND_NOTHING_ELSE,
    rolconnlimit: 2,
    member_of: ['rds_iam'],
    settings: ['search_path=spendsense, public'],
  },
];

describe('the roles of a new local database', () => {
  test('spendsense_app and spendsense_migrator exist with exactly the specified attributes', async () => {
    const { rows } = await as(admin(), (client) => client.query(ATTRIBUTES));
    expect(rows).toEqual(EXPECTED_ROLES);
  });

  test('the migrator owns the application schema; only the two roles may connect', async () => {
    const { rows } = await as(admin(), (client) =>
      client.query(`select
        (select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'spendsense') as owner,
        has_database_privilege('public', 'spendsense', 'CONNECT') as public_connect,
        has_database_privilege('public', 'spendsense', 'TEMP') as public_temp,
        has_database_privilege('spendsense_app', 'spendsense', 'CONNECT') as app_connect,
        has_database_privilege('spendsense_app', 'spendsense', 'TEMP') as app_temp,
        has_database_privilege('spendsense_app', 'postgres', 'CONNECT') as app_other,
        has_schema_privilege('spendsense_app', 'spendsense', 'USAGE') as app_usage,
        has_schema_privilege('spendsense_app', 'spendsense', 'CREATE') as app_create`),
    );
    expect(rows[0]).toEqual({
      owner: 'spendsense_migrator',
      public_connect: false,
      public_temp: false,
      app_connect: true,
      app_temp: false,
      app_other: false,
      app_usage: true,
      app_create: false,
    });
  });

  test('the role passwords are generated, 0600, and never the same', async () => {
    const [app, migrator] = await Promise.all([roleLogin('app'), roleLogin('migrator')]);
    expect(app.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(migrator.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(app.password).not.toBe(migrator.password);
    for (const role of ['app', 'migrator'] as const) {
      expect((await stat(rolePasswordFile(paths(), role))).mode & 0o777).toBe(0o600);
    }
  });
});

describe('what the application role can and cannot do', () => {
  beforeAll(async () => {
    // A table the migrator adds after the roles were set up: default privileges must cover it.
    await as(await roleLogin('migrator'), (client) =>
      client.query(
        'create table budgets (id serial primary key, name text not null, cents integer not null)',
      ),
    );
  });

  test('reads and writes a table the migrator created later, its sequence included', async () => {
    const rows = await as(await roleLogin('app'), async (client) => {
      await client.query("insert into budgets (name, cents) values ('food', 40000)");
      await client.query("update budgets set cents = 45000 where name = 'food'");
      const selected = await client.query('select name, cents from spendsense.budgets');
      await client.query("delete from budgets where name = 'food'");
      return selected.rows;
    });
    expect(rows).toEqual([{ name: 'food', cents: 45000 }]);
  });

  test.each([
    ['drop the table', 'drop table budgets', '42501'],
    ['truncate it', 'truncate budgets', '42501'],
    ['create a table in the schema', 'create table mine (id int)', '42501'],
    ['create a table in public', 'create table public.mine (id int)', '42501'],
    ['create a temporary table', 'create temporary table mine (id int)', '42501'],
    ['create a role', 'create role intruder', '42501'],
    ['create a database', 'create database other', '42501'],
    ['alter the table', 'alter table budgets add column extra int', '42501'],
  ])('cannot %s', async (_what, sql, code) => {
    const app = await roleLogin('app');
    expect(await sqlStateOf(() => as(app, (client) => client.query(sql)))).toBe(code);
  });

  test('cannot connect to another database', async () => {
    const app = await roleLogin('app');
    expect(await sqlStateOf(() => as({ ...app, database: 'postgres' }, async () => 1))).toBe(
      '42501',
    );
  });

  test('statements are bounded by the role settings', async () => {
    const settings = await as(await roleLogin('app'), async (client) => {
      const { rows } = await client.query<{ statement: string; idle: string; user: string }>(
        `select current_setting('statement_timeout') as statement,
                current_setting('idle_in_transaction_session_timeout') as idle, current_user as user`,
      );
      return rows[0];
    });
    expect(settings).toEqual({ statement: '30s', idle: '1min', user: 'spendsense_app' });
  });
});

describe('converging an existing database', () => {
  test('a second run changes nothing', async () => {
    const report = await reconverge();
    expect(report.changes).toEqual([]);
    expect(report.applicationConnectionLimit).toBe(applicationConnectionLimit(100));
  });

  test('roles that exist with other attributes, memberships and grants are brought back', async () => {
    await as(admin(), async (client) => {
      await client.query(
        'alter role spendsense_app superuser createdb createrole replication bypassrls connection limit 500',
      );
      await client.query('alter role spendsense_app set work_mem = $$64MB$$');
      await client.query('grant pg_read_all_data to spendsense_app');
      await client.query('grant spendsense_migrator to spendsense_app');
      await client.query('grant truncate, trigger on spendsense.budgets to spendsense_app');
      await client.query('grant create on schema spendsense to spendsense_app');
      await client.query('grant temporary on database spendsense to public');
      await client.query('alter role spendsense_migrator nologin');
    });

    const report = await reconverge();

    expect(report.changes).toEqual(
      expect.arrayContaining([
        'spendsense_migrator: LOGIN',
        'spendsense_app: NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 89',
        'spendsense_app: no longer a member of pg_read_all_data',
        'spendsense_app: no longer a member of spendsense_migrator',
        'spendsense_app: settings idle_in_transaction_session_timeout=60s, search_path=spendsense, public, statement_timeout=30s',
      ]),
    );
    const { rows } = await as(admin(), (client) => client.query(ATTRIBUTES));
    expect(rows).toEqual(EXPECTED_ROLES);
    const { rows: privileges } = await as(admin(), (client) =>
      client.query(`select
        has_table_privilege('spendsense_app', 'spendsense.budgets', 'TRUNCATE') as truncate,
        has_table_privilege('spendsense_app', 'spendsense.budgets', 'TRIGGER') as trigger,
        has_schema_privilege('spendsense_app', 'spendsense', 'CREATE') as create,
        has_database_privilege('public', 'spendsense', 'TEMP') as temp`),
    );
    expect(privileges[0]).toEqual({ truncate: false, trigger: false, create: false, temp: false });
  });

  test('a schema owned by someone else is given to the migrator, its tables kept', async () => {
    await as(admin(), async (client) => {
      await client.query('alter schema spendsense owner to spendsense_admin');
    });

    const report = await reconverge();

    expect(report.changes).toContain(
      'schema spendsense: owner spendsense_migrator (was spendsense_admin)',
    );
    const { rows } = await as(await roleLogin('app'), (client) =>
      client.query('select count(*)::int as n from budgets'),
    );
    expect(rows).toEqual([{ n: 0 }]);
  });
});

describe("as a master user that is not a superuser, like RDS's", () => {
  const master: Login = {
    user: 'rds_like_master',
    password: 'RdsLikeMaster0123456789',
    database: 'rds_like',
  };

  beforeAll(async () => {
    await as(admin(), async (client) => {
      await client.query(
        `create role rds_like_master login createrole password '${master.password}'`,
      );
      await client.query('create database rds_like owner rds_like_master');
    });
  });

  async function converge() {
    const [app, migrator] = await Promise.all([roleLogin('app'), roleLogin('migrator')]);
    return as(master, (client) =>
      convergeRoles(client, { passwords: { app: app.password, migrator: migrator.password } }),
    );
  }

  test('sets up its database with the privileges it has (CREATEROLE, database owner)', async () => {
    const report = await converge();

    expect(report.changes).toEqual(
      expect.arrayContaining([
        'the master user: member of spendsense_migrator',
        'created schema spendsense',
        'CONNECT on the database revoked from PUBLIC',
      ]),
    );
    const { rows } = await as({ ...admin(), database: 'rds_like' }, (client) =>
      client.query(`select
        (select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'spendsense') as owner,
        has_database_privilege('public', 'rds_like', 'CONNECT') as public_connect,
        has_database_privilege('spendsense_app', 'rds_like', 'CONNECT') as app_connect`),
    );
    expect(rows[0]).toEqual({
      owner: 'spendsense_migrator',
      public_connect: false,
      app_connect: true,
    });
  });

  test('a role it may not alter fails the run naming the step, SQLSTATE and class; nothing changes', async () => {
    await as(admin(), (client) =>
      client.query('alter role spendsense_app superuser connection limit 7'),
    );
    try {
      const error = await converge().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(RoleConvergeError);
      expect(error).toMatchObject({ code: '42501' });
      expect((error as Error).message).toBe(
        'Converging the database roles failed while altering spendsense_app: must be superuser to alter superuser roles or change superuser attribute (SQLSTATE 42501, class 42: syntax error or access rule violation).',
      );
      const { rows } = await as(admin(), (client) =>
        client.query("select rolconnlimit from pg_roles where rolname = 'spendsense_app'"),
      );
      expect(rows).toEqual([{ rolconnlimit: 7 }]);
    } finally {
      await reconverge();
    }
  });
});
