/**
 * The errors the runtime module throws. Each `name` is its class name, a wrapped foreign error
 * is kept as `cause`, and no message ever carries a password: messages are built from codes,
 * host names and field names, and any foreign text is redacted first.
 */

/** Why a connection could not be established. */
export type ConnectionFailureReason =
  /** Connect, TLS handshake or authentication did not finish within `connectionTimeoutMillis`. */
  | 'timeout'
  /** Nothing listens on the port (or a firewall rejects). */
  | 'refused'
  /** The server or the network closed the connection while it was being set up. */
  | 'reset'
  /** The host could not be reached at the network level. */
  | 'unreachable'
  /** The host name did not resolve. */
  | 'dns'
  /** SQLSTATE 53300: the server has no free connection slot. */
  | 'too-many-connections'
  /** SQLSTATE 57P01/57P02/57P03 or class 08: the server is shutting down, starting up or broke the session. */
  | 'server-unavailable'
  /** The server did not offer TLS, or its certificate was not trusted for this host. Never retried. */
  | 'tls'
  /** SQLSTATE 3D000: the database named in the secret does not exist. */
  | 'database-missing'
  | 'other';

/** Base class: `catch (e) { if (e instanceof DatabaseRuntimeError) ... }` catches everything below. */
export class DatabaseRuntimeError extends Error {
  override readonly name: string = 'DatabaseRuntimeError';
}

/** The module is misconfigured: a missing environment variable or an invalid option. */
export class DatabaseConfigurationError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseConfigurationError';
}

export type SecretUnavailableReason = 'not-found' | 'access-denied' | 'unavailable';

/** The connection secret could not be read (missing, no permission, Secrets Manager unreachable). */
export class SecretUnavailableError extends DatabaseRuntimeError {
  override readonly name: string = 'SecretUnavailableError';
  constructor(
    message: string,
    readonly reason: SecretUnavailableReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The connection secret was read but is not the expected JSON. The message names fields and the
 * kind of problem only, never a value.
 */
export class SecretMalformedError extends DatabaseRuntimeError {
  override readonly name: string = 'SecretMalformedError';
}

/**
 * No IAM authentication token could be signed: no AWS credentials (a role, a profile, the
 * environment) or no region. Nothing was sent to the database.
 */
export class CredentialsUnavailableError extends DatabaseRuntimeError {
  override readonly name: string = 'CredentialsUnavailableError';
}

/** No connection could be established, after retrying where retrying is safe. */
export class DatabaseConnectionError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseConnectionError';
  constructor(
    message: string,
    readonly reason: ConnectionFailureReason,
    /** Connection attempts made, the failed one included. */
    readonly attempts: number,
    /** SQLSTATE or Node.js error code of the last failure, when there is one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The server rejected the credentials. For a wrong password (`28P01`) the secret has already been
 * read again bypassing the cache, and the connection retried once with it.
 */
export class DatabaseAuthenticationError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseAuthenticationError';
  constructor(
    message: string,
    /** `28P01` (wrong password) or `28000` (not authorised, e.g. no `pg_hba.conf` entry). */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The connection broke while a statement was in flight. The statement may or may not have run,
 * so it is not retried: the caller decides (an idempotent read can simply be called again). The
 * broken connection has been discarded; the next call opens a new one.
 */
export class DatabaseConnectionLostError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseConnectionLostError';
}
