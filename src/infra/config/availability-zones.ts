/**
 * The two Availability Zones a stage's VPC spans, when the operator picks them: by name
 * (`us-east-1b`, which maps to a different physical zone in each account) or by zone ID
 * (`use1-az1`, the same physical zone in every account). RDS Proxy is not offered in every zone
 * (`use1-az3`, `usw1-az2`), and `spendsense-db preflight` says which zone IDs a stage would use.
 */
export const AVAILABILITY_ZONES_ALLOWED =
  '[] (the region\'s first two zones, chosen at deploy time), or exactly two different zones of the stack\'s region, each a name such as "us-east-1b" or a zone ID such as "use1-az1"; fix them before the first deploy (changing them later replaces the subnets)';

const ZONE_NAME = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})[a-z]$/;
const ZONE_ID = /^[a-z]{2,5}\d{1,2}-az\d{1,2}$/;

/** Whether `zone` is a zone ID (`use1-az1`) rather than a name (`us-east-1a`). */
export const isZoneId = (zone: string): boolean => ZONE_ID.test(zone);

/** What is wrong with one configured zone, in the stack's region; `undefined` when nothing. */
export function availabilityZoneProblem(zone: string, region: string): string | undefined {
  if (isZoneId(zone)) return undefined;
  const name = ZONE_NAME.exec(zone);
  if (name === null) return 'a zone name such as "us-east-1b" or a zone ID such as "use1-az1"';
  if (name[1] !== region)
    return `a zone of the stack's region ${region} (its names start with ${region})`;
  return undefined;
}
