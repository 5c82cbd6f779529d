/**
 * Rules for the developer client CIDRs that may reach the dev database from outside AWS.
 *
 * Only IPv4 is accepted: the stack's VPC has no IPv6 range, so an IPv6 rule could never match.
 * A range is at most a /24 (256 addresses): a developer's laptop, home or office egress, never
 * a provider-wide block that would expose the database to networks nobody here controls.
 */
export const MIN_CLIENT_PREFIX_LENGTH = 24;

export const CLIENT_CIDRS_ALLOWED =
  `public IPv4 CIDRs with a prefix of /${MIN_CLIENT_PREFIX_LENGTH} or longer, for example ` +
  `["203.0.113.7/32"], at most once each; never 0.0.0.0/0 or ::/0`;

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Ranges a client on the internet can never appear from (RFC 1918, loopback, link-local, CGNAT). */
const NON_PUBLIC_RANGES: readonly (readonly [network: number, prefix: number])[] = [
  [ipv4(10, 0, 0, 0), 8],
  [ipv4(172, 16, 0, 0), 12],
  [ipv4(192, 168, 0, 0), 16],
  [ipv4(127, 0, 0, 0), 8],
  [ipv4(169, 254, 0, 0), 16],
  [ipv4(100, 64, 0, 0), 10],
];

/**
 * Says what is wrong with one client CIDR, phrased as what is allowed instead, or returns
 * `undefined` when the CIDR may be opened on the database port.
 */
export function clientCidrProblem(cidr: string): string | undefined {
  const trimmed = cidr.trim();
  if (trimmed === '::/0' || /^0+\.0+\.0+\.0+\/0+$/.test(trimmed)) {
    return 'never the whole internet: a single address such as 203.0.113.7/32 or a small range';
  }
  if (trimmed.includes(':')) {
    return 'an IPv4 CIDR: the VPC has no IPv6 range, so an IPv6 rule would never match';
  }
  const match = IPV4_CIDR.exec(trimmed);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (match === null || octets.some((octet) => octet > 255) || prefix > 32) {
    return 'an IPv4 CIDR such as 203.0.113.7/32 (a.b.c.d/prefix, each number 0-255, prefix 0-32)';
  }
  if (prefix < MIN_CLIENT_PREFIX_LENGTH) {
    return `a prefix of /${MIN_CLIENT_PREFIX_LENGTH} or longer (at most 256 addresses); broader ranges expose the database to networks you do not control`;
  }
  const address = ipv4(...(octets as [number, number, number, number]));
  const network = networkOf(address, prefix);
  if (network !== address) {
    return `the network address of the range: ${formatIpv4(network)}/${prefix}`;
  }
  if (NON_PUBLIC_RANGES.some(([range, rangePrefix]) => networkOf(address, rangePrefix) === range)) {
    return 'a public address: traffic from a laptop reaches AWS from its public IP, never a private one (find it with `curl https://checkip.amazonaws.com`)';
  }
  return undefined;
}

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function networkOf(address: number, prefix: number): number {
  const mask = prefix === 0 ? 0 : 0xffffffff << (32 - prefix);
  return (address & mask) >>> 0;
}

function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}
