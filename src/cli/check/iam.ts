import {
  type AwsCredentialIdentity,
  type AwsCredentialIdentityProvider,
  signAuthToken,
} from '../../runtime/credentials/iam-credentials.js';
import { TOKEN_LIFETIME_MILLIS } from '../../runtime/credentials/iam-credentials.js';
import { withTimeout } from '../aws/timeout.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { CheckTarget } from './target.js';

/** SigV4 accepts a request signed up to five minutes off the service's clock. */
const ALLOWED_SKEW_MILLIS = 5 * 60_000;
const RDS_HOST = /\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.rds\.amazonaws\.com$/;

export interface IamCheckOptions {
  /**
   * The database user to log in as (`spendsense_app`).
   * @default - the source's user
   */
  readonly user?: string;
  /**
   * The region the token is signed for.
   * @default - `--region`, else the region in an RDS host name, else AWS_REGION or the profile's
   */
  readonly region?: string;
  /** @default - the profile's or the environment's credentials (the default chain) */
  readonly profile?: string;
  /** For tests: the identity to sign with. @default - the default credential chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * For tests: AWS's clock, to tell clock skew from a missing permission.
   * @default - the `Date` of an HTTPS answer from RDS's regional endpoint
   */
  readonly awsTime?: () => Promise<Date | undefined>;
}

/** The token and what the diagnosis of a refusal needs to know about it. */
export interface SignedToken {
  readonly token: string;
  readonly user: string;
  readonly region: string;
  /** The endpoint the token is for (its port, not a tunnel's). */
  readonly endpoint: string;
  readonly signedAt: Date;
  /** When the credentials that signed it expire, when they say. */
  readonly credentialsExpire?: Date;
}

/**
 * Signs the token `check --iam` logs in with, for the source's host and port (the endpoint the
 * database knows, even through a tunnel on another port), as `options.user`.
 */
export async function signCheckToken(
  target: CheckTarget,
  endpointPort: number,
  options: IamCheckOptions,
  timeoutMillis: number,
): Promise<SignedToken> {
  const user = options.user ?? target.user;
  const region =
    options.region ?? RDS_HOST.exec(target.host)?.[1] ?? (await defaultRegion(options));
  if (region === undefined) {
    throw new CliError(
      `No region to sign the IAM authentication token for ${target.host}: it is not an RDS host name, and no region is configured.`,
      ExitCode.IamTokenUnsigned,
      "Pass --region (the database's region), or set AWS_REGION.",
    );
  }
  let identity: AwsCredentialIdentity;
  try {
    identity = await withTimeout(
      resolveIdentity(options),
      timeoutMillis,
      'Resolving AWS credentials',
    );
  } catch (error) {
    throw new CliError(
      `No AWS credentials to sign the IAM authentication token with (${error instanceof Error ? error.name : 'error'}).`,
      ExitCode.IamTokenUnsigned,
      'Sign in (`aws sso login`, or `aws configure`), or choose a profile with --profile or AWS_PROFILE.',
    );
  }
  const signedAt = new Date();
  const token = await signAuthToken({
    host: target.host,
    port: endpointPort,
    user,
    region,
    identity,
  });
  return {
    token,
    user,
    region,
    endpoint: `${target.host}:${endpointPort}`,
    signedAt,
    ...(identity.expiration !== undefined && { credentialsExpire: identity.expiration }),
  };
}

/**
 * Names the cause when the server refused an IAM login (`28P01`), from what the server said and
 * what is known about the token: the user not enabled for IAM (the server checked a password),
 * credentials expired, the clock off by more than SigV4 allows, or else no `rds-db:connect`.
 */
export async function diagnoseIamRefusal(
  serverMessage: string,
  signed: SignedToken,
  options: IamCheckOptions,
  timeoutMillis: number,
): Promise<CliError> {
  const { user } = signed;
  if (!/PAM authentication failed/i.test(serverMessage)) {
    return new CliError(
      `The server checked a password for ${user}, not an IAM token: ${user} is not a member of rds_iam, or IAM database authentication is off on the instance.`,
      ExitCode.IamNotEnabledForUser,
      `As the master user: GRANT rds_iam TO ${user} (the stack's bootstrap does it for spendsense_app and spendsense_migrator); the SpendSense stacks turn IAM authentication on.`,
    );
  }
  const expires = signed.credentialsExpire;
  if (
    expires !== undefined &&
    expires.getTime() < signed.signedAt.getTime() + TOKEN_LIFETIME_MILLIS &&
    expires.getTime() <= Date.now()
  ) {
    return new CliError(
      `The server refused the IAM token for ${user}: the AWS credentials that signed it expired at ${expires.toISOString()}, and the token with them.`,
      ExitCode.IamTokenExpired,
      'Refresh your credentials (`aws sso login`, or new temporary credentials), then run the check again.',
    );
  }
  const awsNow = await withTimeout(
    (options.awsTime ?? (() => awsClock(signed.region, timeoutMillis)))(),
    timeoutMillis,
    'Reading AWS time',
  ).catch(() => undefined);
  if (
    awsNow !== undefined &&
    Math.abs(awsNow.getTime() - signed.signedAt.getTime()) > ALLOWED_SKEW_MILLIS
  ) {
    const minutes = Math.round((signed.signedAt.getTime() - awsNow.getTime()) / 60_000);
    return new CliError(
      `The server refused the IAM token for ${user}: this machine's clock is ${Math.abs(minutes)} minutes ${minutes > 0 ? 'ahead of' : 'behind'} AWS's, more than the 5 minutes a signature may be off, so the token is not yet valid or already expired.`,
      ExitCode.IamClockSkew,
      'Set the clock right (enable NTP, e.g. `timedatectl set-ntp true`), then run the check again.',
    );
  }
  return new CliError(
    `The server refused the IAM token for ${user} (PAM authentication failed): the AWS identity that signed it may not rds-db:connect as ${user} on this database${awsNow === undefined ? ' (AWS time could not be read, so clock skew is not ruled out)' : ''}.`,
    ExitCode.IamNotAuthorized,
    `Allow rds-db:connect on arn:aws:rds-db:${signed.region}:<account>:dbuser:<DbiResourceId, or prx-... for RDS Proxy>/${user} (the database stack exports a policy granting it: ApplicationAccessPolicyArn); check the region (${signed.region}) and endpoint (${signed.endpoint}) the token was signed for.`,
  );
}

async function resolveIdentity(options: IamCheckOptions): Promise<AwsCredentialIdentity> {
  const given = options.credentials;
  if (given !== undefined) return typeof given === 'function' ? given() : given;
  // Loaded only for --iam: the credential providers are among the heaviest imports.
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain(options.profile === undefined ? {} : { profile: options.profile })();
}

async function defaultRegion(options: IamCheckOptions): Promise<string | undefined> {
  // The SDK's own resolution (AWS_REGION, then the profile), as every other command uses it.
  const { RDSClient } = await import('@aws-sdk/client-rds');
  const client = new RDSClient(options.profile === undefined ? {} : { profile: options.profile });
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/** AWS's time: the `Date` header of RDS's regional endpoint (no request signed, no credentials). */
async function awsClock(region: string, timeoutMillis: number): Promise<Date | undefined> {
  const response = await fetch(`https://rds.${region}.amazonaws.com/`, {
    method: 'HEAD',
    signal: AbortSignal.timeout(timeoutMillis),
  });
  const header = response.headers.get('date');
  return header === null ? undefined : new Date(header);
}
