/** Where and as whom a new connection logs in. */
export interface LoginTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/**
 * What a new connection logs in with. The same object is returned for as long as nothing in it
 * changes, so the client configuration built from it can be reused.
 */
export interface Login {
  readonly target: LoginTarget;
  /**
   * The password, or a function node-postgres calls when the server asks for one (an IAM
   * authentication token, signed only for a connection that got that far).
   */
  readonly password: string | (() => Promise<string>);
}

/**
 * Where the runtime module gets credentials for each new connection: the connection secret,
 * a fixed password, or IAM authentication tokens. The module holds one and asks it before
 * every connection attempt; the source caches.
 */
export interface CredentialSource {
  /**
   * The login for the next connection attempt.
   * @param afterRejection the server just refused the last login (`28P01`): bypass any cache
   */
  login(afterRejection: boolean): Promise<Login>;

  /**
   * When asking again after a rejection can help, the warning logged before doing so;
   * `undefined` when the same credentials would be refused again.
   */
  readonly retryAfterRejection: string | undefined;

  /** Why the server refused `user` with `28P01`, and what to check: one or two sentences. */
  describeRejection(user: string, retried: boolean): string;

  /** Every password or token handed out so far, to scrub from foreign messages. */
  readonly knownSecrets: Iterable<string>;
}
