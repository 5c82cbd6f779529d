import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  parseTemplate,
  referencedLogicalId,
  resourcesOfType,
  type CloudFormationTemplate,
} from '../../src/cli/aws/cloudformation-template.js';
import { REQUIRED_OUTPUTS } from '../../src/cli/aws/stack-outputs.js';
import { declaredIngress } from '../../src/cli/verify/declared-ingress.js';
import { declaredInstance } from '../../src/cli/verify/expectations.js';
import { synthesize, type Synthesized } from '../infra/support/synth.js';

/**
 * verify reads the deployed template for what it cannot learn from the live resources (the
 * deletion policy, the configured values, the declared ingress). These tests hold it to the
 * templates the infrastructure code really synthesizes.
 */
const synthesized: Synthesized[] = [];
const templates: Partial<
  Record<'dev' | 'prod', CloudFormationTemplate & { Outputs?: Record<string, unknown> }>
> = {};

beforeAll(() => {
  const dev = synthesize('dev');
  const prod = synthesize('prod');
  synthesized.push(dev, prod);
  templates.dev = parseTemplate(JSON.stringify(dev.template.toJSON()));
  templates.prod = parseTemplate(JSON.stringify(prod.template.toJSON()));
}, 180_000);
afterAll(() => synthesized.forEach((stack) => stack.dispose()));

describe.each([
  [
    'dev',
    {
      instanceClass: 'db.t3.micro',
      backupRetentionDays: 7,
      multiAz: false,
      deletionProtection: false,
      publiclyAccessible: false,
    },
  ],
  [
    'prod',
    {
      instanceClass: 'db.t3.micro',
      backupRetentionDays: 14,
      multiAz: true,
      deletionProtection: true,
      publiclyAccessible: false,
    },
  ],
] as const)('the %s template', (stage, configured) => {
  test('declares the instance with literal values verify can compare', () => {
    expect(declaredInstance(templates[stage]!, `spendsense-${stage}`)).toMatchObject({
      ...configured,
      deleteAutomatedBackups: false,
      deletionPolicy: 'Snapshot',
      updateReplacePolicy: 'Snapshot',
    });
  });

  test('outputs every output key verify and info require', () => {
    expect(Object.keys(templates[stage]!.Outputs ?? {})).toEqual(
      expect.arrayContaining([...REQUIRED_OUTPUTS]),
    );
  });

  test("declares the Lambda group (with prod's proxy and dev's access host) as the only ingress of the database group, and no address range", () => {
    const template = templates[stage]!;
    // Stand-in physical ids, as ListStackResources would map them.
    const resources: StackResourceSummary[] = resourcesOfType(
      template,
      'AWS::EC2::SecurityGroup',
    ).map(([id]) => ({
      LogicalResourceId: id,
      PhysicalResourceId: `sg-${id}`,
      ResourceType: 'AWS::EC2::SecurityGroup',
      LastUpdatedTimestamp: new Date(),
      ResourceStatus: 'CREATE_COMPLETE',
    }));
    const [, instance] = resourcesOfType(template, 'AWS::RDS::DBInstance')[0]!;
    const databaseGroup = referencedLogicalId(
      (instance.Properties?.VPCSecurityGroups as unknown[])[0],
    );
    const lambdaGroup = referencedLogicalId(
      (template.Outputs?.LambdaSecurityGroupId as { Value: unknown }).Value,
    );

    // Prod's Lambdas go through RDS Proxy, whose group the database group admits too.
    const proxyGroups = resourcesOfType(template, 'AWS::RDS::DBProxy').map(
      ([, proxy]) =>
        `sg-${referencedLogicalId((proxy.Properties?.VpcSecurityGroupIds as unknown[])[0])}`,
    );
    expect(proxyGroups).toHaveLength(stage === 'prod' ? 1 : 0);
    // Dev's laptops come through the access host (on by default there), whose group is admitted.
    const hostGroups = resourcesOfType(template, 'AWS::EC2::Instance').map(
      ([, host]) =>
        `sg-${referencedLogicalId(
          ((host.Properties?.NetworkInterfaces as { GroupSet: unknown[] }[])[0]?.GroupSet ?? [])[0],
        )}`,
    );
    expect(hostGroups).toHaveLength(stage === 'dev' ? 1 : 0);

    const ingress = declaredIngress(template, resources, `sg-${databaseGroup}`);
    expect([...ingress.groups.keys()].sort()).toEqual(
      [`sg-${lambdaGroup}`, ...proxyGroups, ...hostGroups].sort(),
    );
    expect([...ingress.cidrs]).toEqual([]);
  });
});
