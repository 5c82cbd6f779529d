import net from 'node:net';

/**
 * True when nothing listens on `port` at any of `addresses`. Binding (rather than connecting)
 * also catches a listener that would not answer a connection.
 */
export async function isPortFree(port: number, addresses: readonly string[]): Promise<boolean> {
  for (const address of addresses) {
    if (!(await canBind(port, address))) return false;
  }
  return true;
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the operating system reports free on `host` right now. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when this machine has an IPv6 loopback address the server can listen on. */
export function canBindIpv6Loopback(): Promise<boolean> {
  return canBind(0, '::1');
}
