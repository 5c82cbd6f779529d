import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { CONNECTION_SECRET_ENV } from '../shared/names.js';
import { DatabaseConfigurationError } from './errors.js';
import { type SecretSource, secretsManagerSource } from './secret-source.js';

/** How long Secrets Manager values are reused, in seconds (default 300). */
export const SECRET_MAX_AGE_ENV = 'SPENDSENSE_DB_SECRET_MAX_AGE_SECONDS';
/** A PEM file of certificate authorities trusted besides the RDS ones (the local CA in dev). */
export const EXTRA_CA_FILE_ENV = 'SPENDSENSE_DB_EXTRA_CA_FILE';

/** Receives the module's warnings. Fields never carry a secret. */
export interface DatabaseLogger {
  warn(
    message: string,
    fields: Readonly<Record<string, string | number | boolean | undefined>>,
  ): void;
}

export interface DatabaseOptions {
  /** Where the connection secret comes from: {@link secretsManagerSource} in a Lambda. */
  readonly secretSource: SecretSource;
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
   * stays usable.
   * @default - none
   */
  readonly statementTimeoutMillis?: number;
  /**
   * Attempts to establish a connection, the first included, for failures that are safe to
   * retry. Worst case with the defaults: three 3 s timeouts plus at most 0.3 s of backoff.
   * @default 3
   */
  readonly maxConnectAttempts?: number;
  /** @default 100 */
  readonly retryBaseDelayMillis?: number;
  /** @default 2000 */
  readonly retryMaxDelayMillis?: number;
  /**
   * A connection idle for longer than this (typically: the environment was frozen between
   * invocations) is given one turn of the event loop before use, so a close or error the server
   * sent meanwhile is processed before a statement is written to a dead socket.
   * @default 1000
   */
  readonly revalidateAfterIdleMillis?: number;
  /** @default 'spendsense' */
  readonly applicationName?: string;
  /** @default - JSON lines on stderr, which Lambda sends to CloudWatch Logs */
  readonly logger?: DatabaseLogger;
}

const millis = z.number().int().min(0).max(900_000);
const optionsSchema = z.object({
  connectionTimeoutMillis: millis.min(1).default(3000),
  queryTimeoutMillis: millis.min(1).default(60_000),
  statementTimeoutMillis: millis.min(1).optional(),
  maxConnectAttempts: z.number().int().min(1).max(10).default(3),
  retryBaseDelayMillis: millis.default(100),
  retryMaxDelayMillis: millis.default(2000),
  revalidateAfterIdleMillis: millis.default(1000),
  applicationName: z.string().min(1).max(63).default('spendsense'),
});

export type ResolvedDatabaseOptions = z.infer<typeof optionsSchema> & {
  readonly secretSource: SecretSource;
  readonly extraCertificateAuthorities: readonly string[];
  readonly logger: DatabaseLogger;
};

/** Applies defaults and rejects out-of-range values, naming the option, the value and the range. */
export function resolveDatabaseOptions(options: DatabaseOptions): ResolvedDatabaseOptions {
  const { secretSource, extraCertificateAuthorities, logger, ...tunables } = options;
  const parsed = optionsSchema.safeParse(tunables);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const value = (tunables as Record<string, unknown>)[key];
      return `\`${key}\` ${issue.message.toLowerCase()}. Got ${JSON.stringify(value)}.`;
    });
    throw new DatabaseConfigurationError(`Invalid database options: ${problems.join(' ')}`);
  }
  return {
    ...parsed.data,
    secretSource,
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

const environmentSchema = z.object({
  [CONNECTION_SECRET_ENV]: z
    .string({ error: 'is not set; it must name the connection secret (name or ARN)' })
    .min(1, { error: 'is empty; it must name the connection secret (name or ARN)' }),
  [SECRET_MAX_AGE_ENV]: z.coerce
    .number({ error: 'must be a whole number of seconds from 0 to 86400' })
    .int({ error: 'must be a whole number of seconds from 0 to 86400' })
    .min(0, { error: 'must be a whole number of seconds from 0 to 86400' })
    .max(86_400, { error: 'must be a whole number of seconds from 0 to 86400' })
    .optional(),
  [EXTRA_CA_FILE_ENV]: z.string().min(1).optional(),
});

/**
 * Options for a Lambda (or any process) configured through the environment: the secret named by
 * `SPENDSENSE_DB_SECRET_ID`, read from Secrets Manager, plus the optional cache age and extra CA
 * file. `overrides` wins over the environment.
 */
export function databaseOptionsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<DatabaseOptions> = {},
): DatabaseOptions {
  const parsed = environmentSchema.safeParse({
    [CONNECTION_SECRET_ENV]: env[CONNECTION_SECRET_ENV],
    [SECRET_MAX_AGE_ENV]: emptyToUndefined(env[SECRET_MAX_AGE_ENV]),
    [EXTRA_CA_FILE_ENV]: emptyToUndefined(env[EXTRA_CA_FILE_ENV]),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = name === CONNECTION_SECRET_ENV ? '' : ` Got ${JSON.stringify(env[name])}.`;
      return `${name} ${issue.message}.${shown}`;
    });
    throw new DatabaseConfigurationError(problems.join(' '));
  }
  const values = parsed.data;
  const secretId = values[CONNECTION_SECRET_ENV];
  const maxAgeSeconds = values[SECRET_MAX_AGE_ENV];
  const caFile = values[EXTRA_CA_FILE_ENV];
  return {
    secretSource: secretsManagerSource(secretId, { maxAgeSeconds }),
    ...(caFile !== undefined && { extraCertificateAuthorities: [readCaFile(caFile)] }),
    ...overrides,
  };
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatabaseConfigurationError(
      `${EXTRA_CA_FILE_ENV} points to ${path}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`,
      { cause: error },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DatabaseConfigurationError(
      `${EXTRA_CA_FILE_ENV} points to ${path}, which holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
    );
  }
  return pem;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
