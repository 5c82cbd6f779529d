import { TransformParameterError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  SecretMalformedError,
  SecretUnavailableError,
  type SecretUnavailableReason,
} from './errors.js';
import { scrub } from './redact.js';
import { scrubbedCause } from './scrubbed-cause.js';

export interface SecretReadOptions {
  /** Bypass any cache: set after the server rejected the cached password. */
  readonly forceFetch: boolean;
}

/**
 * Where the connection secret's JSON comes from. The module calls it whenever it is about to open
 * a new connection, so a source should cache; it validates the result itself. Tests and the
 * benchmark pass their own source instead of patching the AWS SDK.
 */
export type SecretSource = (options: SecretReadOptions) => Promise<unknown>;

/**
 * Five minutes. A cached password only matters when a new connection is opened (an open one
 * survives a password change), and a rotation that makes it stale costs one rejected attempt:
 * on `28P01` the module re-reads the secret bypassing the cache. Powertools' own default of 5 s
 * would add a Secrets Manager round trip (tens of milliseconds through the VPC endpoint, and a
 * billed API call) to most reconnects for no gain.
 */
export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

export interface SecretsManagerSourceOptions {
  /**
   * How long a value read from Secrets Manager is reused, in seconds. 0 reads it every time.
   * @default 300
   */
  readonly maxAgeSeconds?: number;
}

/**
 * Reads the connection secret through Powertools for AWS Lambda (JSON transform, cache with a
 * maximum age). It uses its own `SecretsProvider` rather than the shared one behind `getSecret`
 * only to give the SDK client timeouts: without them a missing VPC endpoint would hang each
 * invocation until the Lambda itself times out.
 */
export function secretsManagerSource(
  secretId: string,
  options: SecretsManagerSourceOptions = {},
): SecretSource {
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_SECONDS;
  const provider = new SecretsProvider({
    clientConfig: {
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: 1000,
        requestTimeout: 3000,
        throwOnRequestTimeout: true,
      },
    },
  });
  return async ({ forceFetch }) => {
    let value: unknown;
    try {
      value = await provider.get(secretId, { transform: 'json', maxAge, forceFetch });
    } catch (error) {
      throw secretReadError(secretId, error);
    }
    if (value === undefined || value === null) {
      throw new SecretMalformedError(`The connection secret ${secretId} has no value.`);
    }
    return value;
  };
}

const HINTS: Readonly<Record<SecretUnavailableReason, string>> = {
  'not-found': 'Check that the secret id names an existing secret in this account and region.',
  'access-denied':
    "The function's role needs secretsmanager:GetSecretValue on this secret and kms:Decrypt on its key.",
  unavailable:
    'Secrets Manager did not answer; a function in isolated subnets reaches it only through the Secrets Manager VPC endpoint.',
};

function secretReadError(secretId: string, error: unknown): Error {
  if (error instanceof TransformParameterError) {
    // The parser's message quotes the start of the text, which may be the password itself:
    // neither that message nor the error carrying it may travel on.
    return new SecretMalformedError(`The connection secret ${secretId} is not valid JSON.`);
  }
  const sdkError = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const name = sdkError instanceof Error ? sdkError.name : 'UnknownError';
  const reason: SecretUnavailableReason =
    name === 'ResourceNotFoundException'
      ? 'not-found'
      : name === 'AccessDeniedException' || name === 'DecryptionFailure'
        ? 'access-denied'
        : 'unavailable';
  const detail = sdkError instanceof Error ? scrub(sdkError.message, []) : '';
  return new SecretUnavailableError(
    `Could not read the connection secret ${secretId}: ${name}${detail ? ` (${detail})` : ''}. ${HINTS[reason]}`,
    reason,
    { cause: scrubbedCause(sdkError, []) },
  );
}
