import net from 'node:net';
import tls from 'node:tls';
import { generateLocalCertificates } from '../../src/cli/local/certificates.js';

/** What the server answers a password with: an ErrorResponse, as PostgreSQL sends them. */
export interface PasswordAnswer {
  /** SQLSTATE, e.g. `28P01`. */
  readonly code: string;
  /**
   * The message; `{password}` and `{encoded}` are replaced by the password received, raw and
   * URL-encoded, to feed a redaction layer text that does contain the secret.
   */
  readonly message: string;
  /**
   * Host names its certificate is issued for besides `localhost`, such as an RDS endpoint
   * reached through `hostaddr` (a tunnel), so a client can verify it as it would RDS.
   */
  readonly dnsNames?: readonly string[];
}

export interface PasswordEchoServer {
  readonly port: number;
  /** PEM of the CA that signed its certificate (valid for 127.0.0.1, localhost and `dnsNames`). */
  readonly caPem: string;
  /** Every password received, in order. */
  readonly passwords: string[];
  /** The startup parameters of every connection (`user`, `database`...). */
  readonly startups: Record<string, string>[];
  close(): Promise<void>;
}

/**
 * A server that speaks just enough of PostgreSQL's protocol to take a password the way RDS
 * takes an IAM token: TLS (a certificate from a CA of its own), the startup message, a request
 * for the password in clear text (what RDS's PAM authentication asks), then a FATAL error. For
 * IAM diagnoses (`PAM authentication failed`) and for redaction tests (an error that quotes the
 * password it was given).
 */
export async function passwordEchoServer(answer: PasswordAnswer): Promise<PasswordEchoServer> {
  const certificates = await generateLocalCertificates({
    commonNamePrefix: 'Password echo test',
    dnsNames: ['localhost', ...(answer.dnsNames ?? [])],
    ipAddresses: ['127.0.0.1'],
  });
  const context = tls.createSecureContext({
    cert: certificates.serverCertificatePem,
    key: certificates.serverKeyPem,
  });
  const passwords: string[] = [];
  const startups: Record<string, string>[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => {
      // The SSLRequest: yes, then TLS.
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
      let buffer = Buffer.alloc(0);
      let stage: 'startup' | 'password' | 'done' = 'startup';
      secure.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (stage === 'startup' && buffer.length >= 4 && buffer.length >= buffer.readInt32BE(0)) {
          const length = buffer.readInt32BE(0);
          const fields = buffer
            .subarray(8, length - 1)
            .toString('utf8')
            .split('\0');
          const startup: Record<string, string> = {};
          for (let i = 0; i + 1 < fields.length; i += 2) startup[fields[i]!] = fields[i + 1]!;
          startups.push(startup);
          buffer = buffer.subarray(length);
          stage = 'password';
          // AuthenticationCleartextPassword.
          secure.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
        }
        if (
          stage === 'password' &&
          buffer.length >= 5 &&
          buffer.length >= 1 + buffer.readInt32BE(1)
        ) {
          const length = buffer.readInt32BE(1);
          if (buffer[0] !== 0x70) {
            // Not a PasswordMessage ('p'): the client gave up (Terminate) without a password.
            stage = 'done';
            secure.end();
            return;
          }
          const password = buffer.subarray(5, 1 + length - 1).toString('utf8');
          passwords.push(password);
          stage = 'done';
          const message = answer.message
            .replaceAll('{password}', password)
            .replaceAll('{encoded}', encodeURIComponent(password));
          secure.end(errorResponse(answer.code, message));
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    caPem: certificates.caCertificatePem,
    passwords,
    startups,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function errorResponse(code: string, message: string): Buffer {
  const field = (type: string, value: string) =>
    Buffer.concat([Buffer.from(type), Buffer.from(`${value}\0`)]);
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', code),
    field('M', message),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
