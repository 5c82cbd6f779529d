import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import { CliError, ExitCode } from '../../exit-codes.js';

type Attempt = {
  readonly address: string;
  readonly outcome: 'refused' | 'timeout' | 'unreachable' | 'other';
  readonly code: string;
};

/**
 * Opens a TCP connection to the first address that accepts it, like libpq trying each address
 * of a host name. Each attempt is bounded by `timeoutMillis`.
 */
export async function connectTcp(
  addresses: readonly LookupAddress[],
  port: number,
  timeoutMillis: number,
): Promise<{ socket: net.Socket; detail: string }> {
  const failed: Attempt[] = [];
  for (const { address } of addresses) {
    const result = await connectOnce(address, port, timeoutMillis);
    if (result instanceof net.Socket) {
      const earlier = failed.map((attempt) => `${attempt.address} ${attempt.outcome}`).join(', ');
      return {
        socket: result,
        detail: `connected to ${formatAddress(address)}:${port}${earlier ? ` (${earlier})` : ''}`,
      };
    }
    failed.push(result);
  }
  throw diagnose(failed, port, timeoutMillis);
}

function connectOnce(
  address: string,
  port: number,
  timeoutMillis: number,
): Promise<net.Socket | Attempt> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ address, outcome: 'timeout', code: 'ETIMEDOUT' });
    }, timeoutMillis);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const code = error.code ?? 'unknown';
      const outcome =
        code === 'ECONNREFUSED'
          ? 'refused'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'unreachable'
            : 'other';
      resolve({ address, outcome, code });
    });
  });
}

function diagnose(failed: readonly Attempt[], port: number, timeoutMillis: number): CliError {
  const where = failed.map((attempt) => `${formatAddress(attempt.address)}:${port}`).join(', ');
  if (
    failed.some((attempt) => attempt.outcome === 'timeout' || attempt.outcome === 'unreachable')
  ) {
    return new CliError(
      `No answer from ${where} within ${timeoutMillis} ms: packets are dropped on the way.`,
      ExitCode.NoAnswer,
      'For RDS: the database answers only inside its VPC; connect through `spendsense-db tunnel --stage <stage>`. Otherwise check VPN and firewall.',
    );
  }
  if (failed.every((attempt) => attempt.outcome === 'refused')) {
    return new CliError(
      `Connection refused by ${where}: nothing listens on port ${port} there.`,
      ExitCode.ConnectionRefused,
      'Check the port; for the local database run `npx spendsense-db local start` (and `npx spendsense-db local status` for its port).',
    );
  }
  const codes = [...new Set(failed.map((attempt) => attempt.code))].join(', ');
  return new CliError(
    `Could not connect to ${where} (${codes}).`,
    ExitCode.ConnectionRefused,
    'Check the host, the port and your network.',
  );
}

export function formatAddress(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
