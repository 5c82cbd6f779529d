import type { IpPermission } from '@aws-sdk/client-ec2';
import { DATABASE_PORT } from '../../../shared/names.js';
import { declaredIngress } from '../declared-ingress.js';
import { judge, type Check } from '../finding.js';

const WORLD_V4 = '0.0.0.0/0';
const WORLD_V6 = '::/0';

/**
 * AC3: the database security group admits the Lambda security group on the database port and
 * nothing else: no address range at all, no other port, no source the stack does not declare
 * (the proxy's and the access host's groups are declared). The instance uses that group only.
 */
export const securityGroupRulesCheck: Check = {
  criterion: 'AC3',
  name: 'security group rules',
  async run(context) {
    const databaseGroupId = context.output('DatabaseSecurityGroupId');
    const lambdaGroupId = context.output('LambdaSecurityGroupId');
    const instance = await context.instance();
    const group = await context.securityGroup(databaseGroupId);
    const declared = declaredIngress(
      await context.template(),
      await context.stackResources(),
      databaseGroupId,
    );
    const port = instance.Endpoint?.Port ?? DATABASE_PORT;

    const problems: string[] = [];
    const refuse = (what: string): void => {
      problems.push(`${databaseGroupId} ${what}`);
    };
    const admitted: string[] = [];
    let lambdaAdmitted = false;
    for (const permission of group.IpPermissions ?? []) {
      const onPort = isTcpPort(permission, port);
      if (!onPort) refuse(`admits ${describePorts(permission)}`);
      for (const pair of permission.UserIdGroupPairs ?? []) {
        const source = pair.GroupId ?? 'an unnamed group';
        if (source === lambdaGroupId) {
          lambdaAdmitted ||= onPort;
          admitted.push(`${source} (Lambda)`);
        } else if (declared.groups.has(source)) {
          admitted.push(`${source} (${declared.groups.get(source)})`);
        } else {
          refuse(`admits ${source}, which the stack does not declare`);
        }
      }
      for (const range of permission.IpRanges ?? []) {
        const cidr = range.CidrIp ?? '';
        refuse(
          cidr === WORLD_V4
            ? `open to ${WORLD_V4}`
            : `admits ${cidr}${declared.cidrs.has(cidr) ? ' (declared by the template)' : ''}: the database admits security groups only`,
        );
      }
      for (const range of permission.Ipv6Ranges ?? []) {
        const cidr = range.CidrIpv6 ?? '';
        refuse(cidr === WORLD_V6 ? `open to ${WORLD_V6}` : `admits IPv6 ${cidr}`);
      }
      for (const list of permission.PrefixListIds ?? []) {
        refuse(`admits prefix list ${list.PrefixListId ?? 'unnamed'}`);
      }
    }
    if (!lambdaAdmitted) {
      refuse(`does not admit the Lambda security group ${lambdaGroupId} on tcp/${port}`);
    }
    const instanceGroups = (instance.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId);
    const others = instanceGroups.filter((id) => id !== databaseGroupId);
    if (!instanceGroups.includes(databaseGroupId)) {
      problems.push(`the instance does not use ${databaseGroupId}`);
    }
    if (others.length > 0) problems.push(`the instance also uses ${others.join(', ')}`);

    return judge(
      problems,
      `${databaseGroupId} admits tcp/${port} from ${admitted.join(', ')} only; nothing from ${WORLD_V4} or ${WORLD_V6}; the instance uses ${databaseGroupId} only`,
    );
  },
};

function isTcpPort(permission: IpPermission, port: number): boolean {
  return (
    permission.IpProtocol === 'tcp' && permission.FromPort === port && permission.ToPort === port
  );
}

function describePorts(permission: IpPermission): string {
  if (permission.IpProtocol === '-1') return 'all traffic';
  const { FromPort: from, ToPort: to } = permission;
  return `${permission.IpProtocol ?? '?'}/${from === to ? String(from) : `${from}-${to}`}`;
}
