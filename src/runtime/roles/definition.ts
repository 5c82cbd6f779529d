import { MIGRATOR_CONNECTION_LIMIT } from '../../shared/connection-budget.js';
import { APP_USERNAME, APPLICATION_SCHEMA, MIGRATOR_USERNAME } from '../../shared/names.js';

/**
 * The desired state of the two roles SpendSense adds to the master user, as data: the role SQL
 * (`converge.ts`) brings any database to it, deployed (the bootstrap) and local alike.
 */

/** The role RDS uses to mark users that log in with IAM authentication tokens. */
export const IAM_ROLE = 'rds_iam';

/** Attributes as `pg_roles` shows them. */
export interface RoleAttributes {
  readonly rolsuper: boolean;
  readonly rolinherit: boolean;
  readonly rolcreaterole: boolean;
  readonly rolcreatedb: boolean;
  readonly rolcanlogin: boolean;
  readonly rolreplication: boolean;
  readonly rolbypassrls: boolean;
}

/** The `ALTER ROLE` keyword that sets each attribute, true and false. */
export const ATTRIBUTE_KEYWORDS: Readonly<Record<keyof RoleAttributes, readonly [string, string]>> =
  {
    rolsuper: ['SUPERUSER', 'NOSUPERUSER'],
    rolinherit: ['INHERIT', 'NOINHERIT'],
    rolcreaterole: ['CREATEROLE', 'NOCREATEROLE'],
    rolcreatedb: ['CREATEDB', 'NOCREATEDB'],
    rolcanlogin: ['LOGIN', 'NOLOGIN'],
    rolreplication: ['REPLICATION', 'NOREPLICATION'],
    rolbypassrls: ['BYPASSRLS', 'NOBYPASSRLS'],
  };

/** A login role with no power beyond what is granted to it. */
const PLAIN_LOGIN: RoleAttributes = {
  rolsuper: false,
  rolinherit: true,
  rolcreaterole: false,
  rolcreatedb: false,
  rolcanlogin: true,
  rolreplication: false,
  rolbypassrls: false,
};

export interface RoleDefinition {
  readonly name: string;
  readonly attributes: RoleAttributes;
  /** Role-level settings (`ALTER ROLE ... SET`), a list for a list setting; any other is reset. */
  readonly settings: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * `spendsense_app`: what Lambdas log in as. Its settings protect the database from a runaway
 * function: no statement runs longer than a Lambda could wait for it, and no transaction left
 * open by a frozen or crashed function holds its locks for long. Its CONNECTION LIMIT comes from
 * the server's `max_connections` (see `applicationConnectionLimit`).
 */
export const APP_ROLE: RoleDefinition = {
  name: APP_USERNAME,
  attributes: PLAIN_LOGIN,
  settings: {
    statement_timeout: '30s',
    idle_in_transaction_session_timeout: '60s',
    search_path: [APPLICATION_SCHEMA, 'public'],
  },
};

/** `spendsense_migrator`: owns the application schema; migrations run as this role. */
export const MIGRATOR_ROLE: RoleDefinition & { readonly connectionLimit: number } = {
  name: MIGRATOR_USERNAME,
  attributes: PLAIN_LOGIN,
  connectionLimit: MIGRATOR_CONNECTION_LIMIT,
  settings: { search_path: [APPLICATION_SCHEMA, 'public'] },
};

/** What the application role may do on the tables and sequences of the application schema. */
export const APP_TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
export const APP_SEQUENCE_PRIVILEGES = ['USAGE'] as const;
