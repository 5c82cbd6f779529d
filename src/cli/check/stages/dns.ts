import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { withTimeout } from '../../aws/timeout.js';
import { CliError, ExitCode } from '../../exit-codes.js';

/**
 * The address `hostaddr` gives, as libpq uses it: connected to as is, `host` never looked up.
 * The stage is reported as skipped, since nothing was resolved.
 */
export function givenAddress(
  hostAddress: string,
  host: string,
): { addresses: LookupAddress[]; detail: string } {
  return {
    addresses: [{ address: hostAddress, family: isIP(hostAddress) }],
    detail: `skipped: hostaddr ${hostAddress} given, ${host} is not looked up`,
  };
}

/** Resolves the host to every address it has, in the order the system prefers. */
export async function resolveHost(
  host: string,
  timeoutMillis: number,
): Promise<{ addresses: LookupAddress[]; detail: string }> {
  const family = isIP(host);
  if (family !== 0) {
    return {
      addresses: [{ address: host, family }],
      detail: `${host} is an IP address, no lookup`,
    };
  }
  try {
    const addresses = await withTimeout(
      lookup(host, { all: true, order: 'verbatim' }),
      timeoutMillis,
      `DNS lookup of ${host}`,
    );
    return { addresses, detail: `${host} → ${addresses.map((entry) => entry.address).join(', ')}` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    throw new CliError(
      code === 'ENOTFOUND'
        ? `Host name ${host} does not resolve (ENOTFOUND).`
        : `DNS lookup of ${host} failed (${code}).`,
      ExitCode.DnsFailure,
      'Check the host name for typos; an RDS endpoint looks like <instance>.<id>.<region>.rds.amazonaws.com, and a private one resolves only inside its VPC.',
      { cause: error },
    );
  }
}
