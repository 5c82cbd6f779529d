import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Signer, type SignerConfig } from '@aws-sdk/rds-signer';
import { CredentialsUnavailableError, DatabaseConfigurationError } from '../errors.js';
import { scrubbedCause } from '../scrubbed-cause.js';
import type { CredentialSource, Login, LoginTarget } from './credential-source.js';

type CredentialsOption = NonNullable<SignerConfig['credentials']>;
export type AwsCredentialIdentityProvider = Extract<
  CredentialsOption,
  (...args: never[]) => unknown
>;
export type AwsCredentialIdentity = Exclude<CredentialsOption, AwsCredentialIdentityProvider>;

/**
 * An IAM database authentication token for `user` at `host:port`, signed locally (SigV4, no
 * network call) with `identity`: the one way SpendSense signs them (the runtime, `check --iam`).
 * Sign for the endpoint the database knows, also when connecting through a tunnel.
 */
export function signAuthToken(request: {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly region: string;
  readonly identity: AwsCredentialIdentity;
}): Promise<string> {
  return new Signer({
    hostname: request.host,
    port: request.port,
    username: request.user,
    region: request.region,
    credentials: request.identity,
  }).getAuthToken();
}

/** How long RDS accepts a token after it was signed (RDS user guide, IAM database authentication). */
export const TOKEN_LIFETIME_MILLIS = 15 * 60_000;
/**
 * A token is signed again this long before it expires. The server checks it only when a
 * connection opens, which takes at most `connectionTimeoutMillis` (3 s by default): a minute
 * covers that and any skew between the function's clock and RDS's.
 */
export const TOKEN_REFRESH_MARGIN_MILLIS = 60_000;

export interface IamAuthenticationOptions extends LoginTarget {
  /**
   * The region of the instance or proxy (the token is signed for it).
   * @default - `AWS_REGION`, which Lambda sets
   */
  readonly region?: string;
  /**
   * The identity tokens are signed with, or a provider of it.
   * @default - the default credential chain: a Lambda's role, a laptop's profile
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** A signed token and until when it may be handed out. */
interface CachedToken {
  readonly token: string;
  readonly reuseUntil: number;
}

/**
 * IAM database authentication: for each new connection, an authentication token signed locally
 * with `@aws-sdk/rds-signer` (SigV4, no network call) for the endpoint and user, sent as the
 * password over TLS. A token is reused until {@link TOKEN_REFRESH_MARGIN_MILLIS} before it or the
 * credentials that signed it expire; only a connection that gets as far as the password request
 * costs a signature.
 */
export class IamCredentials implements CredentialSource {
  readonly retryAfterRejection = 'IAM authentication token rejected; signing a new one';
  readonly #options: IamAuthenticationOptions;
  readonly #region: string;
  readonly #login: Login;
  #credentials: AwsCredentialIdentityProvider | undefined;
  #cached: CachedToken | undefined;
  /** The last few tokens, to scrub from foreign messages (a token is a secret). */
  readonly #tokens: string[] = [];

  constructor(options: IamAuthenticationOptions) {
    const region = options.region ?? process.env.AWS_REGION;
    if (region === undefined || region === '') {
      throw new DatabaseConfigurationError(
        'IAM authentication needs the region of the database: set `iam.region`, or AWS_REGION (Lambda sets it).',
      );
    }
    this.#options = options;
    this.#region = region;
    const { host, port, database, user } = options;
    this.#login = { target: { host, port, database, user }, password: () => this.#token() };
  }

  get knownSecrets(): Iterable<string> {
    return this.#tokens;
  }

  login(afterRejection: boolean): Promise<Login> {
    if (afterRejection) this.#cached = undefined;
    return Promise.resolve(this.#login);
  }

  describeRejection(user: string, retried: boolean): string {
    return `The server rejected the IAM authentication token for user ${user}${retried ? ', also a freshly signed one' : ''}: the user must be a member of rds_iam, and this function's role needs rds-db:connect on the user's dbuser ARN (the database stack exports a policy granting it). \`npx spendsense-db check --iam --user ${user}\` diagnoses it from a laptop.`;
  }

  async #token(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && Date.now() < cached.reuseUntil) return cached.token;
    const { host, port, user } = this.#options;
    let identity: AwsCredentialIdentity;
    let token: string;
    try {
      identity = await this.#identity();
      token = await signAuthToken({ host, port, user, region: this.#region, identity });
    } catch (error) {
      // The name only: a credential provider's message may quote its configuration.
      const name = error instanceof Error ? error.name : typeof error;
      throw new CredentialsUnavailableError(
        `Could not sign an IAM authentication token for ${user} at ${host}:${port}: ${name}. The function's role provides the credentials in Lambda; elsewhere, the AWS profile or environment.`,
        { cause: scrubbedCause(error, this.#tokens) },
      );
    }
    const signedAt = Date.now();
    const expires = Math.min(
      signedAt + TOKEN_LIFETIME_MILLIS,
      identity.expiration?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    this.#cached = { token, reuseUntil: expires - TOKEN_REFRESH_MARGIN_MILLIS };
    this.#tokens.push(token);
    if (this.#tokens.length > 4) this.#tokens.shift();
    return token;
  }

  async #identity(): Promise<AwsCredentialIdentity> {
    const given = this.#options.credentials;
    if (given !== undefined && typeof given !== 'function') return given;
    this.#credentials ??= given ?? fromNodeProviderChain();
    return this.#credentials();
  }
}
