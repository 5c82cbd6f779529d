import { errorCode } from '../classify-error.js';
import { type ConnectionSecret, parseConnectionSecret } from '../connection-secret.js';
import { DatabaseRuntimeError, SecretUnavailableError } from '../errors.js';
import { scrub } from '../redact.js';
import { scrubbedCause } from '../scrubbed-cause.js';
import type { SecretSource } from '../secret-source.js';
import type { CredentialSource, Login } from './credential-source.js';

/**
 * Password mode from the connection secret (operators' tools, and code that must log in as the
 * secret's user). The secret is read before every new connection (the source caches it), so a
 * rotated one is picked up within the cache age; it is validated and a new {@link Login} made
 * only when the source returns a different object with different values.
 */
export class SecretCredentials implements CredentialSource {
  readonly retryAfterRejection = 'Password rejected; reading the connection secret again';
  readonly #source: SecretSource;
  #current: { readonly raw: unknown; readonly login: Login } | undefined;
  /** Every password seen, so foreign messages can be scrubbed of old and new ones alike. */
  readonly #passwords = new Set<string>();

  constructor(source: SecretSource) {
    this.#source = source;
  }

  get knownSecrets(): Iterable<string> {
    return this.#passwords;
  }

  async login(afterRejection: boolean): Promise<Login> {
    const raw = await this.#read(afterRejection);
    const current = this.#current;
    if (current !== undefined && raw === current.raw) return current.login;
    const secret = parseConnectionSecret(raw);
    this.#passwords.add(secret.password);
    const login =
      current !== undefined && sameLogin(current.login, secret) ? current.login : toLogin(secret);
    this.#current = { raw, login };
    return login;
  }

  describeRejection(user: string, retried: boolean): string {
    return `The server rejected the password for user ${user}${retried ? ', also after reading the secret again bypassing the cache' : ''}: the secret and the database disagree (an unfinished rotation?).`;
  }

  async #read(forceFetch: boolean): Promise<unknown> {
    try {
      return await this.#source({ forceFetch });
    } catch (error) {
      if (error instanceof DatabaseRuntimeError) throw error;
      const name = error instanceof Error ? error.name : typeof error;
      const code = errorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      throw new SecretUnavailableError(
        `Could not read the connection secret: ${name}${code === undefined ? '' : ` ${code}`}: ${scrub(message, this.#passwords)}`,
        'unavailable',
        { cause: scrubbedCause(error, this.#passwords) },
      );
    }
  }
}

function toLogin(secret: ConnectionSecret): Login {
  return {
    target: {
      host: secret.host,
      port: secret.port,
      database: secret.dbname,
      user: secret.username,
    },
    password: secret.password,
  };
}

function sameLogin(login: Login, secret: ConnectionSecret): boolean {
  const { target } = login;
  return (
    target.host === secret.host &&
    target.port === secret.port &&
    target.database === secret.dbname &&
    target.user === secret.username &&
    login.password === secret.password
  );
}
