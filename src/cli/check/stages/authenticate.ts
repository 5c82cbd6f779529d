import pg from 'pg';
import { classifyConnectError } from '../../../runtime/classify-error.js';
import { buildClientConfig } from '../../../runtime/client-config.js';
import { CliError, ExitCode } from '../../exit-codes.js';
import type { CheckTarget } from '../target.js';

export interface AuthenticateOptions {
  /** PEM text of CAs trusted besides the RDS ones. */
  readonly extraCertificateAuthorities: readonly string[];
  readonly insecure: boolean;
  readonly timeoutMillis: number;
  /** Cleans foreign text (server messages) of secrets before it goes into a message. */
  readonly redact: (text: string) => string;
}

/**
 * Connects and authenticates with node-postgres, configured the one way the project builds a
 * client (`buildClientConfig`: TLS with full verification). Returns the open client for the
 * readiness checks; the caller ends it.
 */
export async function authenticate(
  target: CheckTarget,
  options: AuthenticateOptions,
): Promise<{ client: pg.Client; detail: string }> {
  const config = buildClientConfig(target, {
    extraCertificateAuthorities: options.extraCertificateAuthorities,
    connectionTimeoutMillis: options.timeoutMillis,
    statementTimeoutMillis: options.timeoutMillis,
    applicationName: 'spendsense-db check',
    ...(target.hostAddress !== undefined && { hostAddress: target.hostAddress }),
  });
  // Which password exchange the server asked for, seen before node-postgres answers it.
  let requested: PasswordExchange | undefined;
  const client = new pg.Client({
    ...config,
    query_timeout: options.timeoutMillis,
    // --insecure is a check-only escape hatch; the runtime never turns verification off. An
    // unverified server may be anyone, so it gets the password only through SCRAM, which never
    // reveals it (what libpq's require_auth=scram-sha-256 enforces).
    ...(options.insecure && {
      ssl: { ...(config.ssl as object), rejectUnauthorized: false },
      password: () => {
        if (requested !== undefined) throw passwordRequestRefused(requested);
        return target.password;
      },
    }),
  });
  // Registered before node-postgres registers its own, on connect: these run first.
  client.connection.on('authenticationCleartextPassword', () => (requested = 'cleartext'));
  client.connection.on('authenticationMD5Password', () => (requested = 'MD5'));
  // A connection lost later surfaces through the failing query; without a listener the
  // 'error' event would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    if (error instanceof CliError) throw error;
    throw diagnose(error, target, options);
  }
  return { client, detail: `authenticated as ${target.user} to database ${target.database}` };
}

type PasswordExchange = 'cleartext' | 'MD5';

function passwordRequestRefused(exchange: PasswordExchange): CliError {
  return new CliError(
    `The server asked for the password in ${exchange === 'cleartext' ? 'cleartext' : 'an MD5 exchange'}, and --insecure does not verify who the server is: the password was not sent.`,
    ExitCode.PasswordRequestRefused,
    "Check without --insecure, trusting the server's CA (--ca FILE): a verified server may have it. RDS and the local database use scram-sha-256; a server that asks otherwise may be an impostor.",
  );
}

/**
 * The runtime's classifier says what kind of failure this is (the same one the Lambdas and the
 * rotation use); `check` adds its own exit code and a hint aimed at the fix.
 */
function diagnose(error: unknown, target: CheckTarget, options: AuthenticateOptions): CliError {
  const failure = classifyConnectError(error);
  const serverMessage = options.redact(error instanceof Error ? error.message : String(error));
  if (failure.kind === 'password-rejected') {
    return new CliError(
      `Authentication failed: the server rejected the password of ${target.user}.`,
      ExitCode.AuthenticationFailed,
      'The password is wrong or out of date: read it again from the connection secret (--secret-id spendsense/<stage>/database/connection); a copied URL or .env goes stale after a rotation.',
      { cause: error },
    );
  }
  if (failure.kind === 'not-authorised') {
    return new CliError(
      `Authentication failed: ${serverMessage}.`,
      ExitCode.AuthenticationFailed,
      'Check the user name; the master user is spendsense_admin.',
      { cause: error },
    );
  }
  switch (failure.reason) {
    case 'database-missing':
      return new CliError(
        `Database ${target.database} does not exist on the server.`,
        ExitCode.DatabaseMissing,
        'The stack and the local database create `spendsense`; check the database name in the URL or secret.',
        { cause: error },
      );
    case 'too-many-connections':
      return new CliError(
        'The server has no connection slot left (too many connections).',
        ExitCode.TooManyConnections,
        'Close idle clients; give each Lambda a small pool (max 1-2) so concurrency cannot exhaust max_connections.',
        { cause: error },
      );
    case 'timeout':
      return new CliError(
        `The server did not finish authentication within ${options.timeoutMillis} ms.`,
        ExitCode.ReadinessFailed,
        'The server may be overloaded or starting up; try again, or raise --timeout-ms.',
        { cause: error },
      );
    case 'tls':
      return new CliError(
        `node-postgres refused the TLS connection the TLS stage accepted: ${serverMessage}.`,
        ExitCode.CertificateRejected,
        'Run the check again; if it persists, the server certificate changed between the two connections.',
        { cause: error },
      );
  }
  if (failure.code === undefined && target.password === '' && /password/i.test(serverMessage)) {
    return new CliError(
      `Authentication failed: the server asks for the password of ${target.user} and none was given.`,
      ExitCode.AuthenticationFailed,
      'Put the password in the URL, in PGPASSWORD, or read it from the connection secret with --secret-id.',
      { cause: error },
    );
  }
  const sqlState = error instanceof pg.DatabaseError ? error.code : undefined;
  return new CliError(
    `Connecting failed after the TLS check: ${serverMessage}${sqlState !== undefined ? ` (SQLSTATE ${sqlState})` : ''}.`,
    ExitCode.ReadinessFailed,
    'The server may be starting up or shutting down; try again in a moment.',
    { cause: error },
  );
}
