import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { classifyConnectError, errorCode } from '../classify-error.js';
import { buildClientConfig } from '../client-config.js';
import { scrub } from '../redact.js';
import { scrubbedCause } from '../scrubbed-cause.js';
import type { RotationContext } from './context.js';
import { RotationDatabaseError } from './errors.js';
import { scramSha256Verifier } from './scram.js';

/** The instance to rotate on: its own endpoint, never a proxy. */
export interface DatabaseTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export interface DatabaseAccessOptions {
  /**
   * Certificate authorities trusted besides the RDS ones, PEM text (the local CA in tests).
   * @default - only the Amazon RDS certificate authorities
   */
  readonly extraCertificateAuthorities?: readonly string[];
  /**
   * Bound on connect + TLS + authentication. A rotation tries up to four passwords in a row,
   * so a dead endpoint must fail fast rather than eat the function's timeout.
   * @default 5000
   */
  readonly connectionTimeoutMillis?: number;
  /** Server-side bound on each statement. @default 10000 */
  readonly statementTimeoutMillis?: number;
}

export type LoginResult =
  { readonly outcome: 'connected'; readonly client: pg.Client } | { readonly outcome: 'rejected' };

/** Closing waits for the server's goodbye at most this long. */
const CLOSE_TIMEOUT_MILLIS = 2000;

/**
 * Opens a TLS-verified session as `user`. A wrong password is an outcome, not an error: the
 * rotation then tries the next known password. Anything else (network, TLS, a full server)
 * fails at once, since trying another password could not help.
 */
export async function logIn(
  target: DatabaseTarget,
  user: string,
  password: string,
  options: DatabaseAccessOptions,
): Promise<LoginResult> {
  const client = new pg.Client({
    ...buildClientConfig(
      { host: target.host, port: target.port, database: target.database, user, password },
      {
        extraCertificateAuthorities: options.extraCertificateAuthorities,
        connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
        statementTimeoutMillis: options.statementTimeoutMillis ?? 10_000,
        applicationName: 'spendsense-rotation',
      },
    ),
    query_timeout: (options.statementTimeoutMillis ?? 10_000) + 2000,
  });
  // A session the server drops must not crash the function; the next call reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { outcome: 'connected', client };
  } catch (error) {
    await close(client);
    const failure = classifyConnectError(error);
    if (failure.kind === 'password-rejected') return { outcome: 'rejected' };
    const detail = failure.kind === 'connection' ? failure.reason : 'not authorised';
    throw new RotationDatabaseError(
      `Could not open a session as ${user} on ${target.host}:${target.port}/${target.database}: ${detail}${failure.code === undefined ? '' : ` (${failure.code})`}.`,
      'unreachable',
      failure.code,
      { cause: scrubbedCause(error, [password]) },
    );
  }
}

/** A password the database may accept, and where it came from (for the log, never the value). */
export interface KnownPassword {
  readonly source: string;
  readonly password: string;
}

/** A session opened with one of the known passwords. */
export interface KnownSession extends KnownPassword {
  readonly client: pg.Client;
}

/**
 * Logs in as `user` with each candidate in turn (a password already tried is skipped) and
 * returns the first session the database accepts, or `undefined` when it rejects them all.
 * Anything but a rejected password (network, TLS) fails at once.
 */
export async function logInWithFirstAccepted(
  target: DatabaseTarget,
  user: string,
  candidates: readonly KnownPassword[],
  options: DatabaseAccessOptions,
  onRejected: (candidate: KnownPassword) => void,
): Promise<KnownSession | undefined> {
  const tried = new Set<string>();
  for (const candidate of candidates) {
    if (tried.has(candidate.password)) continue;
    tried.add(candidate.password);
    const login = await logIn(target, user, candidate.password, options);
    if (login.outcome === 'connected') return { client: login.client, ...candidate };
    onRejected(candidate);
  }
  return undefined;
}

/**
 * {@link logInWithFirstAccepted} for a rotation step: its database and timeouts, and each
 * rejected password logged by where it came from (never by value).
 */
export function logInWithKnownPasswords(
  context: Pick<RotationContext, 'database' | 'databaseAccess' | 'logger'>,
  username: string,
  candidates: readonly KnownPassword[],
): Promise<KnownSession | undefined> {
  return logInWithFirstAccepted(
    context.database,
    username,
    candidates,
    context.databaseAccess,
    (candidate) => context.logger.warn('Password rejected', { source: candidate.source }),
  );
}

/**
 * Sets `username`'s password through an open session. The statement carries the SCRAM verifier,
 * not the password, so nothing the server logs or shows in `pg_stat_activity` reveals it.
 */
export async function changePassword(
  client: pg.Client,
  username: string,
  password: string,
): Promise<void> {
  const verifier = scramSha256Verifier(password);
  const statement = `ALTER ROLE ${client.escapeIdentifier(username)} WITH PASSWORD ${client.escapeLiteral(verifier)}`;
  try {
    await client.query(statement);
  } catch (error) {
    throw statementError(`Changing the password of ${username} failed`, error, [
      password,
      verifier,
    ]);
  }
}

/** Proves the session works and belongs to `username`. */
export async function checkSession(client: pg.Client, username: string): Promise<void> {
  let user: unknown;
  try {
    const result = await client.query<{ user: string }>('select current_user as "user"');
    user = result.rows[0]?.user;
  } catch (error) {
    throw statementError('The check query failed', error, []);
  }
  if (user !== username) {
    throw new RotationDatabaseError(
      `The session belongs to ${String(user)}, not ${username}.`,
      'statement',
      undefined,
    );
  }
}

/**
 * Whether a fresh session opens with `password` and belongs to `username` (a query runs): `false`
 * when the password is rejected; a session as someone else, or one that fails, throws.
 */
export async function loginWorks(
  target: DatabaseTarget,
  { username, password }: { readonly username: string; readonly password: string },
  options: DatabaseAccessOptions,
): Promise<boolean> {
  const login = await logIn(target, username, password, options);
  if (login.outcome === 'rejected') return false;
  try {
    await checkSession(login.client, username);
  } finally {
    await close(login.client);
  }
  return true;
}

/** Ends the session; a server that never answers the goodbye is not waited for. */
export async function close(client: pg.Client): Promise<void> {
  const ending = client.end().catch(() => undefined);
  const timer = sleep(CLOSE_TIMEOUT_MILLIS, undefined, { ref: false });
  await Promise.race([ending, timer]);
}

function statementError(
  what: string,
  error: unknown,
  secrets: readonly string[],
): RotationDatabaseError {
  const message = error instanceof Error ? error.message : String(error);
  const detail = scrub(message, secrets);
  return new RotationDatabaseError(`${what}: ${detail}`, 'statement', errorCode(error), {
    cause: scrubbedCause(error, secrets),
  });
}
