import { readFileSync } from 'node:fs';
import * as z from 'zod';
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
   * authentication per refusal.
   * @default 1000
   */
  readonly noSlotBackoffBaseMillis?: number;
  /** @default 10000 */
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

const millis = z.number().int().min(0).max(900_000);
const optionsSchema = z.object({
  connectionTimeoutMillis: millis.min(1).default(3000),
  queryTimeoutMillis: millis.min(1).default(60_000),
  statementTimeoutMillis: millis.min(1).optional(),
  maxConnectAttempts: z.number().int().min(1).max(10).default(3),
  retryBaseDelayMillis: millis.default(100),
  retryMaxDelayMillis: millis.default(2000),
  noSlotBackoffBaseMillis: millis.min(1).default(1000),
  noSlotBackoffMaxMillis: millis.min(1).default(10_000),
  revalidateAfterIdleMillis: millis.default(1000),
  applicationName: z.string().min(1).max(63).default('spendsense'),
});

export type ResolvedDatabaseOptions = z.infer<typeof optionsSchema> & {
  readonly credentials: CredentialSource;
  readonly extraCertificateAuthorities: readonly string[];
  readonly logger: DatabaseLogger;
};

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
  const parsed = optionsSchema.safeParse(tunables);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const value = (tunables as Record<string, unknown>)[key];
      return `\`${key}\` ${issue.message.toLowerCase()}. Got ${JSON.stringify(value)}.`;
    });
    throw new DatabaseConfigurationError(`Invalid database options: ${problems.join(' ')}`);
  }
  const credentials: CredentialSource =
    iam !== undefined
      ? new IamCredentials(iam)
      : connection !== undefined
        ? new StaticCredentials(connection)
        : new SecretCredentials(secretSource as SecretSource);
  return {
    ...parsed.data,
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

const descriptorSchema = z.object({
  [Host]: z
    .string({ error: `is not set; it must name the database host (the stack's application host)` })
    .min(1, { error: 'is empty; it must name the database host' }),
  [Port]: z.coerce
    .number({ error: 'must be a port number from 1 to 65535' })
    .int({ error: 'must be a port number from 1 to 65535' })
    .min(1, { error: 'must be a port number from 1 to 65535' })
    .max(65_535, { error: 'must be a port number from 1 to 65535' })
    .default(DATABASE_PORT),
  [Name]: z.string().min(1).default(DATABASE_NAME),
  [User]: z.string().min(1).default(APP_USERNAME),
  [AuthMethod]: z
    .literal(APPLICATION_AUTH_METHOD, {
      error: `must be ${APPLICATION_AUTH_METHOD}: functions authenticate with IAM tokens (a password goes in ${Url}, for the local database)`,
    })
    .default(APPLICATION_AUTH_METHOD),
});

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

  const parsed = descriptorSchema.safeParse({
    [Host]: value(Host),
    [Port]: value(Port),
    [Name]: value(Name),
    [User]: value(User),
    [AuthMethod]: value(AuthMethod),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const got = env[name] === undefined ? '' : ` Got ${JSON.stringify(env[name])}.`;
      return `${name} ${issue.message}.${got}`;
    });
    throw new DatabaseConfigurationError(
      `${problems.join(' ')} (Or set ${Url} for a password login to the local database.)`,
    );
  }
  const descriptor = parsed.data;
  return {
    iam: {
      host: descriptor[Host],
      port: descriptor[Port],
      database: descriptor[Name],
      user: descriptor[User],
    },
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
