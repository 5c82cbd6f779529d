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
