import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
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
    credentialsSecret: fixture.credentialsSecret,
    clientSecurityGroups: [fixture.lambdaSecurityGroup],
    secretsManagerEndpointSecurityGroup: fixture.endpointSecurityGroup,
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

  test('logs in with the credentials secret; clients use SCRAM passwords, IAM auth off by default', () => {
    expect(proxyResource().Auth).toEqual([
      {
        AuthScheme: 'SECRETS',
        SecretArn: resolve(fixture.credentialsSecret.secretArn),
        ClientPasswordAuthType: 'POSTGRES_SCRAM_SHA_256',
        IAMAuth: 'DISABLED',
      },
    ]);
  });

  test('iamAuth requires IAM authentication from clients', () => {
    const withIam = createFixture();
    proxyOn(withIam, { iamAuth: true });
    Template.fromStack(withIam.stack).hasResourceProperties('AWS::RDS::DBProxy', {
      Auth: [
        {
          AuthScheme: 'SECRETS',
          IAMAuth: 'REQUIRED',
          ClientPasswordAuthType: 'POSTGRES_SCRAM_SHA_256',
          SecretArn: withIam.stack.resolve(withIam.credentialsSecret.secretArn),
        },
      ],
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

  test('the proxy may reach only the database and the Secrets Manager endpoint', () => {
    const destinations = egress({ GroupId: proxyGroupId }).map((rule) => [
      rule.Properties.DestinationSecurityGroupId,
      rule.Properties.FromPort,
    ]);
    expect(destinations).toEqual(
      expect.arrayContaining([
        [resolve(fixture.databaseSecurityGroup.securityGroupId), 5432],
        [resolve(fixture.endpointSecurityGroup.securityGroupId), 443],
      ]),
    );
    expect(destinations).toHaveLength(2);
  });
});

describe('the proxy role', () => {
  const roleRef = resolve(proxy.role.roleName);

  test('is assumed by RDS and reads the one secret, decrypting through Secrets Manager only', () => {
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
            Sid: 'ReadTheCredentialsSecret',
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: resolve(fixture.credentialsSecret.secretArn),
          },
          {
            Sid: 'DecryptThroughSecretsManagerOnly',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: resolve(fixture.key.keyArn),
            Condition: {
              StringEquals: {
                'kms:ViaService': {
                  'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
                },
              },
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

  test('the proxy waits for its policy (it reads the secret as soon as it is created)', () => {
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
      'a secret without a key and no key given',
      (f) => ({
        credentialsSecret: secretsmanager.Secret.fromSecretNameV2(
          f.stack,
          'Imported',
          'spendsense/dev/database/credentials',
        ),
      }),
      '`encryptionKey` must be given when `credentialsSecret` has no `encryptionKey` of its own: the proxy role needs kms:Decrypt on it. Got neither.',
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
