import type { AvailabilityZone } from '@aws-sdk/client-ec2';
import { proxySubnets, type SubnetPlacement } from '../template-facts.js';
import { judge, skip, type PreflightCheck } from '../check.js';
import type { PreflightContext } from '../context.js';

/**
 * Zone IDs where RDS Proxy is not offered, per region, as the RDS user guide lists them
 * ("Quotas and limitations for RDS Proxy"): "US East (N. Virginia) Region does not support RDS
 * Proxy in the use1-az3 Availability Zone. US West (N. California) Region does not support RDS
 * Proxy in the usw1-az2 Availability Zone."
 */
export const PROXY_UNSUPPORTED_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['use1-az3'],
  'us-west-1': ['usw1-az2'],
};

/**
 * For a stage with RDS Proxy: the zone IDs behind the stack's subnets all offer it. Names map to
 * different zone IDs in each account, so the IDs are resolved here: from the subnets themselves
 * when the stack exists, else as CloudFormation's `Fn::GetAZs` would pick them.
 */
export const proxyZonesCheck: PreflightCheck = {
  name: 'RDS Proxy zones',
  async run(context) {
    const subnets = proxySubnets(context.synthesized.template);
    if (subnets.length === 0) return skip('no RDS Proxy in this stage');
    const zones = await context.availabilityZones();
    const zoneIds = await resolveZoneIds(context, subnets, zones);
    const unsupported = new Set(PROXY_UNSUPPORTED_ZONE_IDS[context.region] ?? []);
    const problems: string[] = [];
    for (const { logicalId, zoneId, name } of zoneIds) {
      if (zoneId === undefined)
        problems.push(`${logicalId}: ${name ?? 'its zone'} is not a zone of ${context.region}`);
      else if (unsupported.has(zoneId)) {
        problems.push(
          `${logicalId} is in ${zoneId}${name === undefined ? '' : ` (${name})`}, where RDS Proxy is not offered`,
        );
      }
    }
    const usable = zones
      .filter((zone) => zone.State === 'available' && !unsupported.has(zone.ZoneId ?? ''))
      .map((zone) => zone.ZoneId ?? '')
      .filter((id) => id !== '')
      .sort();
    const described = zoneIds.map(
      ({ zoneId, name }) => `${zoneId ?? '?'}${name === undefined ? '' : ` (${name})`}`,
    );
    return judge(
      problems,
      `the proxy's subnets are in ${described.join(' and ')}, all offering RDS Proxy`,
      `Pick two zones that offer it, by zone ID: -c spendsense:${context.stage}:availabilityZones=${usable.slice(0, 2).join(',')} (or availabilityZones in src/infra/config/stages.ts). Decide before the first deploy: moving a deployed stage's subnets replaces them; delete and re-create the stage instead (docs/database.md).`,
    );
  },
};

interface ResolvedZone {
  readonly logicalId: string;
  readonly zoneId: string | undefined;
  readonly name: string | undefined;
}

async function resolveZoneIds(
  context: PreflightContext,
  subnets: readonly { logicalId: string; placement: SubnetPlacement }[],
  zones: readonly AvailabilityZone[],
): Promise<ResolvedZone[]> {
  // Subnets that exist already are where they are.
  const physical = new Map(
    (await context.stackResources())
      .filter((resource) => resource.ResourceType === 'AWS::EC2::Subnet')
      .map((resource) => [resource.LogicalResourceId, resource.PhysicalResourceId]),
  );
  const existing = subnets.flatMap(({ logicalId }) => physical.get(logicalId) ?? []);
  const live =
    existing.length === subnets.length ? await context.subnetZoneIds(existing) : undefined;

  const byName = new Map(zones.map((zone) => [zone.ZoneName, zone]));
  const byId = new Map(zones.map((zone) => [zone.ZoneId, zone]));
  const getAzs = await getAzsOrder(context, zones);
  return subnets.map(({ logicalId, placement }): ResolvedZone => {
    const liveId = live?.get(physical.get(logicalId) ?? '');
    if (liveId !== undefined)
      return { logicalId, zoneId: liveId, name: byId.get(liveId)?.ZoneName };
    switch (placement.kind) {
      case 'id':
        return {
          logicalId,
          zoneId: byId.has(placement.zoneId) ? placement.zoneId : undefined,
          name: placement.zoneId,
        };
      case 'name':
        return { logicalId, zoneId: byName.get(placement.zone)?.ZoneId, name: placement.zone };
      case 'getazs': {
        const zone = getAzs[placement.index];
        return { logicalId, zoneId: zone?.ZoneId, name: zone?.ZoneName };
      }
      case 'unknown':
        return { logicalId, zoneId: undefined, name: undefined };
    }
  });
}

/**
 * The zones `Fn::GetAZs` returns: the available zones with a default subnet, in alphabetical
 * order, or all available zones when none has one (CloudFormation user guide, Fn::GetAZs).
 */
async function getAzsOrder(
  context: PreflightContext,
  zones: readonly AvailabilityZone[],
): Promise<AvailabilityZone[]> {
  const available = zones
    .filter((zone) => zone.State === 'available')
    .sort((a, b) => (a.ZoneName ?? '').localeCompare(b.ZoneName ?? ''));
  const withDefault = await context.defaultSubnetZones();
  const kept = available.filter((zone) => withDefault.has(zone.ZoneName ?? ''));
  return kept.length > 0 ? kept : available;
}
