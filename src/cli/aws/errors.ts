import { redactConnectionStrings } from '../../runtime/redact.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { TimeoutError } from './timeout.js';

/** What went wrong with an AWS call, in the terms the CLI reports. */
export type AwsFailureKind =
  | 'credentials-missing'
  | 'credentials-rejected'
  | 'access-denied'
  | 'region'
  | 'timeout'
  | 'network'
  | 'other';

export interface AwsFailure {
  readonly kind: AwsFailureKind;
  /** The error's name or AWS error code, for example `AccessDeniedException`. */
  readonly code: string;
  /** One line, safe to print: AWS's own message, with any connection string masked. */
  readonly summary: string;
}

const CREDENTIALS_MISSING = new Set(['CredentialsProviderError', 'TokenProviderError']);
const CREDENTIALS_REJECTED = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'NotAuthorized',
]);
const TIMEOUTS = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/** The exit code of each network failure, as `check` uses them: name, refusal, no answer. */
const NETWORK_EXIT_CODES: Readonly<Record<string, ExitCode>> = {
  ENOTFOUND: ExitCode.DnsFailure,
  EAI_AGAIN: ExitCode.DnsFailure,
  ECONNREFUSED: ExitCode.ConnectionRefused,
};

/** Sorts an error thrown by the AWS SDK (or by our own timeouts) into an {@link AwsFailureKind}. */
export function classifyAwsError(error: unknown): AwsFailure {
  const code = errorCode(error);
  const summary = oneLine(error);
  const kind = kindOf(error, code, summary);
  // A network failure is named by its system code (ENOTFOUND, ECONNREFUSED...).
  return { kind, code: kind === 'network' ? (systemCode(error) ?? code) : code, summary };
}

function kindOf(error: unknown, code: string, summary: string): AwsFailureKind {
  if (CREDENTIALS_MISSING.has(code)) return 'credentials-missing';
  if (CREDENTIALS_REJECTED.has(code)) return 'credentials-rejected';
  // An unknown code with HTTP 403 is a refusal too (the rejected-credential codes are 403s as
  // well, and were sorted out above).
  if (ACCESS_DENIED.has(code) || httpStatus(error) === 403) return 'access-denied';
  if (/region is missing|invalid region/i.test(summary)) return 'region';
  if (TIMEOUTS.has(code) || error instanceof TimeoutError) return 'timeout';
  if (NETWORK_CODES.has(systemCode(error) ?? '')) return 'network';
  return 'other';
}

/** Where a failed call was made: named in messages and hints. */
export interface AwsCallScope {
  readonly region?: string;
  readonly profile?: string;
}

/**
 * The CliError for an AWS failure that stops a command: each kind its own exit code, the
 * message says what failed and the hint what to do about it.
 */
export function awsFailureToCliError(
  failure: AwsFailure,
  scope: AwsCallScope,
  cause?: unknown,
): CliError {
  const where = describeScope(scope);
  const options = { cause };
  switch (failure.kind) {
    case 'credentials-missing':
      return new CliError(
        `No AWS credentials found${where}: ${failure.summary}`,
        ExitCode.AwsCredentialsMissing,
        'Sign in first: `aws sso login --profile NAME` then pass `--profile NAME`, or `aws configure`, ' +
          'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. (`npx spendsense-db cost` works without AWS.)',
        options,
      );
    case 'credentials-rejected':
      return new CliError(
        `AWS rejected the credentials${where} (${failure.code}): ${failure.summary}`,
        ExitCode.AwsCredentialsMissing,
        'Refresh them (`aws sso login`, or new access keys). If the region is an opt-in region, ' +
          'it must be enabled for the account.',
        options,
      );
    case 'access-denied':
      return new CliError(
        `Access denied${where} (${failure.code}): ${failure.summary}`,
        ExitCode.AwsAccessDenied,
        'The principal needs the read-only permissions listed in docs/database.md ' +
          '("Verify a deployment"); ask an administrator or use another --profile.',
        options,
      );
    case 'region':
      return new CliError(
        `No usable AWS region${where}: ${failure.summary}`,
        ExitCode.WrongRegion,
        'Pass --region (for example --region us-east-1), set AWS_REGION, or set `region` in the profile.',
        options,
      );
    case 'timeout':
      return new CliError(
        `AWS did not answer in time${where}: ${failure.summary}`,
        ExitCode.NoAnswer,
        'Check the network (proxy, VPN, firewall) and retry.',
        options,
      );
    case 'network':
      return new CliError(
        `Cannot reach AWS${where} (${failure.code}): ${failure.summary}`,
        NETWORK_EXIT_CODES[failure.code] ?? ExitCode.NoAnswer,
        'This machine cannot reach the AWS endpoint: check that it is online, that a proxy it needs is set (HTTPS_PROXY), and that the region exists.',
        options,
      );
    case 'other':
      return new CliError(
        `AWS call failed${where} (${failure.code}): ${failure.summary}`,
        ExitCode.Internal,
        'AWS answered with an error this command does not know; its code and message above say what failed.',
        options,
      );
  }
}

/** Shorthand: classify, then convert. */
export function toAwsCliError(error: unknown, scope: AwsCallScope): CliError {
  if (error instanceof CliError) return error;
  return awsFailureToCliError(classifyAwsError(error), scope, error);
}

function describeScope(scope: AwsCallScope): string {
  const parts = [
    scope.region === undefined ? undefined : `region ${scope.region}`,
    scope.profile === undefined ? undefined : `profile ${scope.profile}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const record = error as { name?: unknown; Code?: unknown; code?: unknown };
  // Query-protocol services (CloudFormation, RDS, EC2) put the AWS code in `name`; some
  // errors only carry `Code`.
  for (const candidate of [record.name, record.Code]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error')
      return candidate;
  }
  return typeof record.code === 'string' ? record.code : 'Error';
}

function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata
    ?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = redactConnectionStrings(message.split('\n')[0]?.trim() ?? '');
  return line.length > 300 ? `${line.slice(0, 297)}...` : line === '' ? '(no message)' : line;
}
