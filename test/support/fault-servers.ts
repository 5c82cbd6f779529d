import net from 'node:net';
import tls from 'node:tls';
import { generateLocalCertificates } from '../../src/cli/local/certificates.js';

/** A local server that misbehaves in one way, on 127.0.0.1. Always `close()` it. */
export interface FaultServer {
  readonly port: number;
  /** Sockets accepted and not yet closed. */
  openSockets(): number;
  /** Sockets accepted since start. */
  accepted(): number;
  close(): Promise<void>;
}

/** A port on 127.0.0.1 where nothing listens: bound to get a free number, then released. */
export async function refusingPort(): Promise<number> {
  const server = await listen(net.createServer());
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts TCP connections and never sends a byte (like a stuck proxy, or a dropping firewall). */
export function silentServer(): Promise<FaultServer> {
  // Reading (and discarding) is what lets the server notice when the client gives up.
  return started(net.createServer((socket) => socket.resume()));
}

/** Answers PostgreSQL's SSLRequest with `N`: a server with TLS turned off. */
export function noTlsServer(): Promise<FaultServer> {
  return started(
    net.createServer((socket) => {
      socket.once('data', () => socket.write('N'));
      socket.on('error', () => undefined);
    }),
  );
}

/**
 * Answers the SSLRequest with `S`, then completes a TLS handshake with a certificate from a CA
 * of its own (not the local database's CA, not an RDS one), valid for `dnsNames`.
 */
export async function foreignCertificateServer(
  dnsNames: readonly string[] = ['localhost'],
  ipAddresses: readonly string[] = ['127.0.0.1'],
): Promise<FaultServer & { caPem: string }> {
  const certificates = await generateLocalCertificates({
    commonNamePrefix: 'Foreign test',
    dnsNames,
    ipAddresses,
  });
  const context = tls.createSecureContext({
    cert: certificates.serverCertificatePem,
    key: certificates.serverKeyPem,
  });
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
    });
  });
  return { ...(await started(server)), caPem: certificates.caCertificatePem };
}

async function started(server: net.Server): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  server.on('connection', (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await listen(server);
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    openSockets: () => sockets.size,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: net.Server): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve(server));
  });
}

/** Sends `banner` as soon as a client connects, as SSH and SMTP servers do. */
export function bannerServer(banner: string): Promise<FaultServer> {
  return started(net.createServer((socket) => socket.end(banner)));
}

/** Answers the first bytes it gets with an HTTP error, as a web server on the port would. */
export function httpServer(): Promise<FaultServer> {
  return started(
    net.createServer((socket) => {
      socket.once('data', () =>
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
      );
    }),
  );
}

/** Answers the SSLRequest with `S` like PostgreSQL, then sends plain text instead of TLS. */
export function notTlsAfterSServer(): Promise<FaultServer> {
  return started(
    net.createServer((socket) => {
      socket.once('data', () => {
        socket.write('S');
        socket.once('data', () => socket.end('220 mail.example.com ESMTP ready\r\n'));
      });
    }),
  );
}

/**
 * How a server answers the startup message: asks for the password (PostgreSQL's
 * AuthenticationRequest codes), or fails with an ErrorResponse whose message is given.
 */
export type PasswordRequest =
  | 'cleartext'
  | 'md5'
  | 'scram'
  | { readonly error: string }
  /** Lets the client in without a password and answers every query with this server version. */
  | { readonly serverVersion: string; readonly serverVersionNumber: number };

/**
 * Completes TLS (with a certificate from a CA of its own, valid for 127.0.0.1), reads the
 * startup message, then answers as `request` says, and counts the password messages (`p`) the
 * client sends back: a client that must not reveal the password sends none.
 */
export async function passwordRequestServer(
  request: PasswordRequest,
): Promise<FaultServer & { caPem: string; passwordMessages: () => number }> {
  const certificates = await generateLocalCertificates({
    commonNamePrefix: 'Impostor test',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  const context = tls.createSecureContext({
    cert: certificates.serverCertificatePem,
    key: certificates.serverKeyPem,
  });
  let passwordMessages = 0;
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
      let startupSeen = false;
      let buffered = Buffer.alloc(0);
      secure.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (!startupSeen) {
          if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return;
          buffered = buffered.subarray(buffered.readInt32BE(0));
          startupSeen = true;
          secure.write(authenticationRequest(request));
        }
        // Every message after the startup one: a type byte, then its length.
        while (buffered.length >= 5 && buffered.length >= 1 + buffered.readInt32BE(1)) {
          const type = buffered[0];
          buffered = buffered.subarray(1 + buffered.readInt32BE(1));
          if (type === 0x70) passwordMessages += 1;
          if (type === 0x51 && typeof request === 'object' && 'serverVersion' in request) {
            secure.write(versionRow(request.serverVersion, request.serverVersionNumber));
          } else if (type !== 0x58) {
            secure.end();
          }
        }
      });
    });
  });
  return {
    ...(await started(server)),
    caPem: certificates.caCertificatePem,
    passwordMessages: () => passwordMessages,
  };
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

/** The answer to any query: one row (version text, version number), as a server would send it. */
function versionRow(version: string, number: number): Buffer {
  const column = (name: string, typeOid: number, length: number): Buffer =>
    Buffer.concat([
      Buffer.from(`${name}\0`),
      int32(0),
      int16(0),
      int32(typeOid),
      int16(length),
      int32(-1),
      int16(0),
    ]);
  const value = (text: string): Buffer =>
    Buffer.concat([int32(Buffer.byteLength(text)), Buffer.from(text)]);
  return Buffer.concat([
    message('T', Buffer.concat([int16(2), column('version', 25, -1), column('number', 23, 4)])),
    message('D', Buffer.concat([int16(2), value(version), value(String(number))])),
    message('C', Buffer.from('SELECT 1\0')),
    message('Z', Buffer.from('I')),
  ]);
}

function authenticationRequest(request: PasswordRequest): Buffer {
  if (typeof request === 'object' && 'serverVersion' in request) {
    return Buffer.concat([
      message('R', int32(0)),
      message('S', Buffer.from(`server_version\0${request.serverVersion}\0`)),
      message('K', Buffer.concat([int32(4242), int32(1)])),
      message('Z', Buffer.from('I')),
    ]);
  }
  if (typeof request === 'object') {
    const fields = Buffer.from(`SFATAL\0CXX000\0M${request.error}\0\0`, 'utf8');
    return Buffer.concat([Buffer.from('E'), int32(fields.length + 4), fields]);
  }
  const body =
    request === 'cleartext'
      ? int32(3)
      : request === 'md5'
        ? Buffer.concat([int32(5), Buffer.from([1, 2, 3, 4])])
        : Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256\0\0', 'latin1')]);
  return Buffer.concat([Buffer.from('R'), int32(body.length + 4), body]);
}

function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
