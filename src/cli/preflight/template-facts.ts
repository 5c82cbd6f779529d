import {
  literalNumber,
  referencedLogicalId,
  resourcesOfType,
  type CloudFormationTemplate,
} from '../aws/cloudformation-template.js';

/** How many resources of `type` the template declares. */
export function countOf(template: CloudFormationTemplate, type: string): number {
  return resourcesOfType(template, type).length;
}

/** Reserved concurrency per function (logical id), for functions that reserve any. */
export function reservations(template: CloudFormationTemplate): ReadonlyMap<string, number> {
  const reserved = new Map<string, number>();
  for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const value = literalNumber(fn.Properties?.ReservedConcurrentExecutions);
    if (value !== undefined && value > 0) reserved.set(id, value);
  }
  return reserved;
}

export const sum = (values: Iterable<number>): number =>
  [...values].reduce((total, value) => total + value, 0);

/** Where one subnet goes, as the template places it. */
export type SubnetPlacement =
  | { readonly kind: 'name'; readonly zone: string }
  | { readonly kind: 'id'; readonly zoneId: string }
  /** `Fn::Select [index, Fn::GetAZs '']`: the region's zones, chosen at deploy time. */
  | { readonly kind: 'getazs'; readonly index: number }
  | { readonly kind: 'unknown' };

/** The subnets (logical id and placement) the template's RDS Proxy uses; [] without a proxy. */
export function proxySubnets(
  template: CloudFormationTemplate,
): readonly { readonly logicalId: string; readonly placement: SubnetPlacement }[] {
  const [proxy] = resourcesOfType(template, 'AWS::RDS::DBProxy');
  if (proxy === undefined) return [];
  const ids = (proxy[1].Properties?.VpcSubnetIds as unknown[] | undefined) ?? [];
  return ids.map((ref) => {
    const logicalId = referencedLogicalId(ref) ?? '?';
    const properties = template.Resources[logicalId]?.Properties ?? {};
    return { logicalId, placement: placementOf(properties) };
  });
}

function placementOf(properties: Record<string, unknown>): SubnetPlacement {
  if (typeof properties.AvailabilityZoneId === 'string') {
    return { kind: 'id', zoneId: properties.AvailabilityZoneId };
  }
  const zone = properties.AvailabilityZone;
  if (typeof zone === 'string') return { kind: 'name', zone };
  const select = (zone as { 'Fn::Select'?: unknown } | undefined)?.['Fn::Select'];
  if (
    Array.isArray(select) &&
    (select[1] as { 'Fn::GetAZs'?: unknown })?.['Fn::GetAZs'] !== undefined
  ) {
    return { kind: 'getazs', index: Number(select[0]) };
  }
  return { kind: 'unknown' };
}
