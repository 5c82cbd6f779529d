import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { describe, expect, test } from 'vitest';
import { DatabaseProxy, type DatabaseProxyProps } from '../../src/infra/proxy/database-proxy.js';
import {
  createFixture,
  findingsUnder,
  synthWithCompliance,
  type OpsFixture,
} from './support/fixture.js';

function proxyOn(fixture: OpsFixture, props: Partial<DatabaseProxyProps> = {}): DatabaseProxy {
  return new DatabaseProxy(fixture.stack, 'Proxy', {
    vpc: fixture.vpc,
    instance: fixture.instance,
    databaseUser: 'spendsense_app',
    clientSecurityGroups: [fixture.lambdaSecurityGroup],
    ...props,
  });
}

const fixture = createFixture();
const proxy = proxyOn(fixture);
const template = Template.fromStack(fixture.stack);
const resolve = (value: unknown): unknown => fixture.stack.resolve(value);
const proxyGroupId = resolve(proxy.securityGroup.securityGroupId);
const proxyResource = () => {
  const proxies = Object.values(template.findResources('AWS::RDS::DBProxy'));
  expect(proxies).toHaveLength(1);
  return proxies[0]?.Properties as Record<string, unknown>;
};

describe('the proxy', () => {
  test('requires TLS, with debug logging (statement text in logs) off', () => {
    expect(proxyResource()).toMatchObject({
      RequireTLS: true,
      DebugLogging: false,
      EngineFamily: 'POSTGRESQL',
    });
  });

  test('takes IAM authentication end to end: no secret, no password anywhere', () => {
    expect(proxyResource()).toMatchObject({ DefaultAuthScheme: 'IAM_AUTH' });
    expect(proxyResource().Auth).toBeUndefined();
    expect(JSON.stringify(proxyResource())).not.toMatch(/secret/i);
  });

  test('gives clients the resource id their rds-db:connect names (prx-...)', () => {
    const [logicalId] = Object.keys(template.findResources('AWS::RDS::DBProxy'));
    expect(resolve(proxy.resourceId)).toEqual({
      'Fn::Select': [6, { 'Fn::Split': [':', { 'Fn::GetAtt': [logicalId, 'DBProxyArn'] }] }],
    });
  });

  test('targets the instance and keeps 10% of its connections free for operators', () => {
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      DBProxyName: { Ref: Object.keys(template.findResources('AWS::RDS::DBProxy'))[0] },
      DBInstanceIdentifiers: [resolve(fixture.instance.instanceIdentifier)],
      ConnectionPoolConfigurationInfo: { MaxConnectionsPercent: 90 },
    });
  });

  test('sits in the isolated subnets of both AZs, in its own security group', () => {
    expect(proxyResource().VpcSubnetIds).toEqual(
      fixture.vpc.isolatedSubnets.map((subnet) => resolve(subnet.subnetId)),
    );
    expect(proxyResource().VpcSecurityGroupIds).toEqual([proxyGroupId]);
  });

  test('exposes its endpoint', () => {
    const [logicalId] = Object.keys(template.findResources('AWS::RDS::DBProxy'));
    expect(resolve(proxy.endpoint)).toEqual({ 'Fn::GetAtt': [logicalId, 'Endpoint'] });
  });
});

describe('security groups', () => {
  const ingress = (props: object) =>
    Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: props }));
  const egress = (props: object) =>
    Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: props }));

  test('the proxy admits the Lambda group on 5432 and nothing else', () => {
    expect(ingress({ GroupId: proxyGroupId }).map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        SourceSecurityGroupId: resolve(fixture.lambdaSecurityGroup.securityGroupId),
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
      }),
    ]);
    const [group] = Object.values(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: {
          GroupDescription:
            'SpendSense RDS Proxy: PostgreSQL from the client groups; out to the database only',
        },
      }),
    );
    expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('the Lambda group may reach the proxy (its egress is closed by default)', () => {
    expect(
      egress({
        GroupId: resolve(fixture.lambdaSecurityGroup.securityGroupId),
        DestinationSecurityGroupId: proxyGroupId,
      }),
    ).toHaveLength(1);
  });

  test('the database group admits the proxy group exactly once, on 5432 written as a number', () => {
    const rules = ingress({
      GroupId: resolve(fixture.databaseSecurityGroup.securityGroupId),
      SourceSecurityGroupId: proxyGroupId,
    });
    expect(rules.map((rule) => rule.Properties)).toEqual([
      // A number, not Fn::GetAtt Endpoint.Port: cdk-nag's port rules can only judge a number.
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 }),
    ]);
  });

  test('the proxy may reach only the database (it reads no secret)', () => {
    const destinations = egress({ GroupId: proxyGroupId }).map((rule) => [
      rule.Properties.DestinationSecurityGroupId,
      rule.Properties.FromPort,
    ]);
    expect(destinations).toEqual([[resolve(fixture.databaseSecurityGroup.securityGroupId), 5432]]);
  });
});

describe('the proxy role', () => {
  const roleRef = resolve(proxy.role.roleName);

  test('is assumed by RDS and may log in to the instance as the one user, nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'rds.amazonaws.com' },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [roleRef],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'ConnectToTheInstanceAsTheApplicationRole',
            Effect: 'Allow',
            Action: 'rds-db:connect',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:aws:rds-db:us-east-1:',
                  { Ref: 'AWS::AccountId' },
                  ':dbuser:',
                  resolve(fixture.instance.instanceResourceId),
                  '/spendsense_app',
                ],
              ],
            },
          },
        ],
      },
    });
  });

  test('has no inline policy', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      expect(policy.Properties.Roles).not.toContainEqual(roleRef);
    }
  });

  test('the proxy waits for its policy (it logs in as soon as it is created)', () => {
    const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    const [proxyId] = Object.keys(template.findResources('AWS::RDS::DBProxy'));
    expect(template.toJSON().Resources[proxyId as string].DependsOn).toContain(policyId);
  });
});

describe('conflicting props are rejected with the prop and the value', () => {
  test.each<[string, (f: OpsFixture) => Partial<DatabaseProxyProps>, string]>([
    [
      'public subnets',
      () => ({ subnets: { subnetType: ec2.SubnetType.PUBLIC } }),
      '`subnets` must be private subnets: an RDS Proxy is never publicly accessible. Got public subnets.',
    ],
    [
      'a single Availability Zone',
      (f) => ({ subnets: { subnets: [f.vpc.isolatedSubnets[0] as ec2.ISubnet] } }),
      '`subnets` must span at least two Availability Zones (RDS Proxy requires it). Got 1:',
    ],
    [
      'no client group',
      () => ({ clientSecurityGroups: [] }),
      '`clientSecurityGroups` must name at least one group (the SpendSense Lambda group). Got [].',
    ],
    [
      'a pool share above 100%',
      () => ({ maxConnectionsPercent: 120 }),
      '`maxConnectionsPercent` must be an integer from 1 to 100. Got 120.',
    ],
    [
      'a port out of range',
      () => ({ databasePort: 0 }),
      '`databasePort` must be an integer from 1 to 65535. Got 0.',
    ],
    [
      'an instance without a resource id',
      (f) => ({
        instance: rds.DatabaseInstance.fromDatabaseInstanceAttributes(f.stack, 'Imported', {
          instanceIdentifier: 'spendsense-dev',
          instanceEndpointAddress: 'spendsense-dev.example.invalid',
          port: 5432,
          securityGroups: [],
          engine: f.instance.engine,
        }),
      }),
      "`instance` must carry its resource id (DbiResourceId): the proxy role's rds-db:connect names it. Got an instance without one.",
    ],
  ])('%s', (_name, props, message) => {
    const scratch = createFixture();
    expect(() => proxyOn(scratch, props(scratch))).toThrow(message);
  });
});

describe('compliance (AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1)', () => {
  test('synth passes with the packs and nothing in the proxy needs acknowledging', () => {
    const checked = createFixture();
    const checkedProxy = proxyOn(checked);
    expect(() => synthWithCompliance(checked)).not.toThrow();
    expect(findingsUnder(checked, checkedProxy)).toEqual([]);
  });
});
