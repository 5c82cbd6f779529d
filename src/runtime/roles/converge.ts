import pg from 'pg';
import { applicationConnectionLimit } from '../../shared/connection-budget.js';
import { APPLICATION_SCHEMA, MIGRATIONS_SCHEMA } from '../../shared/names.js';
import { errorCode } from '../classify-error.js';
import { scrub } from '../redact.js';
import { scramSha256Verifier } from '../rotation/scram.js';
import { describeSqlState } from '../sqlstate.js';
import {
  APP_ROLE,
  APP_SEQUENCE_PRIVILEGES,
  APP_TABLE_PRIVILEGES,
  ATTRIBUTE_KEYWORDS,
  IAM_ROLE,
  MIGRATOR_ROLE,
  type RoleAttributes,
  type RoleDefinition,
} from './definition.js';

export interface RoleConvergeOptions {
  /**
   * The local database only, which has no IAM: the roles' passwords, stored as SCRAM verifiers.
   * @default - no password: the roles log in with IAM authentication tokens only (RDS)
   */
  readonly passwords?: { readonly app: string; readonly migrator: string };
}

export interface RoleConvergeReport {
  /** What had to change, in words (never a value). Empty when the database already matched. */
  readonly changes: readonly string[];
  /** `spendsense_app`'s CONNECTION LIMIT, from this server's `max_connections`. */
  readonly applicationConnectionLimit: number;
  /**
   * Other databases that still let every role connect: owned by someone else, so not ours to
   * change (on RDS, databases of the `rdsadmin` user).
   */
  readonly otherDatabasesLeftOpen: readonly string[];
}

/** A statement of the role SQL failed. The message holds no password or verifier. */
export class RoleConvergeError extends Error {
  override readonly name: string = 'RoleConvergeError';
  constructor(
    message: string,
    /** SQLSTATE of the failed statement, when the server gave one. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Serialises concurrent runs (two local starts, a deploy racing an operator). */
const ADVISORY_LOCK = 7_310_225_001;

/**
 * Brings the database `client` is connected to (as the master user) to the roles SpendSense
 * needs, whatever state it is in: creates what is missing, converges what differs, and grants
 * exactly what {@link APP_ROLE} and {@link MIGRATOR_ROLE} describe. One transaction, so other
 * sessions see the old state or the new one, never a half. The one SQL source for the
 * deployed database (the bootstrap) and the local one (`spendsense-db local start`).
 */
export async function convergeRoles(
  client: pg.ClientBase,
  options: RoleConvergeOptions = {},
): Promise<RoleConvergeReport> {
  const session = new ConvergeSession(client, options);
  await session.run('begin', 'begin');
  try {
    const report = await session.converge();
    await session.run('commit', 'commit');
    return report;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

interface ServerFacts {
  readonly superuser: boolean;
  readonly maxConnections: number;
}

class ConvergeSession {
  readonly #client: pg.ClientBase;
  readonly #options: RoleConvergeOptions;
  readonly #changes: string[] = [];
  /** Passwords and their verifiers, scrubbed from any server message. */
  readonly #secrets: string[] = [];

  constructor(client: pg.ClientBase, options: RoleConvergeOptions) {
    this.#client = client;
    this.#options = options;
    if (options.passwords !== undefined) {
      this.#secrets.push(options.passwords.app, options.passwords.migrator);
    }
  }

  async converge(): Promise<RoleConvergeReport> {
    await this.run('taking the roles lock', 'select pg_advisory_xact_lock($1)', [ADVISORY_LOCK]);
    const facts = await this.#serverFacts();
    const limit = applicationConnectionLimit(facts.maxConnections);

    await this.#ensureIamRole();
    await this.#convergeRole(
      MIGRATOR_ROLE,
      MIGRATOR_ROLE.connectionLimit,
      this.#options.passwords?.migrator,
    );
    await this.#convergeRole(APP_ROLE, limit, this.#options.passwords?.app);
    if (!facts.superuser) await this.#joinMigrator();
    await this.#convergeDatabase();
    const otherDatabasesLeftOpen = await this.#closeOtherDatabases(facts.superuser);
    await this.#convergeSchema();
    await this.#convergeMigrationsSchema();
    await this.#convergePrivileges();
    return { changes: this.#changes, applicationConnectionLimit: limit, otherDatabasesLeftOpen };
  }

  async #serverFacts(): Promise<ServerFacts> {
    const { rows } = await this.run<{ superuser: boolean; max: number }>(
      'reading the server settings',
      `select (select rolsuper from pg_roles where rolname = current_user) as superuser,
              current_setting('max_connections')::int as max`,
    );
    const row = rows[0];
    if (row === undefined)
      throw new RoleConvergeError('The server settings query returned no row.', undefined);
    return { superuser: row.superuser, maxConnections: row.max };
  }

  /** RDS has it; the local database gets a look-alike so memberships mirror RDS. */
  async #ensureIamRole(): Promise<void> {
    if ((await this.#attributes(IAM_ROLE)) !== undefined) return;
    await this.run(`creating ${IAM_ROLE}`, `CREATE ROLE ${this.#id(IAM_ROLE)} NOLOGIN`);
    this.#changes.push(`created ${IAM_ROLE}`);
  }

  async #convergeRole(
    role: RoleDefinition,
    connectionLimit: number,
    password: string | undefined,
  ): Promise<void> {
    const name = this.#id(role.name);
    let current = await this.#attributes(role.name);
    if (current === undefined) {
      await this.run(`creating ${role.name}`, `CREATE ROLE ${name} LOGIN`);
      this.#changes.push(`created ${role.name}`);
      current = await this.#attributes(role.name);
    }
    // Only what differs: a non-superuser master (RDS) may not even name SUPERUSER, REPLICATION
    // or BYPASSRLS in ALTER ROLE, although it may leave them as they are.
    const clauses = (Object.keys(ATTRIBUTE_KEYWORDS) as (keyof RoleAttributes)[])
      .filter((key) => current?.[key] !== role.attributes[key])
      .map((key) => ATTRIBUTE_KEYWORDS[key][role.attributes[key] ? 0 : 1]);
    if (current?.rolconnlimit !== connectionLimit)
      clauses.push(`CONNECTION LIMIT ${connectionLimit}`);
    if (clauses.length > 0) {
      await this.run(`altering ${role.name}`, `ALTER ROLE ${name} WITH ${clauses.join(' ')}`);
      this.#changes.push(`${role.name}: ${clauses.join(' ')}`);
    }

    const verifier = password === undefined ? undefined : scramSha256Verifier(password);
    if (verifier !== undefined) this.#secrets.push(verifier);
    await this.run(
      `setting the password of ${role.name}`,
      `ALTER ROLE ${name} PASSWORD ${verifier === undefined ? 'NULL' : this.#client.escapeLiteral(verifier)}`,
    );

    await this.#convergeSettings(role);
    await this.#convergeMemberships(role.name);
  }

  async #convergeSettings(role: RoleDefinition): Promise<void> {
    const { rows } = await this.run<{ setting: string }>(
      `reading the settings of ${role.name}`,
      `select unnest(s.setconfig) as setting
         from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
        where r.rolname = $1 and s.setdatabase = 0`,
      [role.name],
    );
    const current = rows.map((row) => row.setting).sort();
    // As pg_db_role_setting stores them: `key=value`, list items joined by ", ".
    const wanted = Object.entries(role.settings)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : value.join(', ')}`)
      .sort();
    if (JSON.stringify(current) === JSON.stringify(wanted)) return;
    const name = this.#id(role.name);
    await this.run(`resetting the settings of ${role.name}`, `ALTER ROLE ${name} RESET ALL`);
    for (const [key, value] of Object.entries(role.settings)) {
      await this.run(
        `setting ${key} for ${role.name}`,
        `ALTER ROLE ${name} SET ${this.#id(key)} = ${(typeof value === 'string' ? [value] : value).map((item) => this.#client.escapeLiteral(item)).join(', ')}`,
      );
    }
    this.#changes.push(`${role.name}: settings ${wanted.join(', ')}`);
  }

  /** A member of `rds_iam` and of nothing else. */
  async #convergeMemberships(roleName: string): Promise<void> {
    const { rows } = await this.run<{ granted: string }>(
      `reading the memberships of ${roleName}`,
      `select g.rolname as granted
         from pg_auth_members m
         join pg_roles g on g.oid = m.roleid
         join pg_roles r on r.oid = m.member
        where r.rolname = $1`,
      [roleName],
    );
    const granted = rows.map((row) => row.granted);
    for (const other of granted.filter((name) => name !== IAM_ROLE)) {
      await this.run(
        `revoking ${other} from ${roleName}`,
        `REVOKE ${this.#id(other)} FROM ${this.#id(roleName)}`,
      );
      this.#changes.push(`${roleName}: no longer a member of ${other}`);
    }
    if (!granted.includes(IAM_ROLE)) {
      await this.run(
        `granting ${IAM_ROLE} to ${roleName}`,
        `GRANT ${this.#id(IAM_ROLE)} TO ${this.#id(roleName)}`,
      );
      this.#changes.push(`${roleName}: member of ${IAM_ROLE}`);
    }
  }

  /**
   * A master user that is not a superuser (RDS's) must be a member of the migrator to give it
   * the schema and to set its default privileges.
   */
  async #joinMigrator(): Promise<void> {
    const { rows } = await this.run<{ member: boolean }>(
      'checking the master user is a member of the migrator',
      "select pg_has_role(current_user, $1, 'MEMBER') as member",
      [MIGRATOR_ROLE.name],
    );
    if (rows[0]?.member === true) return;
    await this.run(
      `granting ${MIGRATOR_ROLE.name} to the master user`,
      `GRANT ${this.#id(MIGRATOR_ROLE.name)} TO CURRENT_USER`,
    );
    this.#changes.push(`the master user: member of ${MIGRATOR_ROLE.name}`);
  }

  /** Only the two roles (and the owner) may connect to the application database; nobody gets TEMP or CREATE. */
  async #convergeDatabase(): Promise<void> {
    const { rows } = await this.run<{ name: string; open: boolean }>(
      'reading the database privileges',
      "select current_database() as name, has_database_privilege('public', current_database(), 'CONNECT') as open",
    );
    const database = this.#id(rows[0]?.name ?? '');
    const roles = `${this.#id(APP_ROLE.name)}, ${this.#id(MIGRATOR_ROLE.name)}`;
    await this.run(
      'revoking database privileges',
      `REVOKE ALL ON DATABASE ${database} FROM PUBLIC, ${roles}`,
    );
    await this.run('granting CONNECT', `GRANT CONNECT ON DATABASE ${database} TO ${roles}`);
    if (rows[0]?.open === true) this.#changes.push('CONNECT on the database revoked from PUBLIC');
  }

  /** Closes every other database the master user owns to PUBLIC; reports the ones it cannot. */
  async #closeOtherDatabases(superuser: boolean): Promise<string[]> {
    const { rows } = await this.run<{ name: string; ours: boolean }>(
      'reading the other databases',
      `select datname as name, $1::boolean or pg_has_role(current_user, datdba, 'MEMBER') as ours
         from pg_database
        where datallowconn and datname <> current_database()
          and has_database_privilege('public', oid, 'CONNECT')
        order by datname`,
      [superuser],
    );
    for (const database of rows.filter((row) => row.ours)) {
      await this.run(
        `revoking CONNECT on ${database.name} from PUBLIC`,
        `REVOKE CONNECT ON DATABASE ${this.#id(database.name)} FROM PUBLIC`,
      );
      this.#changes.push(`CONNECT on ${database.name} revoked from PUBLIC`);
    }
    return rows.filter((row) => !row.ours).map((row) => row.name);
  }

  /** The application schema, owned by the migrator; the application may only look it up. */
  async #convergeSchema(): Promise<void> {
    const schema = this.#id(APPLICATION_SCHEMA);
    const migrator = this.#id(MIGRATOR_ROLE.name);
    const { rows } = await this.run<{ owner: string }>(
      'reading the application schema',
      'select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1',
      [APPLICATION_SCHEMA],
    );
    const owner = rows[0]?.owner;
    if (owner === undefined) {
      await this.run(
        'creating the application schema',
        `CREATE SCHEMA ${schema} AUTHORIZATION ${migrator}`,
      );
      this.#changes.push(`created schema ${APPLICATION_SCHEMA}`);
    } else if (owner !== MIGRATOR_ROLE.name) {
      await this.run(
        'giving the schema to the migrator',
        `ALTER SCHEMA ${schema} OWNER TO ${migrator}`,
      );
      this.#changes.push(
        `schema ${APPLICATION_SCHEMA}: owner ${MIGRATOR_ROLE.name} (was ${owner})`,
      );
    }
    const app = this.#id(APP_ROLE.name);
    await this.run(
      'revoking schema privileges',
      `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC, ${app}`,
    );
    await this.run('granting USAGE on the schema', `GRANT USAGE ON SCHEMA ${schema} TO ${app}`);
    // PostgreSQL 15's default; kept so a database created otherwise cannot drift.
    const { rows: publicSchema } = await this.run(
      'reading the public schema',
      "select 1 from pg_namespace where nspname = 'public'",
    );
    if (publicSchema.length > 0) {
      await this.run('closing the public schema', 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    }
  }

  /**
   * The migration history's schema, owned by the migrator (which may not create schemas): the
   * application may read the history (the probe reports the schema version it sees) and write
   * none of it.
   */
  async #convergeMigrationsSchema(): Promise<void> {
    const schema = this.#id(MIGRATIONS_SCHEMA);
    const migrator = this.#id(MIGRATOR_ROLE.name);
    const app = this.#id(APP_ROLE.name);
    const { rows } = await this.run<{ owner: string }>(
      'reading the migrations schema',
      'select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1',
      [MIGRATIONS_SCHEMA],
    );
    const owner = rows[0]?.owner;
    if (owner === undefined) {
      await this.run(
        'creating the migrations schema',
        `CREATE SCHEMA ${schema} AUTHORIZATION ${migrator}`,
      );
      this.#changes.push(`created schema ${MIGRATIONS_SCHEMA}`);
    } else if (owner !== MIGRATOR_ROLE.name) {
      await this.run(
        'giving the migrations schema to the migrator',
        `ALTER SCHEMA ${schema} OWNER TO ${migrator}`,
      );
      this.#changes.push(`schema ${MIGRATIONS_SCHEMA}: owner ${MIGRATOR_ROLE.name} (was ${owner})`);
    }
    const defaults = `ALTER DEFAULT PRIVILEGES FOR ROLE ${migrator} IN SCHEMA ${schema}`;
    const statements: [string, string][] = [
      [
        'revoking migrations schema privileges',
        `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC, ${app}`,
      ],
      ['granting USAGE on the migrations schema', `GRANT USAGE ON SCHEMA ${schema} TO ${app}`],
      [
        'setting the default privileges on the history',
        `${defaults} REVOKE ALL ON TABLES FROM ${app}`,
      ],
      [
        'setting the default privileges on the history',
        `${defaults} GRANT SELECT ON TABLES TO ${app}`,
      ],
      [
        'setting the privileges on the history',
        `REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${app}`,
      ],
      [
        'setting the privileges on the history',
        `GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${app}`,
      ],
    ];
    for (const [what, sql] of statements) await this.run(what, sql);
  }

  /**
   * DML on the tables and USAGE on the sequences of the schema, those there now and, through the
   * migrator's default privileges, those it creates later; anything else is revoked.
   */
  async #convergePrivileges(): Promise<void> {
    const schema = this.#id(APPLICATION_SCHEMA);
    const app = this.#id(APP_ROLE.name);
    const defaults = `ALTER DEFAULT PRIVILEGES FOR ROLE ${this.#id(MIGRATOR_ROLE.name)} IN SCHEMA ${schema}`;
    const tables = APP_TABLE_PRIVILEGES.join(', ');
    const sequences = APP_SEQUENCE_PRIVILEGES.join(', ');
    const statements: [string, string][] = [
      ['default privileges on tables', `${defaults} REVOKE ALL ON TABLES FROM ${app}`],
      ['default privileges on tables', `${defaults} GRANT ${tables} ON TABLES TO ${app}`],
      ['default privileges on sequences', `${defaults} REVOKE ALL ON SEQUENCES FROM ${app}`],
      ['default privileges on sequences', `${defaults} GRANT ${sequences} ON SEQUENCES TO ${app}`],
      ['privileges on the tables', `REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${app}`],
      ['privileges on the tables', `GRANT ${tables} ON ALL TABLES IN SCHEMA ${schema} TO ${app}`],
      [
        'privileges on the sequences',
        `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${app}`,
      ],
      [
        'privileges on the sequences',
        `GRANT ${sequences} ON ALL SEQUENCES IN SCHEMA ${schema} TO ${app}`,
      ],
    ];
    for (const [what, sql] of statements) await this.run(`setting the ${what}`, sql);
  }

  async #attributes(
    roleName: string,
  ): Promise<(RoleAttributes & { readonly rolconnlimit: number }) | undefined> {
    const { rows } = await this.run<RoleAttributes & { rolconnlimit: number }>(
      `reading ${roleName}`,
      `select rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
              rolbypassrls, rolconnlimit
         from pg_roles where rolname = $1`,
      [roleName],
    );
    return rows[0];
  }

  #id(name: string): string {
    return this.#client.escapeIdentifier(name);
  }

  /** Runs one statement; a failure names what was being done, the SQLSTATE and its class. */
  async run<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    what: string,
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#client.query<Row>(sql, values);
    } catch (error) {
      const code = errorCode(error);
      const message = scrub(error instanceof Error ? error.message : String(error), this.#secrets);
      const detail =
        error instanceof pg.DatabaseError && code !== undefined
          ? describeSqlState(code)
          : (code ?? 'no SQLSTATE');
      throw new RoleConvergeError(
        `Converging the database roles failed while ${what}: ${message} (${detail}).`,
        error instanceof pg.DatabaseError ? code : undefined,
      );
    }
  }
}
