import { isIP } from 'node:net';
import {
  checkServerIdentity,
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
} from 'node:tls';
import type { ClientConfig } from 'pg';
import { DatabaseConfigurationError } from './errors.js';
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
  /**
   * Parse the certificate authorities once per process and share the resulting TLS context
   * between connections. Otherwise every TLS handshake parses the ~125 RDS certificates again
   * (about 15 ms of CPU per connection). Verification is identical: the same CAs, and the chain
   * and host name are still checked for each connection.
   * @default false
   */
  readonly shareSecureContext?: boolean;
  /**
   * A numeric IP address to connect to instead of `target.host`, like libpq's `hostaddr`: the
   * certificate is still verified against `target.host`, which is also the name sent for SNI.
   * For a port-forwarding tunnel: the RDS endpoint as `target.host`, `127.0.0.1` here.
   * @default - connect to `target.host`
   */
  readonly hostAddress?: string;
}

/**
 * The one way to build a node-postgres configuration: TLS always on with full verification
 * (certificate chain and host name) against the RDS CAs plus any given extras.
 *
 * The `ssl` object is passed explicitly rather than through `sslmode` in a URL, because a URL's
 * `sslmode` replaces the whole `ssl` object in node-postgres and would drop the CAs.
 */
export function buildClientConfig(
  target: Omit<ConnectionTarget, 'password'> & {
    /** Or a function node-postgres calls when the server asks for one (an IAM token). */
    readonly password: string | (() => Promise<string>);
  },
  options: ClientConfigOptions = {},
): ClientConfig {
  const { hostAddress } = options;
  if (hostAddress !== undefined && isIP(hostAddress) === 0) {
    // A name here would be resolved, and node-postgres would verify the certificate against it.
    throw new DatabaseConfigurationError(
      `\`hostAddress\` must be a numeric IPv4 or IPv6 address. Got ${JSON.stringify(hostAddress)}.`,
    );
  }
  const ca = [...rdsCertificateAuthorities(), ...(options.extraCertificateAuthorities ?? [])];
  return {
    host: hostAddress ?? target.host,
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
      ca,
      // SNI must not be an IP address (RFC 6066).
      servername: isIP(target.host) === 0 ? target.host : undefined,
      ...(hostAddress !== undefined && {
        // node-postgres keeps this servername only because the address it connects to is an
        // IP, and Node would otherwise check an IP target.host against the connected address:
        // pin the check to the name the caller asked for.
        checkServerIdentity: (_connectedTo: string, certificate: PeerCertificate) =>
          checkServerIdentity(target.host, certificate),
      }),
      ...(options.shareSecureContext === true && {
        secureContext: sharedSecureContext(ca, options.extraCertificateAuthorities ?? []),
      }),
    },
  };
}

const secureContexts = new Map<string, SecureContext>();

/** The RDS CAs never change within a process, so the extra CAs alone identify a context. */
function sharedSecureContext(ca: string[], extra: readonly string[]): SecureContext {
  const key = extra.join('\n');
  let context = secureContexts.get(key);
  if (context === undefined) {
    context = createSecureContext({ ca });
    secureContexts.set(key, context);
  }
  return context;
}
