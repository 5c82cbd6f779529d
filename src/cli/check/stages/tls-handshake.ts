import type net from 'node:net';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { CliError, ExitCode } from '../../exit-codes.js';

/** PostgreSQL's SSLRequest: length 8, then the magic code 80877103 (1234 << 16 | 5679). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export interface TlsOptions {
  /** The name the certificate must carry, also sent for SNI unless it is an IP address. */
  readonly host: string;
  /**
   * The address the socket is connected to when it is not `host` (libpq's `hostaddr`), named
   * in messages only: verification is always against `host`.
   * @default - the socket is connected to `host`
   */
  readonly hostAddress?: string;
  /** PEM text of every trusted CA. */
  readonly ca: readonly string[];
  /** Skip verification (the `--insecure` flag): TLS is still required. */
  readonly insecure: boolean;
  readonly timeoutMillis: number;
}

/**
 * Asks the server for TLS the way every PostgreSQL client does (SSLRequest, answered `S` or
 * `N`), then completes the handshake and verifies the certificate chain and host name. The
 * socket is closed afterwards: authentication opens its own connection.
 */
export async function checkTls(
  socket: net.Socket,
  options: TlsOptions,
): Promise<{ detail: string }> {
  try {
    const answer = await requestTls(socket, options.timeoutMillis);
    // PostgreSQL answers with exactly one byte, then waits for the client: anything longer
    // (an SSH or SMTP banner starting with S, an HTTP error) is another kind of server.
    if (answer.length !== 1 || (answer[0] !== S && answer[0] !== N)) {
      throw notPostgres(`it answered the SSLRequest with ${describeBytes(answer)}`);
    }
    if (answer[0] === N) {
      throw new CliError(
        'The server does not offer TLS (it answered N to the SSLRequest).',
        ExitCode.TlsNotOffered,
        'Turn on ssl in the server settings; RDS always offers TLS, so this may not be the RDS endpoint (a proxy or tunnel?).',
      );
    }
    const secure = await handshake(socket, options);
    try {
      return { detail: describe(secure, options) };
    } finally {
      secure.destroy();
    }
  } finally {
    socket.destroy();
  }
}

const S = 0x53;
const N = 0x4e;

/** The server at the port is not PostgreSQL: a web server, SSH, another database... */
function notPostgres(evidence: string): CliError {
  return new CliError(
    `This is not a PostgreSQL server: ${evidence}.`,
    ExitCode.TlsNotOffered,
    'Check the host and port: another program answers there (PostgreSQL on RDS listens on 5432, the local database on the port `local status` shows).',
  );
}

/** What an impostor sent, for the message: its first bytes, printable ones as text. */
function describeBytes(bytes: Buffer): string {
  const shown = bytes.subarray(0, 32);
  const printable = [...shown].every(
    (byte) => (byte >= 0x20 && byte < 0x7f) || byte === 0x0d || byte === 0x0a,
  );
  const text = printable
    ? JSON.stringify(shown.toString('latin1'))
    : shown.toString('hex').replace(/(..)/g, '$1 ').trim();
  return `${bytes.length} byte(s), ${printable ? '' : 'hex '}${text}${bytes.length > shown.length ? '…' : ''}, where PostgreSQL sends the single byte S or N`;
}

function requestTls(socket: net.Socket, timeoutMillis: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanUp();
      reject(
        new CliError(
          `The server accepted the TCP connection but did not answer the TLS request within ${timeoutMillis} ms.`,
          ExitCode.NoAnswer,
          'Something that is not PostgreSQL holds the port, or a proxy in between is stuck; check the host and port.',
        ),
      );
    }, timeoutMillis);
    const onData = (data: Buffer): void => {
      cleanUp();
      resolve(data);
    };
    const onClose = (): void => {
      cleanUp();
      reject(
        new CliError(
          'The server closed the connection without answering the TLS request.',
          ExitCode.NoAnswer,
          'Check that the port belongs to PostgreSQL 15, and the server log for the reason.',
        ),
      );
    };
    const cleanUp = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
    socket.write(SSL_REQUEST);
  });
}

/**
 * The handshake runs with `rejectUnauthorized: false` only so that a failure can be explained
 * with the certificate in hand (its subject and issuer). The decision is Node's own: it sets
 * `authorized` from the same chain and host-name checks, and anything unauthorised is closed
 * before a byte is sent.
 */
function handshake(socket: net.Socket, options: TlsOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      host: options.host,
      servername: isIP(options.host) === 0 ? options.host : undefined,
      ca: [...options.ca],
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(
        new CliError(
          `The TLS handshake did not finish within ${options.timeoutMillis} ms.`,
          ExitCode.NoAnswer,
          'A proxy or firewall in between may be interfering; try again or raise --timeout-ms.',
        ),
      );
    }, options.timeoutMillis);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      if (secure.authorized || options.insecure) {
        resolve(secure);
        return;
      }
      const error = rejected(secure, options);
      secure.destroy();
      reject(error);
    });
    secure.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      secure.destroy();
      // Bytes that are no TLS record at all: the server said S, then did not speak TLS.
      if (NOT_TLS.has(error.code ?? '')) {
        reject(
          notPostgres(`it answered S to the SSLRequest, then did not speak TLS (${error.code})`),
        );
        return;
      }
      reject(
        new CliError(
          `The TLS handshake failed: ${error.code ?? error.message}.`,
          ExitCode.CertificateRejected,
          'The server and this client share no TLS version or cipher; PostgreSQL 15 on RDS supports TLS 1.2 and 1.3.',
          { cause: error },
        ),
      );
    });
  });
}

/** OpenSSL's errors for bytes that are not a TLS record. */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
  'ERR_SSL_UNEXPECTED_RECORD',
]);

const WRONG_HOST = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

function rejected(secure: tls.TLSSocket, options: TlsOptions): CliError {
  const { host, hostAddress } = options;
  const reason = String(secure.authorizationError ?? 'unknown');
  const certificate = secure.getPeerCertificate();
  const subject = certificate.subject?.CN ?? 'unknown subject';
  const issuer = certificate.issuer?.CN ?? 'unknown issuer';
  if (WRONG_HOST.has(reason) || /does not match|altname/i.test(reason)) {
    const through = hostAddress === undefined ? '' : ` (connected through ${hostAddress})`;
    return new CliError(
      `The server certificate is not valid for host ${host}${through}: it names ${certificate.subjectaltname ?? subject}.`,
      ExitCode.CertificateRejected,
      hostAddress === undefined
        ? 'Connect with a host name the certificate names (the RDS endpoint itself, not an IP address or alias; `localhost` for the local database).'
        : 'With hostaddr the certificate is still checked against the host: keep the RDS endpoint as the host (the secret holds it) and give only the tunnel address as hostaddr.',
    );
  }
  if (reason === 'CERT_HAS_EXPIRED') {
    return new CliError(
      `The server certificate (${subject}) expired on ${certificate.valid_to}.`,
      ExitCode.CertificateRejected,
      'For RDS, rotate the instance certificate authority; for the local database, `npx spendsense-db local stop` then `npx spendsense-db local start` renews it.',
    );
  }
  return new CliError(
    `The server certificate is not trusted (${reason}): ${subject}, issued by ${issuer}, which is not among the trusted CAs.`,
    ExitCode.CertificateRejected,
    'The RDS CAs are built in. For the local database or another server, add its CA with --ca FILE (or sslrootcert in the URL, or PGSSLROOTCERT).',
  );
}

function describe(secure: tls.TLSSocket, options: TlsOptions): string {
  const certificate = secure.getPeerCertificate();
  const through = options.hostAddress === undefined ? '' : ` (via ${options.hostAddress})`;
  const verification = secure.authorized
    ? `certificate verified for ${options.host}${through}`
    : `certificate NOT verified (--insecure: ${String(secure.authorizationError)})`;
  return `${secure.getProtocol() ?? 'TLS'}, ${verification}, issued by ${certificate.issuer?.CN ?? 'unknown'}`;
}
