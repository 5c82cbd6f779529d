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

  // Deployed stack (verify, info, tunnel)
  VerificationFailed: 50,
  StackNotFound: 52,
  AwsAccessDenied: 53,
  WrongRegion: 54,
  /** The AWS CLI or its Session Manager plugin is not installed (tunnel). */
  MissingTool: 60,
  /** The stage's stack has no access host to forward through (tunnel). */
  AccessHostNotDeployed: 61,
  /** The port-forwarding session failed to start or ended with an error (tunnel). */
  TunnelFailed: 62,

  // Synthesized templates (cost)
  /** No template to price: `cdk synth` failed, or the template is missing or unreadable. */
  TemplateUnavailable: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the CLI reports as one diagnosis line and a hint, then exits with its code.
 * `message` and `hint` must never carry a secret: build them from field names and masked
 * values only.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
