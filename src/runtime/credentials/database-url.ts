import { parse } from 'pg-connection-string';
import type { ConnectionTarget } from '../client-config.js';
import { DatabaseConfigurationError } from '../errors.js';

/** A password-mode login from a URL, and the CA file it names (`sslrootcert`). */
export interface UrlLogin {
  readonly connection: ConnectionTarget;
  readonly caFile?: string;
}

/** TLS is always on and verified: a URL may ask for that, or say nothing. */
const ACCEPTED_SSLMODES = new Set(['verify-full', 'verify-ca', 'require']);

/**
 * Reads a libpq-style `postgresql://user:password@host:port/database?sslrootcert=...` URL, as
 * `spendsense-db local url --reveal` prints it. Errors name the part that is wrong and what
 * `variable` it came from, never a value: the URL holds a password.
 */
export function parseDatabaseUrl(url: string, variable: string): UrlLogin {
  const problem = (what: string): DatabaseConfigurationError =>
    new DatabaseConfigurationError(
      `${variable} ${what}. It must be a postgresql://user:password@host:port/database URL, as \`spendsense-db local url --as app --reveal\` prints it.`,
    );
  if (!/^postgres(ql)?:\/\//i.test(url)) throw problem('is not a postgresql:// URL');
  let parts: ReturnType<typeof parse>;
  try {
    parts = parse(url);
  } catch {
    throw problem('cannot be parsed (check the percent-encoding of the password)');
  }
  const port = parts.port === undefined || parts.port === null ? 5432 : Number(parts.port);
  if (!parts.host) throw problem('has no host');
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw problem('has a bad port');
  if (!parts.database) throw problem('has no database name');
  if (!parts.user) throw problem('has no user');
  if (!parts.password) throw problem('has no password');
  const sslmode = (parts as { sslmode?: string | null }).sslmode;
  if (sslmode !== undefined && sslmode !== null && !ACCEPTED_SSLMODES.has(sslmode)) {
    throw problem(
      `asks for sslmode=${sslmode}, but connections are always TLS with the certificate verified`,
    );
  }
  const caFile = (parts as { sslrootcert?: string | null }).sslrootcert ?? undefined;
  return {
    connection: {
      host: parts.host,
      port,
      database: parts.database,
      user: parts.user,
      password: parts.password,
    },
    ...(caFile !== undefined && caFile !== 'system' && { caFile }),
  };
}
