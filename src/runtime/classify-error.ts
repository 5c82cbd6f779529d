import pg from 'pg';
import type { ConnectionFailureReason } from './errors.js';

/** What a failed connection attempt means for the caller. */
export type ConnectFailure =
  | { readonly kind: 'password-rejected'; readonly code: string }
  | { readonly kind: 'not-authorised'; readonly code: string }
  | {
      readonly kind: 'connection';
      readonly reason: ConnectionFailureReason;
      /** Safe to try again: nothing was sent that could have run. */
      readonly retryable: boolean;
      readonly code: string | undefined;
    };

const SERVER_UNAVAILABLE = new Set(['57P01', '57P02', '57P03']);

const NODE_CODES: Readonly<
  Record<string, { reason: ConnectionFailureReason; retryable: boolean }>
> = {
  ECONNREFUSED: { reason: 'refused', retryable: true },
  ECONNRESET: { reason: 'reset', retryable: true },
  EPIPE: { reason: 'reset', retryable: true },
  ETIMEDOUT: { reason: 'timeout', retryable: true },
  EHOSTUNREACH: { reason: 'unreachable', retryable: true },
  ENETUNREACH: { reason: 'unreachable', retryable: true },
  EAI_AGAIN: { reason: 'dns', retryable: true },
  ENOTFOUND: { reason: 'dns', retryable: false },
};

// node-postgres reports these without a code; their wording is stable across 8.x.
const MESSAGES: readonly [string, ConnectionFailureReason, boolean][] = [
  ['timeout expired', 'timeout', true],
  ['Connection terminated due to connection timeout', 'timeout', true],
  ['Connection terminated unexpectedly', 'reset', true],
  ['Connection terminated', 'reset', true],
  ['The server does not support SSL connections', 'tls', false],
  ['There was an error establishing an SSL connection', 'tls', false],
];

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS|^ERR_SSL|HOSTNAME/;

/**
 * A server or pooler out of connection slots that says so in words under another code:
 * PgBouncer answers `no more connections allowed (max_client_conn)` with 08P01, which would
 * otherwise read as a broken session and be retried at once.
 */
const NO_SLOT_MESSAGE = /too many (connections|clients)|no more connections allowed/i;

/** Classifies an error from `pool.connect()`: connecting, TLS, authentication or startup. */
export function classifyConnectError(error: unknown): ConnectFailure {
  for (const link of causeChain(error)) {
    if (link instanceof pg.DatabaseError && link.code !== undefined) {
      if (link.code !== '53300' && NO_SLOT_MESSAGE.test(link.message)) {
        return {
          kind: 'connection',
          reason: 'too-many-connections',
          retryable: true,
          code: link.code,
        };
      }
      return classifySqlState(link.code);
    }
    const code = typeof link.code === 'string' ? link.code : undefined;
    if (code !== undefined) {
      const known = NODE_CODES[code];
      if (known !== undefined) return { kind: 'connection', ...known, code };
      if (TLS_CODE.test(code)) return { kind: 'connection', reason: 'tls', retryable: false, code };
    }
    const byMessage = MESSAGES.find(([text]) => link.message === text);
    if (byMessage !== undefined) {
      const [, reason, retryable] = byMessage;
      return { kind: 'connection', reason, retryable, code };
    }
  }
  return { kind: 'connection', reason: 'other', retryable: false, code: errorCode(error) };
}

function classifySqlState(code: string): ConnectFailure {
  if (code === '28P01') return { kind: 'password-rejected', code };
  if (code.startsWith('28')) return { kind: 'not-authorised', code };
  if (code === '53300') {
    return { kind: 'connection', reason: 'too-many-connections', retryable: true, code };
  }
  if (SERVER_UNAVAILABLE.has(code) || code.startsWith('08')) {
    return { kind: 'connection', reason: 'server-unavailable', retryable: true, code };
  }
  if (code === '3D000') {
    return { kind: 'connection', reason: 'database-missing', retryable: false, code };
  }
  return { kind: 'connection', reason: 'other', retryable: false, code };
}

const NOT_QUERYABLE = new Set([
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
]);

/**
 * True when node-postgres refused a statement because the client was already dead: it never
 * wrote it to the socket, so running it on a fresh connection cannot run it twice.
 */
export function wasNeverSent(error: unknown): boolean {
  return error instanceof Error && NOT_QUERYABLE.has(error.message);
}

/**
 * True when a statement failed because the session broke (socket error, server terminated the
 * backend) rather than because of the statement itself (a constraint, a syntax error...).
 */
export function isSessionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    return SERVER_UNAVAILABLE.has(code) || code.startsWith('08');
  }
  if (wasNeverSent(error)) return true;
  const failure = classifyConnectError(error);
  return failure.kind === 'connection' && failure.reason !== 'other';
}

/** The SQLSTATE or Node.js code of an error or its first cause that has one. */
export function errorCode(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    if (typeof link.code === 'string') return link.code;
  }
  return undefined;
}

function* causeChain(error: unknown): Generator<Error & { code?: unknown }> {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    yield current;
    current = current.cause;
  }
}
