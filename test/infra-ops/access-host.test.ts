import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, test } from 'vitest';
import { AccessHost } from '../../src/infra/access-host/access-host.js';
import { PORT_FORWARDING_DOCUMENT } from '../../src/shared/names.js';
import { createFixture, findingsUnder, synthWithCompliance } from './support/fixture.js';

const fixture = createFixture();
const host = new AccessHost(fixture.stack, 'AccessHost', {
  vpc: fixture.vpc,
  databaseSecurityGroup: fixture.databaseSecurityGroup,
  encryptionKey: fixture.key,
  instanceName: 'spendsense-dev-access-host',
});
const developers = new iam.Role(fixture.stack, 'Developers', {
  assumedBy: new iam.AccountRootPrincipal(),
});
host.grantPortForwarding(developers);
const template = Template.fromStack(fixture.stack);

const resolve = (value: unknown): unknown => fixture.stack.resolve(value);
const hostGroupId = resolve(host.securityGroup.securityGroupId);
const databaseGroupId = resolve(fixture.databaseSecurityGroup.securityGroupId);
const instance = () => {
  const instances = template.findResources('AWS::EC2::Instance');
  expect(Object.keys(instances)).toHaveLength(1);
  return Object.values(instances)[0] as { Properties: Record<string, unknown> };
};

describe('nothing can connect to the access host', () => {
  test('its security group has no inbound rule, inline or separate', () => {
    const group =
      template.toJSON().Resources[(hostGroupId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: hostGroupId },
      }),
    ).toEqual({});
  });

  test('it lets the host out on HTTPS and to the database group on 5432, nothing else', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense access host'),
      SecurityGroupEgress: [
        {
          CidrIp: '0.0.0.0/0',
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          Description: Match.anyValue(),
        },
      ],
    });
    const egress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: hostGroupId },
      }),
    );
    expect(egress.map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        DestinationSecurityGroupId: databaseGroupId,
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
      }),
    ]);
  });

  test('the database group admits the host group on 5432', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: databaseGroupId,
      SourceSecurityGroupId: hostGroupId,
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
    });
  });

  test('there is no key pair: no KeyName on the instance and no key pair resource', () => {
    expect(instance().Properties.KeyName).toBeUndefined();
    template.resourceCountIs('AWS::EC2::KeyPair', 0);
  });
});

describe('the instance', () => {
  test('requires IMDSv2 through its launch template', () => {
    const templates = template.findResources('AWS::EC2::LaunchTemplate', {
      Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } },
    });
    const [logicalId] = Object.keys(templates);
    expect(logicalId).toBeDefined();
    expect(instance().Properties.LaunchTemplate).toEqual({
      LaunchTemplateName: templates[logicalId as string]?.Properties.LaunchTemplateName,
      Version: { 'Fn::GetAtt': [logicalId, 'LatestVersionNumber'] },
    });
  });

  test('names its launch template uniquely, so dev and prod can share an account', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateName: Match.stringLikeRegexp('^OpsFixtureAccessHost'),
    });
  });

  test('is the smallest Graviton instance on the Amazon Linux 2023 arm64 image, resolved at deploy time', () => {
    expect(instance().Properties.InstanceType).toBe('t4g.nano');
    const imageParameter = (instance().Properties.ImageId as { Ref: string }).Ref;
    expect(template.toJSON().Parameters[imageParameter]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: expect.stringMatching(
        /^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-[\d.]+-arm64$/,
      ),
    });
  });

  test('boots from an encrypted gp3 volume under the stage key', () => {
    expect(instance().Properties.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          DeleteOnTermination: true,
          Encrypted: true,
          KmsKeyId: resolve(fixture.key.keyArn),
          VolumeSize: 8,
          VolumeType: 'gp3',
        },
      },
    ]);
  });

  test('runs in a public subnet with a public address (the way out to Systems Manager) and detailed monitoring', () => {
    expect(instance().Properties).toMatchObject({
      Monitoring: true,
      NetworkInterfaces: [
        {
          AssociatePublicIpAddress: true,
          DeviceIndex: '0',
          GroupSet: [hostGroupId],
          SubnetId: resolve(fixture.vpc.publicSubnets[0]?.subnetId),
        },
      ],
    });
  });

  test('exposes its id for the AccessHostInstanceId output', () => {
    const [logicalId] = Object.keys(template.findResources('AWS::EC2::Instance'));
    expect(resolve(host.instanceId)).toEqual({ Ref: logicalId });
  });
});

describe('permissions', () => {
  const roleId = (resolve(host.role.roleName) as { Ref: string }).Ref;

  test('the role has the Systems Manager core policy and nothing else', () => {
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore'],
        ],
      },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
    ]);
  });

  test('no inline or customer-managed policy is attached to the role', () => {
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const policy of Object.values(template.findResources(type))) {
        expect(policy.Properties.Roles ?? []).not.toContainEqual({ Ref: roleId });
      }
    }
  });

  test('grantPortForwarding allows sessions on this host with the port-forwarding document only', () => {
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [resolve(developers.roleName)] },
      }),
    );
    const [start, own, ...others] = policy?.Properties.PolicyDocument.Statement ?? [];
    expect(others).toEqual([]);
    expect(start).toMatchObject({
      Action: 'ssm:StartSession',
      Effect: 'Allow',
      Condition: { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
    });
    const resources = (start.Resource as unknown[]).map((resource) => JSON.stringify(resource));
    expect(resources).toHaveLength(2);
    expect(resources).toContainEqual(
      expect.stringMatching(/:instance\/",\{"Ref":"AccessHostInstance[0-9A-F]+"\}/),
    );
    expect(resources).toContainEqual(
      expect.stringMatching(`::document/${PORT_FORWARDING_DOCUMENT}"`),
    );
    expect(own).toMatchObject({
      Action: ['ssm:ResumeSession', 'ssm:TerminateSession'],
      Effect: 'Allow',
    });
    expect(JSON.stringify(own.Resource)).toMatch(/:session\/\$\{aws:userid\}-\*"/);
  });
});

describe('conflicting props are rejected with the prop and the value', () => {
  const build = (props: Partial<ConstructorParameters<typeof AccessHost>[2]>) => () => {
    const scratch = createFixture();
    new AccessHost(scratch.stack, 'AccessHost', {
      vpc: scratch.vpc,
      databaseSecurityGroup: scratch.databaseSecurityGroup,
      encryptionKey: scratch.key,
      ...props,
    });
  };

  test.each([
    [
      'an x86 instance type',
      { instanceType: new ec2.InstanceType('t3.nano') },
      '`instanceType` must be a Graviton (arm64) type: the image is Amazon Linux 2023 for arm64. Got t3.nano.',
    ],
    [
      'a root volume smaller than the image',
      { rootVolumeSizeGiB: 4 },
      "`rootVolumeSizeGiB` must be at least 8, the size of the image's snapshot. Got 4.",
    ],
    [
      'a port out of range',
      { databasePort: 70000 },
      '`databasePort` must be an integer from 1 to 65535. Got 70000.',
    ],
    [
      'isolated subnets (no way out to Systems Manager)',
      { subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
      '`subnets` must select public subnets: the VPC has no NAT gateway, and the Systems Manager agent reaches its service through the internet gateway. Got subnets without a route to an internet gateway.',
    ],
  ])('%s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('a VPC without public subnets', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const scratch = createFixture();
    expect(
      () =>
        new AccessHost(stack, 'AccessHost', {
          vpc,
          databaseSecurityGroup: new ec2.SecurityGroup(stack, 'Db', { vpc }),
          encryptionKey: scratch.key,
        }),
    ).toThrow(
      /`subnets` must select public subnets: .* Got no subnets \(There are no 'Public' subnet groups/,
    );
  });
});

describe('compliance (AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1)', () => {
  test('synth passes with the packs, and only these findings are acknowledged', () => {
    const checked = createFixture();
    const checkedHost = new AccessHost(checked.stack, 'AccessHost', {
      vpc: checked.vpc,
      databaseSecurityGroup: checked.databaseSecurityGroup,
      encryptionKey: checked.key,
    });
    expect(() => synthWithCompliance(checked)).not.toThrow();
    expect(
      findingsUnder(checked, checkedHost)
        .map((finding) => finding.rule)
        .sort(),
    ).toEqual([
      'AwsSolutions::AwsSolutions-EC29',
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'NIST.800.53.R5::NIST.800.53.R5-EC2InstanceNoPublicIp',
      'NIST.800.53.R5::NIST.800.53.R5-EC2InstancesInVPC',
      'PCI.DSS.321::PCI.DSS.321-EC2InstanceNoPublicIp',
      'PCI.DSS.321::PCI.DSS.321-EC2InstancesInVPC',
    ]);
  });

  test('the harness is not vacuous: an unacknowledged finding in the access host fails the synth', () => {
    const checked = createFixture();
    const checkedHost = new AccessHost(checked.stack, 'AccessHost', {
      vpc: checked.vpc,
      databaseSecurityGroup: checked.databaseSecurityGroup,
      encryptionKey: checked.key,
    });
    checkedHost.securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(22),
      'control: SSH from anywhere',
    );
    expect(() => synthWithCompliance(checked)).toThrow(/EC23|RestrictedSSH|RestrictedCommonPorts/);
  });
});
