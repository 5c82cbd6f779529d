/**
 * The errors of the password rotation. Each `name` is its class name and a wrapped foreign error
 * is kept as `cause`. Messages name secrets by ARN, versions by id, stages and fields, never a
 * value: Secrets Manager and CloudWatch keep the message of a failed step.
 */

/** Base class: every failure of a rotation step is one of these. */
export class RotationError extends Error {
  override readonly name: string = 'RotationError';
}

/** The function's environment or the event is not what it needs. Nothing was changed. */
export class RotationConfigurationError extends RotationError {
  override readonly name: string = 'RotationConfigurationError';
}

/**
 * The secret is not in a state this step may act on: rotation turned off, the version is not
 * staged `AWSPENDING`, the users of the two secrets differ... Nothing was changed.
 */
export class RotationStateError extends RotationError {
  override readonly name: string = 'RotationStateError';
}

/** A secret's value is not the JSON expected. The message names fields, never values. */
export class SecretValueError extends RotationError {
  override readonly name: string = 'SecretValueError';
}

/** A Secrets Manager call failed. */
export class SecretsManagerCallError extends RotationError {
  override readonly name: string = 'SecretsManagerCallError';
  constructor(
    message: string,
    /** The API operation, e.g. `PutSecretValue`. */
    readonly operation: string,
    /** The AWS error name, e.g. `ResourceNotFoundException`, `AccessDeniedException`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why the database could not be used. */
export type DatabaseFailureReason =
  /** Every known password was rejected (`28P01`). */
  | 'rejected'
  /** No connection: network, TLS, server down or full, timeout. */
  | 'unreachable'
  /** The server refused the password change or the check statement. */
  | 'statement';

/** The database could not be reached, refused every known password, or refused the change. */
export class RotationDatabaseError extends RotationError {
  override readonly name: string = 'RotationDatabaseError';
  constructor(
    message: string,
    readonly reason: DatabaseFailureReason,
    /** SQLSTATE or Node.js error code, when there is one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
