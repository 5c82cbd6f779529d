import { redactConnectionStrings } from '../runtime/redact.js';

/**
 * Exit codes of `spendsense-db`. Scripts depend on these numbers: add new ones, never
 * renumber. Documented in docs/cli.md.
 */
export const ExitCode = {
  Ok: 0,
  /** An unexpected internal error (a bug): the message says what happened. */
  Internal: 1,
  /** Bad flags or arguments, or malformed input such as an unparsable URL. */
  Usage: 2,
  /** No connection configuration found in any source. */
  NoConfig: 3,

  // Secrets Manager (check --secret-id)
  SecretNotFound: 10,
  SecretAccessDenied: 11,
  SecretMalformed: 12,
  AwsCredentialsMissing: 13,

  // Network and TLS
  DnsFailure: 20,
  ConnectionRefused: 21,
  NoAnswer: 22,
  TlsNotOffered: 23,
  CertificateRejected: 24,

  // PostgreSQL
  AuthenticationFailed: 30,
  DatabaseMissing: 31,
  TooManyConnections: 32,
  WrongServerVersion: 33,
  ReadinessFailed: 34,

  // IAM authentication (check --iam)
  /** The server checked a password, not a token: the user is not a member of rds_iam. */
  IamNotEnabledForUser: 35,
  /** The token was refused: the identity may not rds-db:connect as the user (or a wrong region). */
  IamNotAuthorized: 36,
  /** The credentials that signed the token had expired. */
  IamTokenExpired: 37,
  /** This machine's clock is more than 5 minutes off AWS's. */
  IamClockSkew: 38,
  /** No token could be signed: no AWS credentials, or no region. */
  IamTokenUnsigned: 39,

  // Local database
  LocalPortInUse: 40,
  LocalAlreadyRunning: 41,
  LocalDataDamaged: 42,
  LocalNotRunning: 43,
  LocalNotConfirmed: 44,
  /** The state folder cannot be used (the server user cannot reach it, or it is not writable). */
  LocalStateUnusable: 45,
  /** The system does not let the server listen on the port or address (EACCES, EADDRNOTAVAIL). */
  LocalCannotListen: 46,
  /** No space left on the device that holds the state folder. */
  LocalDiskFull: 47,
  /** The server did not start, for a reason its log names (not known to be damaged data). */
  LocalStartFailed: 48,
  /** A server process of this folder does not go away (killed but not yet reaped, or a stop timed out). */
  LocalServerStuck: 49,

  // Deployed stack (verify, info, tunnel)
  VerificationFailed: 50,
  StackNotFound: 52,
  AwsAccessDenied: 53,
  WrongRegion: 54,
  /** `check --insecure`: the server asked for the password in cleartext or as MD5, which an unverified server must never get. */
  PasswordRequestRefused: 55,
  /** The AWS CLI or its Session Manager plugin is not installed (tunnel). */
  MissingTool: 60,
  /** The stage's stack has no access host to forward through (tunnel). */
  AccessHostNotDeployed: 61,
  /** The port-forwarding session failed to start or ended with an error (tunnel). */
  TunnelFailed: 62,

  // Synthesized templates (cost, preflight)
  /** No template to read: `cdk synth` failed, or the template is missing or unreadable. */
  TemplateUnavailable: 70,

  // Before a deploy (preflight): the class of the first failed check, in report order
  /** A check failed for a reason without a class of its own (an unexpected AWS answer). */
  PreflightFailed: 80,
  /** The region is not bootstrapped for the CDK, or its bootstrap version is too old. */
  BootstrapMissing: 81,
  /** A quota (Lambda concurrency, VPCs, endpoints, DB instances, ...) has no room for the stage. */
  QuotaExceeded: 82,
  /** The stage's RDS Proxy would sit in an Availability Zone that does not offer it. */
  UnsupportedZone: 83,
  /** A name the stage creates is taken by something outside its stack. */
  NameCollision: 84,
  /** The stack cannot be updated now (failed create, failed rollback, in progress) or drifted. */
  StackNotDeployable: 85,
  /** The deploy would replace or delete the instance, its subnet group or the key. */
  ReplacementRefused: 86,

  // Schema migrations (migrate, npm start)
  /** A migration's SQL failed (syntax, lock_timeout, statement_timeout...): it was rolled back. */
  MigrationFailed: 90,
  /** An applied migration's file changed since it ran (checksum). */
  MigrationEdited: 91,
  /** The history and the files disagree: a gap, a reordering, an applied migration's file gone. */
  MigrationOrder: 92,
  /** Another migration run held the lock past the wait. */
  MigrationLocked: 93,
  /** `down` with nothing to undo, past the first migration, or one without a down part. */
  NothingToUndo: 94,
  /** A migration file or a `create` name that is not `<number>_<lower_case_words>`. */
  MigrationNameInvalid: 95,
  /** The database has no migrator role or history schema: its roles were never set up. */
  MigrationsNotSetUp: 96,

  /** Ctrl-C at a prompt: nothing was changed (128 + SIGINT, as shells report it). */
  Cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the CLI reports as one diagnosis line (`error:`) and one hint line (`hint:`), then
 * exits with its code. Every failure says what to do about it, so the hint is required.
 * `message` and `hint` must never carry a secret: build them from field names and masked
 * values only.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: scrubbed(options.cause) });
  }
}

/**
 * A foreign error kept as a cause, cleaned like a message: its name, code and message with any
 * connection string masked, and its own causes likewise; nothing else of it (an AWS SDK error
 * carries the whole HTTP response, a node-postgres one the server's detail and query). Printing
 * or logging the CliError with its causes can then show no more than its message could.
 */
function scrubbed(cause: unknown, depth = 0): Error {
  if (cause instanceof CliError) return cause;
  const source = cause instanceof Error ? cause : new Error(String(cause));
  const inner =
    source.cause !== undefined && depth < 4 ? scrubbed(source.cause, depth + 1) : undefined;
  const copy = new Error(
    redactConnectionStrings(source.message),
    inner === undefined ? undefined : { cause: inner },
  ) as Error & { code?: string };
  copy.name = source.name;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') copy.code = code;
  return copy;
}
