import { readFileSync } from 'node:fs';
import {
  APP_USERNAME,
  APPLICATION_AUTH_METHOD,
  CONNECTION_SECRET_ENV,
  DATABASE_NAME,
  DATABASE_PORT,
  DatabaseEnvironment,
} from '../shared/names.js';
import type { ConnectionTarget } from './client-config.js';
import type { CredentialSource } from './credentials/credential-source.js';
import { parseDatabaseUrl } from './credentials/database-url.js';
import { IamCredentials, type IamAuthenticationOptions } from './credentials/iam-credentials.js';
import { SecretCredentials } from './credentials/secret-credentials.js';
import { StaticCredentials } from './credentials/static-credentials.js';
import { DatabaseConfigurationError } from './errors.js';
import type { SecretSource } from './secret-source.js';

/** A PEM file of certificate authorities trusted besides the RDS ones (the local CA in dev). */
export const EXTRA_CA_FILE_ENV = DatabaseEnvironment.ExtraCaFile;

/** Receives the module's warnings. Fields never carry a secret. */
export interface DatabaseLogger {
  warn(
    message: string,
    fields: Readonly<Record<string, string | number | boolean | undefined>>,
  ): void;
}

/** What every way of logging in shares. */
export interface CommonDatabaseOptions {
  /**
   * Certificate authorities trusted besides the RDS ones, PEM text.
   * @default - only the Amazon RDS certificate authorities
   */
  readonly extraCertificateAuthorities?: readonly string[];
  /**
   * Bound on connect + TLS handshake + authentication for one attempt. Lambda and database share
   * a VPC, where this takes tens of milliseconds; an attempt still pending after 3 s is better
   * abandoned and retried on a fresh socket than waited for.
   * @default 3000
   */
  readonly connectionTimeoutMillis?: number;
  /**
   * Client-side bound on how long one `query()` call, or one `withClient()` callback, may hold
   * the connection. On expiry the connection is closed (the server rolls back an open
   * transaction) and the call fails with `DatabaseConnectionLostError`: the statement may still
   * have run. Set the Lambda's own timeout with this in mind.
   * @default 60000
   */
  readonly queryTimeoutMillis?: number;
  /**
   * Server-side `statement_timeout`: the server cancels a longer statement and the connection
   * stays usable. (`spendsense_app` also has a role-level one of 30 s.)
   * @default - the role's
   */
  readonly statementTimeoutMillis?: number;
  /**
   * Attempts to establish a connection, the first included, for failures that are safe to
   * retry and may clear up within the invocation (a timeout, a reset, a server restarting).
   * Worst case with the defaults: three 3 s timeouts plus at most 0.3 s of backoff. A server
   * with no free slot (`53300`) is never retried within the invocation: see
   * `noSlotBackoffBaseMillis`.
   * @default 3
   */
  readonly maxConnectAttempts?: number;
  /** @default 100 */
  readonly retryBaseDelayMillis?: number;
  /** @default 2000 */
  readonly retryMaxDelayMillis?: number;
  /**
   * After the server refused a connection for lack of a free slot (`53300`), this environment
   * keeps away from it, across invocations, for a random delay in [c/2, c) with
   * c = min(`noSlotBackoffMaxMillis`, `noSlotBackoffBaseMillis` x 2^(refusals-1)); meanwhile
   * its invocations fail at once with a retryable `DatabaseConnectionError` (`attempts` 0),
   * without touching the server. A connection that succeeds resets the count. Retrying at once
   * cannot succeed while the server is full and costs it a TLS handshake and an
   * authentication per refusal. A full server stays full for as long as the environments that
   * hold its slots stay warm (minutes), so the cap is long: with a 10 s cap, the probes of 124
   * environments too many took about a quarter of a db.t3.micro-sized server's throughput in
   * `npm run bench:scale`.
   * @default 1000
   */
  readonly noSlotBackoffBaseMillis?: number;
  /** @default 30000 */
  readonly noSlotBackoffMaxMillis?: number;
  /**
   * A connection idle for longer than this is given turns of the event loop before use, so a
   * close or error the server sent meanwhile is processed before a statement is written to a
   * dead socket. (It is given one anyway whenever the process waited for I/O since its last
   * use, as a frozen environment does, however short the freeze.)
   * @default 1000
   */
  readonly revalidateAfterIdleMillis?: number;
  /** @default 'spendsense' */
  readonly applicationName?: string;
  /** @default - JSON lines on stderr, which Lambda sends to CloudWatch Logs */
  readonly logger?: DatabaseLogger;
}

/** IAM authentication: what SpendSense functions use. */
export interface IamDatabaseOptions extends CommonDatabaseOptions {
  /** Where and as whom to connect; a token is signed for each new connection. */
  readonly iam: IamAuthenticationOptions;
  readonly connection?: never;
  readonly secretSource?: never;
}

/** A fixed password: the local database, scripts. */
export interface PasswordDatabaseOptions extends CommonDatabaseOptions {
  readonly connection: ConnectionTarget;
  readonly iam?: never;
  readonly secretSource?: never;
}

/** The connection secret's password (operators' tools): `secretsManagerSource` in `secret-source.ts`. */
export interface SecretDatabaseOptions extends CommonDatabaseOptions {
  readonly secretSource: SecretSource;
  readonly iam?: never;
  readonly connection?: never;
}

/** Exactly one way to log in: `iam`, `connection` or `secretSource`. */
export type DatabaseOptions = IamDatabaseOptions | PasswordDatabaseOptions | SecretDatabaseOptions;

/**
 * The tunables and their allowed ranges. Checked by hand rather than with a schema library:
 * this is the one edge of the Lambda bundle that needs checking, and a schema library would
 * weigh more than the rest of the module (zod: 92 KB of a 675 KB probe bundle, and 30 ms of
 * cold start).
 */
const TUNABLES = {
  connectionTimeoutMillis: { min: 1, max: 900_000, default: 3000 },
  queryTimeoutMillis: { min: 1, max: 900_000, default: 60_000 },
  statementTimeoutMillis: { min: 1, max: 900_000, default: undefined },
  maxConnectAttempts: { min: 1, max: 10, default: 3 },
  retryBaseDelayMillis: { min: 0, max: 900_000, default: 100 },
  retryMaxDelayMillis: { min: 0, max: 900_000, default: 2000 },
  noSlotBackoffBaseMillis: { min: 1, max: 900_000, default: 1000 },
  noSlotBackoffMaxMillis: { min: 1, max: 900_000, default: 30_000 },
  revalidateAfterIdleMillis: { min: 0, max: 900_000, default: 1000 },
} as const satisfies Record<string, { min: number; max: number; default: number | undefined }>;

type Tunables = {
  -readonly [K in keyof typeof TUNABLES]: (typeof TUNABLES)[K]['default'] extends undefined
    ? number | undefined
    : number;
};

export type ResolvedDatabaseOptions = Tunables & {
  readonly applicationName: string;
  readonly credentials: CredentialSource;
  readonly extraCertificateAuthorities: readonly string[];
  readonly logger: DatabaseLogger;
};

/** The tunables with their defaults applied, or a list of problems naming option and value. */
function checkTunables(given: Readonly<Record<string, unknown>>): Tunables & {
  applicationName: string;
} {
  const problems: string[] = [];
  const resolved: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(TUNABLES)) {
    const value = given[name];
    if (value === undefined) {
      resolved[name] = rule.default;
    } else if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < rule.min ||
      value > rule.max
    ) {
      problems.push(
        `\`${name}\` must be a whole number from ${rule.min} to ${rule.max}. Got ${JSON.stringify(value)}.`,
      );
    } else {
      resolved[name] = value;
    }
  }
  const applicationName = given.applicationName ?? 'spendsense';
  if (
    typeof applicationName !== 'string' ||
    applicationName.length < 1 ||
    applicationName.length > 63
  ) {
    problems.push(
      `\`applicationName\` must be a string of 1 to 63 characters. Got ${JSON.stringify(applicationName)}.`,
    );
  }
  if (problems.length > 0) {
    throw new DatabaseConfigurationError(`Invalid database options: ${problems.join(' ')}`);
  }
  return { ...(resolved as Tunables), applicationName: applicationName as string };
}

const LOGIN_OPTIONS = ['iam', 'connection', 'secretSource'] as const;

/** Applies defaults and rejects out-of-range values, naming the option, the value and the range. */
export function resolveDatabaseOptions(options: DatabaseOptions): ResolvedDatabaseOptions {
  const { iam, connection, secretSource, extraCertificateAuthorities, logger, ...tunables } =
    options;
  const given = LOGIN_OPTIONS.filter((name) => options[name] !== undefined);
  if (given.length !== 1) {
    throw new DatabaseConfigurationError(
      `Give exactly one of \`iam\`, \`connection\` and \`secretSource\`. Got ${given.length === 0 ? 'none' : given.map((name) => `\`${name}\``).join(' and ')}.`,
    );
  }
  const checked = checkTunables(tunables);
  const credentials: CredentialSource =
    iam !== undefined
      ? new IamCredentials(iam)
      : connection !== undefined
        ? new StaticCredentials(connection)
        : new SecretCredentials(secretSource as SecretSource);
  return {
    ...checked,
    credentials,
    extraCertificateAuthorities: extraCertificateAuthorities ?? [],
    logger: logger ?? jsonLineLogger,
  };
}

const jsonLineLogger: DatabaseLogger = {
  warn: (message, fields) => {
    console.warn(
      JSON.stringify({ level: 'WARN', logger: 'spendsense-database', message, ...fields }),
    );
  },
};

const { Host, Port, Name, User, AuthMethod, Url, ExtraCaFile } = DatabaseEnvironment;

const PORT_PROBLEM = 'must be a port number from 1 to 65535';

/** The application connection descriptor from the environment, or what is wrong with it. */
function checkDescriptor(
  value: (name: string) => string | undefined,
): { host: string; port: number; database: string; user: string } | string[] {
  const problems: string[] = [];
  const host = value(Host);
  if (host === undefined) {
    problems.push(
      `${Host} is not set; it must name the database host (the stack's application host)`,
    );
  }
  const portText = value(Port);
  const port = portText === undefined ? DATABASE_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    problems.push(`${Port} ${PORT_PROBLEM}`);
  const method = value(AuthMethod) ?? APPLICATION_AUTH_METHOD;
  if (method !== APPLICATION_AUTH_METHOD) {
    problems.push(
      `${AuthMethod} must be ${APPLICATION_AUTH_METHOD}: functions authenticate with IAM tokens (a password goes in ${Url}, for the local database)`,
    );
  }
  if (problems.length > 0 || host === undefined) return problems;
  return { host, port, database: value(Name) ?? DATABASE_NAME, user: value(User) ?? APP_USERNAME };
}

/**
 * Options for a Lambda (or any process) configured through its environment
 * ({@link DatabaseEnvironment}): in AWS the application connection descriptor, and IAM
 * authentication as `spendsense_app`; locally `SPENDSENSE_DB_URL` with the password.
 * `overrides` wins over the environment.
 */
export function databaseOptionsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<CommonDatabaseOptions> = {},
): DatabaseOptions {
  const value = (name: string): string | undefined => emptyToUndefined(env[name]);
  if (value(CONNECTION_SECRET_ENV) !== undefined) {
    throw new DatabaseConfigurationError(
      `${CONNECTION_SECRET_ENV} is set, but SpendSense functions no longer read the connection secret: they log in as ${APP_USERNAME} with IAM authentication. Set ${Host} (and ${Port}, ${Name}, ${User} if they differ from the defaults) from the database stack's application descriptor; docs/lambda.md shows how.`,
    );
  }
  const caFiles = [value(ExtraCaFile)];
  const url = value(Url);
  if (url !== undefined) {
    if (value(Host) !== undefined) {
      throw new DatabaseConfigurationError(
        `Set ${Url} (a password login, for the local database) or ${Host} (IAM authentication), not both.`,
      );
    }
    const login = parseDatabaseUrl(url, Url);
    caFiles.push(login.caFile);
    return { connection: login.connection, ...extraCas(caFiles), ...overrides };
  }

  const descriptor = checkDescriptor(value);
  if (Array.isArray(descriptor)) {
    const problems = descriptor.map((problem) => {
      const name = problem.slice(0, problem.indexOf(' '));
      const got = env[name] === undefined ? '' : ` Got ${JSON.stringify(env[name])}.`;
      return `${problem}.${got}`;
    });
    throw new DatabaseConfigurationError(
      `${problems.join(' ')} (Or set ${Url} for a password login to the local database.)`,
    );
  }
  return {
    iam: descriptor,
    ...extraCas(caFiles),
    ...overrides,
  };
}

function extraCas(
  files: readonly (string | undefined)[],
): Pick<CommonDatabaseOptions, 'extraCertificateAuthorities'> {
  const pems = files.filter((file) => file !== undefined).map(readCaFile);
  return pems.length === 0 ? {} : { extraCertificateAuthorities: pems };
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatabaseConfigurationError(
      `The CA file ${path} (${ExtraCaFile} or sslrootcert) cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DatabaseConfigurationError(
      `The CA file ${path} (${ExtraCaFile} or sslrootcert) holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
    );
  }
  return pem;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
