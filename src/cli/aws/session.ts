import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CliError, ExitCode } from '../exit-codes.js';
import { toAwsCliError } from './errors.js';
import { REGION_ALLOWED, REGION_PATTERN } from './stack-options.js';
import { withTimeout } from './timeout.js';

/** Bounds one AWS API call, retries included (most answer in well under a second). */
export const AWS_CALL_TIMEOUT_MILLIS = 20_000;
const CONNECTION_TIMEOUT_MILLIS = 5_000;
const REQUEST_TIMEOUT_MILLIS = 15_000;
/** SSO and `credential_process` sources may take a few seconds; IMDS has its own 1 s timeout. */
const CREDENTIALS_TIMEOUT_MILLIS = 20_000;
/** One retry: enough for a throttled or reset call, short enough to fail fast when offline. */
const MAX_ATTEMPTS = 2;

type CredentialsProvider = CloudFormationClient['config']['credentials'];

/** What every client of a session is built with. */
export interface SessionClientConfig {
  readonly region: string;
  readonly profile?: string;
  readonly credentials: CredentialsProvider;
  readonly maxAttempts: number;
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly throwOnRequestTimeout: boolean;
  };
}

interface DestroyableClient {
  destroy(): void;
}

/** Options of {@link openAwsSession}, from `--region` and `--profile`. */
export interface AwsSessionOptions {
  /** @default - `AWS_REGION`, then the profile's `region` */
  readonly region?: string;
  /** @default - `AWS_PROFILE`, then `default` */
  readonly profile?: string;
}

/**
 * Resolved credentials and region, and the AWS clients built from them. Clients share one
 * credentials provider (SSO or `credential_process` sources run once) and are destroyed by
 * {@link AwsSession.close}.
 */
export class AwsSession {
  private readonly clients = new Map<unknown, DestroyableClient>();

  constructor(
    readonly region: string,
    /** Where the region came from, for messages: `--region`, `AWS_REGION` or a profile. */
    readonly regionSource: string,
    readonly profile: string | undefined,
    private readonly credentials: CredentialsProvider,
  ) {}

  /**
   * The session's client of one service, created on first use.
   * @param requestTimeoutMillis for slow calls such as a Lambda invocation
   */
  client<C extends DestroyableClient>(
    Client: new (config: SessionClientConfig) => C,
    requestTimeoutMillis: number = REQUEST_TIMEOUT_MILLIS,
  ): C {
    const key = `${Client.name}:${requestTimeoutMillis}`;
    const existing = this.clients.get(key);
    if (existing !== undefined) return existing as C;
    const created = new Client({
      region: this.region,
      ...(this.profile !== undefined && { profile: this.profile }),
      credentials: this.credentials,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MILLIS,
        requestTimeout: requestTimeoutMillis,
        throwOnRequestTimeout: true,
      },
    });
    this.clients.set(key, created);
    return created;
  }

  /** The same credentials in another region (to look for a stack deployed elsewhere). */
  inRegion(region: string, regionSource: string): AwsSession {
    return new AwsSession(region, regionSource, this.profile, this.credentials);
  }

  /** Releases every client's sockets. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/**
 * Resolves credentials, then the region, the way the AWS CLI and SDK do (flags, environment,
 * shared config files), each bounded by a timeout. Credentials come first: with nothing
 * configured at all, "no credentials" is the diagnosis that helps.
 */
export async function openAwsSession(options: AwsSessionOptions): Promise<AwsSession> {
  const resolver = new CloudFormationClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.profile !== undefined && { profile: options.profile }),
    maxAttempts: MAX_ATTEMPTS,
  });
  try {
    await withTimeout(
      resolver.config.credentials(),
      CREDENTIALS_TIMEOUT_MILLIS,
      'Resolving AWS credentials',
    ).catch((error: unknown) => {
      throw toAwsCliError(error, { profile: options.profile });
    });
    const region = await resolver.config.region().catch((error: unknown) => {
      throw toAwsCliError(error, { profile: options.profile });
    });
    const source = regionSource(options);
    if (!REGION_PATTERN.test(region)) {
      throw new CliError(
        `region: got ${JSON.stringify(region)} (from ${source}); allowed: ${REGION_ALLOWED}`,
        ExitCode.WrongRegion,
        'Pass --region with the region the stack was deployed to.',
      );
    }
    return new AwsSession(region, source, options.profile, resolver.config.credentials);
  } finally {
    resolver.destroy();
  }
}

function regionSource(options: AwsSessionOptions): string {
  if (options.region !== undefined) return '--region';
  if ((process.env.AWS_REGION ?? '') !== '') return 'AWS_REGION';
  return `profile ${options.profile ?? process.env.AWS_PROFILE ?? 'default'}`;
}

/**
 * Per-call options that abort the call, retries included, after `timeoutMillis`: the request
 * handler's timeouts bound each attempt, this bounds the whole call.
 */
export function bounded(timeoutMillis: number = AWS_CALL_TIMEOUT_MILLIS): {
  abortSignal: AbortSignal;
} {
  return { abortSignal: AbortSignal.timeout(timeoutMillis) };
}
