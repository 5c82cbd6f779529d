import type { ClientConfig } from 'pg';
import { rdsCertificateAuthorities } from './tls.js';

/** Where and as whom to connect. Built from a secret, a URL or the environment. */
export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export interface ClientConfigOptions {
  /**
   * Certificate authorities trusted besides the RDS ones, PEM text (for example the local
   * database's CA).
   * @default - only the Amazon RDS certificate authorities
   */
  readonly extraCertificateAuthorities?: readonly string[];
  /** @default 5000 */
  readonly connectionTimeoutMillis?: number;
  /**
   * Bounds every statement on the server side, so a stuck query cannot hold a Lambda until its
   * own timeout.
   * @default - no statement timeout
   */
  readonly statementTimeoutMillis?: number;
  /** @default 'spendsense' */
  readonly applicationName?: string;
}

/**
 * The one way to build a node-postgres configuration: TLS always on with full verification
 * (certificate chain and host name) against the RDS CAs plus any given extras.
 *
 * The `ssl` object is passed explicitly rather than through `sslmode` in a URL, because a URL's
 * `sslmode` replaces the whole `ssl` object in node-postgres and would drop the CAs.
 */
export function buildClientConfig(
  target: ConnectionTarget,
  options: ClientConfigOptions = {},
): ClientConfig {
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    application_name: options.applicationName ?? 'spendsense',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    ...(options.statementTimeoutMillis !== undefined && {
      statement_timeout: options.statementTimeoutMillis,
    }),
    ssl: {
      rejectUnauthorized: true,
      ca: [...rdsCertificateAuthorities, ...(options.extraCertificateAuthorities ?? [])],
      servername: isIpAddress(target.host) ? undefined : target.host,
    },
  };
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
