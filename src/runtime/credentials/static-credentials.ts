import type { ConnectionTarget } from '../client-config.js';
import type { CredentialSource, Login } from './credential-source.js';

/**
 * Password mode with a fixed password: the local database (whose roles have generated
 * passwords, `spendsense-db local url --as app --reveal`), a script an operator runs.
 */
export class StaticCredentials implements CredentialSource {
  /** The same password would be refused again. */
  readonly retryAfterRejection = undefined;
  readonly #login: Login;
  readonly #passwords: readonly string[];

  constructor(connection: ConnectionTarget) {
    const { host, port, database, user, password } = connection;
    this.#login = { target: { host, port, database, user }, password };
    this.#passwords = [password];
  }

  get knownSecrets(): Iterable<string> {
    return this.#passwords;
  }

  login(): Promise<Login> {
    return Promise.resolve(this.#login);
  }

  describeRejection(user: string): string {
    return `The server rejected the password for user ${user}: for the local database, \`npx spendsense-db local url --as app --reveal\` prints the current URL.`;
  }
}
