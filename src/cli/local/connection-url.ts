import { connectionUrl } from '../../runtime/connection-secret.js';
import { redactUrl } from '../../runtime/redact.js';

/** Everything a client needs to reach the local database. */
export interface LocalConnection {
  /** Named in the server certificate: `localhost` or `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Absolute path of the local CA certificate (PEM). */
  readonly caPath: string;
  readonly caPem: string;
}

/**
 * The libpq URL of the local database with full certificate verification
 * (`sslmode=verify-full`, `sslrootcert=<CA path>`), so psql and other libpq clients verify the
 * server exactly as they would on RDS. The password is masked unless `reveal` is set.
 */
export function localConnectionUrl(
  connection: LocalConnection,
  options: { reveal: boolean },
): string {
  const url = urlWithPassword(connection, connection.password);
  return options.reveal ? url : redactUrl(url);
}

/**
 * The same URL with no password in it at all, for a command line (which every user of the
 * machine can read in the process list): libpq then takes the password from `PGPASSWORD` or a
 * password file.
 */
export function localConnectionUrlWithoutPassword(connection: LocalConnection): string {
  return urlWithPassword(connection, '').replace(/:@/, '@');
}

function urlWithPassword(connection: LocalConnection, password: string): string {
  const base = connectionUrl({
    host: connection.host,
    port: connection.port,
    dbname: connection.database,
    username: connection.user,
    password,
  });
  // libpq percent-decodes query values; slashes may stay as they are for readability.
  const caPath = encodeURIComponent(connection.caPath).replaceAll('%2F', '/');
  return `${base}?sslmode=verify-full&sslrootcert=${caPath}`;
}
