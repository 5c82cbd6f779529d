import net from 'node:net';

/** What binding a port showed: free, held by another program, or refused by the system. */
export type PortAvailability =
  | { readonly state: 'free' }
  | { readonly state: 'in-use'; readonly address: string }
  /** EACCES (a port below 1024 without root, a security policy) or EADDRNOTAVAIL (no such address here). */
  | { readonly state: 'not-allowed'; readonly address: string; readonly code: string };

/**
 * Whether something could listen on `port` at every one of `addresses` right now. Binding (rather
 * than connecting) also catches a listener that would not answer a connection, and tells a port
 * another program holds (EADDRINUSE) from one the system does not allow.
 */
export async function portAvailability(
  port: number,
  addresses: readonly string[],
): Promise<PortAvailability> {
  for (const address of addresses) {
    const code = await bindError(port, address);
    if (code === undefined) continue;
    if (code === 'EADDRINUSE') return { state: 'in-use', address };
    return { state: 'not-allowed', address, code };
  }
  return { state: 'free' };
}

/** True when nothing listens on `port` at any of `addresses` and the system allows it. */
export async function isPortFree(port: number, addresses: readonly string[]): Promise<boolean> {
  return (await portAvailability(port, addresses)).state === 'free';
}

function bindError(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'EINVAL'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
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
export async function canBindIpv6Loopback(): Promise<boolean> {
  return (await bindError(0, '::1')) === undefined;
}
