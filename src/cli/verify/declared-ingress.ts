import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import {
  literalString,
  referencedLogicalId,
  resourcesOfType,
  type CloudFormationTemplate,
} from '../aws/cloudformation-template.js';

/** The sources the deployed template admits into one security group. */
export interface DeclaredIngress {
  /** Physical ids of the security groups admitted, with the logical id that declares each. */
  readonly groups: ReadonlyMap<string, string>;
  readonly cidrs: ReadonlySet<string>;
}

/**
 * Reads the ingress rules the template declares for the security group `groupId`: rules inline
 * on the group and `AWS::EC2::SecurityGroupIngress` resources that target it (CDK writes the
 * latter for a rule between two groups of the stack). Source groups are mapped to their
 * physical ids through the stack's resources.
 */
export function declaredIngress(
  template: CloudFormationTemplate,
  resources: readonly StackResourceSummary[],
  groupId: string,
): DeclaredIngress {
  const physicalId = new Map(
    resources.map((resource) => [resource.LogicalResourceId, resource.PhysicalResourceId]),
  );
  const groupLogicalId = resources.find(
    (resource) =>
      resource.ResourceType === 'AWS::EC2::SecurityGroup' &&
      resource.PhysicalResourceId === groupId,
  )?.LogicalResourceId;

  const rules: unknown[] = [];
  if (groupLogicalId !== undefined) {
    const inline = template.Resources[groupLogicalId]?.Properties?.SecurityGroupIngress;
    if (Array.isArray(inline)) rules.push(...inline);
    for (const [, ingress] of resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')) {
      if (referencedLogicalId(ingress.Properties?.GroupId) === groupLogicalId) {
        rules.push(ingress.Properties);
      }
    }
  }

  const groups = new Map<string, string>();
  const cidrs = new Set<string>();
  for (const rule of rules) {
    const properties = (rule ?? {}) as Record<string, unknown>;
    const sourceLogicalId = referencedLogicalId(properties.SourceSecurityGroupId);
    const sourceId =
      sourceLogicalId === undefined
        ? literalString(properties.SourceSecurityGroupId)
        : physicalId.get(sourceLogicalId);
    if (sourceId !== undefined) groups.set(sourceId, sourceLogicalId ?? sourceId);
    const cidr = literalString(properties.CidrIp);
    if (cidr !== undefined) cidrs.add(cidr);
  }
  return { groups, cidrs };
}
