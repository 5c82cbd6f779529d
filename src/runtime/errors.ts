/**
 * The errors the runtime module throws. Each `name` is its class name, a wrapped foreign error
 * is kept as `cause`, and no message ever carries a password: messages are built from codes,
 * host names and field names, and any foreign text is redacted first.
 *
 * Each says whether it is `retryable`: whether the same call, made again later with no change
 * to code or configuration, may succeed. A handler uses it to decide between a retryable answer
 * (HTTP 503, or rethrowing so that Lambda or the queue retries the event) and a permanent one.
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
  /**
   * The condition is transient: the same call may succeed later without any change to code or
   * configuration. False for the errors only a fix can cure.
   */
  readonly retryable: boolean = false;
}

/** The module is misconfigured: a missing environment variable or an invalid option. */
export class DatabaseConfigurationError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseConfigurationError';
}

export type SecretUnavailableReason = 'not-found' | 'access-denied' | 'unavailable';

/** The connection secret could not be read (missing, no permission, Secrets Manager unreachable). */
export class SecretUnavailableError extends DatabaseRuntimeError {
  override readonly name: string = 'SecretUnavailableError';
  /** True when Secrets Manager did not answer (`unavailable`); a missing secret or permission needs a fix. */
  override readonly retryable: boolean;
  constructor(
    message: string,
    readonly reason: SecretUnavailableReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = reason === 'unavailable';
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

/** Reasons that clear up by themselves: the network, the server's state, its free slots. */
const TRANSIENT_REASONS: ReadonlySet<ConnectionFailureReason> = new Set([
  'timeout',
  'refused',
  'reset',
  'unreachable',
  'too-many-connections',
  'server-unavailable',
]);

export interface DatabaseConnectionErrorOptions {
  readonly cause?: unknown;
  /**
   * @default - true for `timeout`, `refused`, `reset`, `unreachable`, `too-many-connections` and
   * `server-unavailable`; false otherwise
   */
  readonly retryable?: boolean;
  /** How long this environment will not try the server again (`too-many-connections`). */
  readonly retryAfterMillis?: number;
}

/**
 * No connection could be established, after retrying where retrying is safe. With `reason`
 * `too-many-connections` the server had no free slot (`53300`); `attempts` is 0 when this
 * environment did not even try, because the server refused it moments ago (see
 * `retryAfterMillis`).
 */
export class DatabaseConnectionError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseConnectionError';
  override readonly retryable: boolean;
  /**
   * Set for `too-many-connections`: how long, from now, this execution environment fails
   * without trying the server (a jittered backoff that grows with each refusal, reset by a
   * connection that succeeds).
   */
  readonly retryAfterMillis: number | undefined;
  constructor(
    message: string,
    readonly reason: ConnectionFailureReason,
    /** Connection attempts made, the failed one included; 0 when none was (backing off). */
    readonly attempts: number,
    /** SQLSTATE or Node.js error code of the last failure, when there is one. */
    readonly code: string | undefined,
    options: DatabaseConnectionErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? TRANSIENT_REASONS.has(reason);
    this.retryAfterMillis = options.retryAfterMillis;
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
 * broken connection has been discarded; the next call opens a new one. `retryable`, but only
 * work that is safe to run twice should be retried blindly.
 */
export class DatabaseConnectionLostError extends DatabaseRuntimeError {
  override readonly name: string = 'DatabaseConnectionLostError';
  override readonly retryable: boolean = true;
}
