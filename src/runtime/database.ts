import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { fullJitterDelayMillis, SlotBackoff } from './backoff.js';
import {
  classifyConnectError,
  errorCode,
  isSessionFailure,
  wasNeverSent,
} from './classify-error.js';
import { buildClientConfig } from './client-config.js';
import type { CredentialSource, Login } from './credentials/credential-source.js';
import {
  type DatabaseOptions,
  type ResolvedDatabaseOptions,
  resolveDatabaseOptions,
} from './database-options.js';
import {
  type ConnectionFailureReason,
  DatabaseAuthenticationError,
  DatabaseConnectionError,
  DatabaseConnectionLostError,
  DatabaseRuntimeError,
} from './errors.js';
import { scrub } from './redact.js';
import { scrubbedCause } from './scrubbed-cause.js';

/** Clients whose socket reported an error or closed: never used again. */
const deadClients = new WeakSet<pg.Client>();
/** Clients closed by the watchdog because a call held them past `queryTimeoutMillis`. */
const timedOutClients = new WeakSet<pg.Client>();
function markDead(this: pg.Client): void {
  deadClients.add(this);
}
const ignore = (): void => undefined;

/**
 * Waiting for I/O this long or longer since the connection's last use means the environment
 * may have been frozen meanwhile (see `#waitedSinceRelease`).
 */
const WAITED_FOR_IO_MILLIS = 1;

/** How a call that held the connection ended. */
type Outcome = 'ok' | 'failed' | 'session-failed';

/**
 * Lets a close or error the server sent while the connection sat idle, still unread in the
 * socket buffer, mark the connection dead before a statement is written to it.
 *
 * `afterPoll`: resolves after the event loop has polled for I/O at least once more, whatever
 * phase this is called from (one `setImmediate` called from an I/O callback runs before the
 * next poll). Otherwise one turn: enough when the process waited for I/O since the connection
 * was last used, as a frozen environment does, since whatever arrived during the wait is
 * delivered with what woke the process, before any immediate runs.
 */
async function afterPendingIo(afterPoll: boolean): Promise<void> {
  await nextTurn();
  if (afterPoll) await nextTurn();
}

/**
 * Ends a client politely (the server rolls back any open transaction), destroying its socket
 * if that has not finished within a second: a peer that vanished never acknowledges the close.
 */
async function closeClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.connection.stream.destroy();
      resolve();
    }, 1000);
    timer.unref();
  });
  try {
    await Promise.race([client.end().catch(ignore), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const REASON_TEXT: Readonly<Record<ConnectionFailureReason, string>> = {
  timeout: 'no answer within the connection timeout',
  refused: 'connection refused',
  reset: 'connection closed during setup',
  unreachable: 'host unreachable',
  dns: 'host name did not resolve',
  'too-many-connections': 'the server has no free connection slot',
  'server-unavailable': 'the server is starting, stopping or broke the session',
  tls: 'TLS refused or certificate not trusted for this host',
  'database-missing': 'the database does not exist',
  other: 'unexpected failure',
};

/**
 * The database of one execution environment: one connection, opened on first use with the
 * credentials of its {@link CredentialSource} and reused by every later invocation.
 *
 * The module holds that connection itself rather than through `pg.Pool`. A Lambda environment
 * serves one invocation at a time, so a pool of one adds nothing but its checkout and release,
 * which cost about 4 us per statement (timers, events, closures): 12% of a 33 us loopback
 * `SELECT 1`. Statements issued concurrently within an invocation wait their turn in order.
 *
 * Retries are limited to establishing a connection, where nothing has been sent that could run.
 * A statement that fails is never re-run, with one exception: node-postgres refused to write it
 * because the connection was already dead, so it provably never reached the server.
 */
export class Database {
  readonly #options: ResolvedDatabaseOptions;
  #client: pg.Client | undefined;
  /** A call holds the connection (or is opening it); others queue in {@link #waiters}. */
  #busy = false;
  readonly #waiters: (() => void)[] = [];
  #leasedAt = 0;
  #releasedAt = 0;
  /** The event loop's idle time (time spent waiting for I/O) when the connection was released. */
  #idleAtRelease = Number.NEGATIVE_INFINITY;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #credentials: CredentialSource;
  /** The login the configuration was built from. */
  #login: Login | undefined;
  #config: pg.ClientConfig | undefined;
  /**
   * The server's recent refusals of a slot (`53300`). Kept for the life of the object, which is
   * the execution environment's (`getDatabase()` is module-level), so it spans invocations.
   */
  readonly #slotBackoff: SlotBackoff;
  /** The code the last refusal came with (`53300`, or a pooler's own). */
  #refusalCode: string | undefined;

  constructor(options: DatabaseOptions) {
    this.#options = resolveDatabaseOptions(options);
    this.#credentials = this.#options.credentials;
    this.#slotBackoff = new SlotBackoff(
      this.#options.noSlotBackoffBaseMillis,
      this.#options.noSlotBackoffMaxMillis,
    );
  }

  /**
   * Runs one statement on this environment's connection. SQL errors from the server (a
   * constraint, a syntax error) are thrown as node-postgres reports them, with their `code`.
   */
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    // Warm path: the connection answered moments ago, in this same run of the event loop, and
    // nobody else holds it.
    const client = this.#client;
    const now = Date.now();
    if (
      client !== undefined &&
      !this.#busy &&
      !this.#waitedSinceRelease() &&
      now - this.#releasedAt < this.#options.revalidateAfterIdleMillis &&
      !deadClients.has(client)
    ) {
      this.#busy = true;
      this.#leasedAt = now;
      return this.#runQuery<Row>(client, text, values, true);
    }
    return this.#queryAfterLease<Row>(text, values, true);
  }

  /**
   * Lends the connection to `work` for several statements (a transaction, say). `work` runs
   * once; only establishing the connection is retried. Do not end the client: it is kept when
   * `work` settles, or discarded if it broke or was left inside a transaction.
   */
  async withClient<T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const client = await this.#lease();
    let outcome: Outcome = 'failed';
    try {
      const result = await work(client);
      outcome = 'ok';
      return result;
    } catch (error) {
      // Judged by the connection's state, or by the server itself (a FATAL error such as 57P01
      // when the backend is terminated): `work` may also fail on its own I/O (an HTTP call
      // reset, say), which says nothing about the database connection.
      const fromServer = error instanceof pg.DatabaseError && isSessionFailure(error);
      if (fromServer) outcome = 'session-failed';
      throw this.#statementError(client, error, fromServer);
    } finally {
      this.#unlease(client, outcome);
    }
  }

  /**
   * Closes the connection and forgets its configuration, as a new execution environment would start;
   * the next call connects again. For tests, the benchmark and short-lived scripts (an open
   * connection keeps a Node.js process alive). Lambdas never need it.
   */
  async end(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#login = undefined;
    this.#config = undefined;
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#idleAtRelease = Number.NEGATIVE_INFINITY;
    if (client !== undefined) {
      deadClients.add(client);
      await closeClient(client);
    }
  }

  async #queryAfterLease<Row extends pg.QueryResultRow>(
    text: string | pg.QueryConfig,
    values: unknown[] | undefined,
    retryIfNeverSent: boolean,
  ): Promise<pg.QueryResult<Row>> {
    const client = await this.#lease();
    return this.#runQuery<Row>(client, text, values, retryIfNeverSent);
  }

  async #runQuery<Row extends pg.QueryResultRow>(
    client: pg.Client,
    text: string | pg.QueryConfig,
    values: unknown[] | undefined,
    retryIfNeverSent: boolean,
  ): Promise<pg.QueryResult<Row>> {
    let outcome: Outcome = 'failed';
    try {
      const result = await client.query<Row>(text, values);
      outcome = 'ok';
      return result;
    } catch (error) {
      if (isSessionFailure(error)) outcome = 'session-failed';
      if (!(retryIfNeverSent && wasNeverSent(error))) {
        throw this.#statementError(client, error, true);
      }
    } finally {
      this.#unlease(client, outcome);
    }
    // node-postgres refused to write the statement to a dead connection: it never ran.
    return this.#queryAfterLease<Row>(text, values, false);
  }

  /** Waits for the connection to be free, then returns it alive, connecting if needed. */
  async #lease(): Promise<pg.Client> {
    if (this.#busy) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    } else {
      this.#busy = true;
    }
    this.#leasedAt = Date.now();
    try {
      let client = this.#client;
      if (client !== undefined) {
        const longIdle = Date.now() - this.#releasedAt >= this.#options.revalidateAfterIdleMillis;
        if (longIdle || this.#waitedSinceRelease()) await afterPendingIo(longIdle);
      }
      if (client !== undefined && deadClients.has(client)) {
        this.#discard(client);
        client = undefined;
      }
      client ??= await this.#connect();
      this.#leasedAt = Date.now();
      return client;
    } catch (error) {
      this.#passTurn();
      throw error;
    }
  }

  #unlease(client: pg.Client, outcome: Outcome): void {
    this.#releasedAt = Date.now();
    this.#idleAtRelease = performance.nodeTiming.idleTime;
    const status = client.getTransactionStatus();
    const leftInTransaction = status === 'T' || status === 'E';
    if (leftInTransaction || outcome === 'session-failed' || deadClients.has(client)) {
      if (leftInTransaction && outcome === 'ok') {
        this.#options.logger.warn('Connection returned inside a transaction; discarding it', {
          transactionStatus: status,
        });
      }
      // Closing the connection makes the server roll back whatever transaction it had open.
      this.#discard(client);
    }
    this.#passTurn();
  }

  /**
   * True when the process went back to waiting for I/O since the connection was last used:
   * the invocation may have ended and Lambda frozen the environment, however briefly, so a
   * close the server sent meanwhile may sit unread. A frozen process is frozen in that wait, so
   * the freeze counts as idle time. Statements issued back to back, or a reply awaited from a
   * fast peer, stay under the threshold and keep the warm path (reading the idle time costs
   * about 60 ns).
   */
  #waitedSinceRelease(): boolean {
    return performance.nodeTiming.idleTime - this.#idleAtRelease >= WAITED_FOR_IO_MILLIS;
  }

  #passTurn(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#busy = false;
    else next(); // the connection passes straight to the next caller, still busy
  }

  #discard(client: pg.Client): void {
    deadClients.add(client);
    if (this.#client === client) this.#client = undefined;
    void closeClient(client);
  }

  /** Opens a connection, retrying only where it is safe. The caller holds the turn. */
  async #connect(): Promise<pg.Client> {
    const keepAwayMillis = this.#slotBackoff.remainingMillis(Date.now());
    if (keepAwayMillis > 0) throw this.#backingOffError(keepAwayMillis);
    let refreshed = false;
    let config = await this.#clientConfig(false);
    for (let attempt = 1; ; attempt++) {
      const client = new pg.Client(config);
      // Without an 'error' listener a socket error on an idle connection would crash the
      // process; the connection is marked dead instead and replaced on next use.
      client.on('error', markDead);
      client.on('end', markDead);
      try {
        await client.connect();
        this.#slotBackoff.succeeded();
        this.#client = client;
        this.#armWatchdog();
        return client;
      } catch (error) {
        void closeClient(client);
        // Ours already (an IAM token that could not be signed): nothing reached the server.
        if (error instanceof DatabaseRuntimeError) throw error;
        const failure = classifyConnectError(error);
        const retryMessage = this.#credentials.retryAfterRejection;
        if (failure.kind === 'password-rejected' && !refreshed && retryMessage !== undefined) {
          // The credentials may have changed since they were cached: ask again, once.
          refreshed = true;
          this.#options.logger.warn(retryMessage, { code: failure.code });
          config = await this.#clientConfig(true);
          attempt--;
          continue;
        }
        if (failure.kind !== 'connection') {
          throw this.#authenticationError(failure.code, refreshed, error);
        }
        if (failure.reason === 'too-many-connections') {
          // Another attempt now would be refused too, at the price of a TLS handshake and an
          // authentication on a server that is already full: keep away for a while instead.
          const retryAfterMillis = this.#slotBackoff.refused(Date.now());
          this.#refusalCode = failure.code;
          throw this.#connectionError(
            failure.reason,
            attempt,
            failure.code,
            error,
            retryAfterMillis,
          );
        }
        if (!failure.retryable || attempt >= this.#options.maxConnectAttempts) {
          throw this.#connectionError(failure.reason, attempt, failure.code, error);
        }
        const delayMillis = fullJitterDelayMillis(
          attempt,
          this.#options.retryBaseDelayMillis,
          this.#options.retryMaxDelayMillis,
        );
        this.#options.logger.warn('Connection attempt failed; retrying', {
          attempt,
          reason: failure.reason,
          code: failure.code,
          delayMillis,
        });
        await sleep(delayMillis);
        // A new connection uses the credentials as they are now (the source caches them).
        config = await this.#clientConfig(false);
      }
    }
  }

  /**
   * The client configuration for a new connection, rebuilt only when the credential source
   * returns a different login.
   */
  async #clientConfig(afterRejection: boolean): Promise<pg.ClientConfig> {
    const login = await this.#credentials.login(afterRejection);
    if (this.#config === undefined || login !== this.#login) {
      this.#config = this.#buildConfig(login);
      this.#login = login;
    }
    return this.#config;
  }

  #buildConfig(login: Login): pg.ClientConfig {
    const options = this.#options;
    const { target } = login;
    const config = buildClientConfig(
      { ...target, password: login.password },
      {
        extraCertificateAuthorities: options.extraCertificateAuthorities,
        connectionTimeoutMillis: options.connectionTimeoutMillis,
        statementTimeoutMillis: options.statementTimeoutMillis,
        applicationName: options.applicationName,
        shareSecureContext: true,
      },
    );
    return {
      ...config,
      // There is no idle timeout: timers do not run while Lambda freezes the environment, so
      // one would fire right after the thaw and close the very connection the new invocation
      // is about to use. The environment's lifetime bounds the connection instead, and one the
      // server or network dropped meanwhile is detected and replaced.
      // TCP keepalive while the environment runs: a peer that vanished during a long statement
      // is noticed, and the idle flow stays fresh in connection-tracking tables.
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    };
  }

  /**
   * Bounds each call's hold on the connection with one periodic check instead of a timer per
   * statement (node-postgres' `query_timeout` costs ~3 us per statement, 9% of a warm one).
   */
  #armWatchdog(): void {
    if (this.#watchdog !== undefined) return;
    const limit = this.#options.queryTimeoutMillis;
    const period = Math.min(1000, Math.max(20, Math.floor(limit / 4)));
    this.#watchdog = setInterval(() => {
      const client = this.#client;
      if (client === undefined || !this.#busy || Date.now() - this.#leasedAt <= limit) return;
      timedOutClients.add(client);
      // Ending a client with a statement in flight destroys the socket: the statement fails.
      this.#discard(client);
    }, period);
    this.#watchdog.unref();
  }

  /** `fromDriver`: the error came from node-postgres itself, so its kind tells about the session. */
  #statementError(client: pg.Client, error: unknown, fromDriver: boolean): unknown {
    if (timedOutClients.has(client)) {
      return new DatabaseConnectionLostError(
        `No answer within ${this.#options.queryTimeoutMillis} ms (queryTimeoutMillis): the connection was closed; the statement may still have run, so it was not retried.`,
        { cause: scrubbedCause(error, this.#credentials.knownSecrets) },
      );
    }
    if (!deadClients.has(client) && !(fromDriver && isSessionFailure(error))) return error;
    return new DatabaseConnectionLostError(
      `The database connection broke while a statement was in flight (${this.#describe(error)}); it may or may not have run, so it was not retried.`,
      { cause: scrubbedCause(error, this.#credentials.knownSecrets) },
    );
  }

  #connectionError(
    reason: ConnectionFailureReason,
    attempts: number,
    code: string | undefined,
    cause: unknown,
    retryAfterMillis?: number,
  ): DatabaseConnectionError {
    const backoff =
      retryAfterMillis === undefined
        ? ''
        : ` This environment will not try again for ${retryAfterMillis} ms; calls meanwhile fail at once.`;
    return new DatabaseConnectionError(
      `Could not connect to the database at ${this.#endpoint()} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${REASON_TEXT[reason]} (${this.#describe(cause)}).${backoff}`,
      reason,
      attempts,
      code,
      { cause: scrubbedCause(cause, this.#credentials.knownSecrets), retryAfterMillis },
    );
  }

  /** Fails a call without touching the server, which refused this environment a slot moments ago. */
  #backingOffError(retryAfterMillis: number): DatabaseConnectionError {
    const refusals = this.#slotBackoff.refusals;
    const code = this.#refusalCode ?? '53300';
    return new DatabaseConnectionError(
      `Not connecting to the database at ${this.#endpoint()}: ${REASON_TEXT['too-many-connections']} (${code}, refused ${refusals} time${refusals === 1 ? '' : 's'} in a row); this environment waits ${retryAfterMillis} ms more before trying again.`,
      'too-many-connections',
      0,
      code,
      { retryAfterMillis },
    );
  }

  #authenticationError(
    code: string,
    retried: boolean,
    cause: unknown,
  ): DatabaseAuthenticationError {
    const user = this.#login?.target.user ?? 'unknown';
    const detail =
      code === '28P01'
        ? this.#credentials.describeRejection(user, retried)
        : `The server refused user ${user} (${code}): check pg_hba rules and the role's LOGIN privilege.`;
    return new DatabaseAuthenticationError(
      `Authentication failed at ${this.#endpoint()}. ${detail}`,
      code,
      { cause: scrubbedCause(cause, this.#credentials.knownSecrets) },
    );
  }

  #endpoint(): string {
    const target = this.#login?.target;
    return target === undefined ? 'unknown endpoint' : `${target.host}:${target.port}`;
  }

  /** The error's name, code and message, scrubbed of any password and URL credentials. */
  #describe(error: unknown): string {
    const name = error instanceof Error ? error.name : typeof error;
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const scrubbed = scrub(message, this.#credentials.knownSecrets);
    return `${name}${code !== undefined ? ` ${code}` : ''}: ${scrubbed}`;
  }
}

/** Creates a database with its own connection and credentials (tests, benchmark, tools). */
export function createDatabase(options: DatabaseOptions): Database {
  return new Database(options);
}
