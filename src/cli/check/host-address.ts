import * as z from 'zod';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * libpq's `hostaddr`: the numeric address to connect to, so no name is ever looked up. A host
 * name here would be resolved and then verified in place of `host`, which is what `hostaddr`
 * exists to avoid.
 */
const hostAddressSchema = z.union([z.ipv4(), z.ipv6()]);

/**
 * Validates a `hostaddr` value (`--hostaddr`, `hostaddr` in a URL, `PGHOSTADDR`).
 * @param origin where the value came from, named in the error
 */
export function parseHostAddress(value: string, origin: string): string {
  const parsed = hostAddressSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError(
      `${origin} must be a numeric IPv4 or IPv6 address. Got ${JSON.stringify(value)}.`,
      ExitCode.Usage,
      'hostaddr is the address to connect to (127.0.0.1 for a tunnel); the name the certificate must carry stays the host (the RDS endpoint).',
    );
  }
  return parsed.data;
}
