import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import { OutputKeys } from '../../src/shared/names.js';
import { logicalIdOf, synthesize } from './support/synth.js';

/**
 * Dev with the options a developer turns on or off through context: the access host on (the
 * default, stated so the test does not depend on it), rotation off, two alarm subscribers. One
 * synth for all three (each is independent of the others).
 */
const EMAILS = ['ops@example.com', 'oncall@example.com'];
const { template, dispose } = synthesize('dev', {
  context: {
    'spendsense:dev:accessHost.enabled': 'true',
    'spendsense:dev:rotation.enabled': 'false',
    'spendsense:dev:alarms.emailAddresses': EMAILS.join(','),
  },
});
afterAll(dispose);

const groupId = (description: string) => ({
  'Fn::GetAtt': [
    logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp(`^${description}`),
    }),
    'GroupId',
  ],
});
const hostInstance = () => logicalIdOf(template, 'AWS::EC2::Instance');

describe('dev with accessHost.enabled', () => {
  test('runs one t4g.nano in a public subnet, with a public address and an encrypted volume', () => {
    const { Properties: host } = template.toJSON().Resources[hostInstance()];
    expect(host.InstanceType).toBe('t4g.nano');
    expect(host.NetworkInterfaces).toEqual([
      expect.objectContaining({
        AssociatePublicIpAddress: true,
        DeviceIndex: '0',
        SubnetId: { Ref: expect.stringMatching(/PublicSubnet1Subnet/) },
        GroupSet: [groupId('SpendSense access host')],
      }),
    ]);
    expect(host.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: expect.objectContaining({
          VolumeSize: 8,
          VolumeType: 'gp3',
          Encrypted: true,
          KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
        }),
      },
    ]);
    expect(host.KeyName).toBeUndefined();
  });

  test('requires instance metadata v2', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
  });

  test('nothing can connect to the host; the database admits it on 5432 beside the Lambdas', () => {
    const host = groupId('SpendSense access host');
    expect(
      template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: host } }),
    ).toEqual({});
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense access host'),
      SecurityGroupIngress: Match.absent(),
    });
    const database = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: groupId('SpendSense PostgreSQL') },
    });
    expect(
      Object.values(database).map((rule) => [
        rule.Properties.SourceSecurityGroupId,
        rule.Properties.FromPort,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [groupId('SpendSense Lambdas'), 5432],
        [host, 5432],
      ]),
    );
    expect(Object.keys(database)).toHaveLength(2);
  });

  test('adds public subnets that give nothing a public address on launch', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    for (const index of [2, 3]) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        CidrBlock: `10.40.${index}.0/24`,
        MapPublicIpOnLaunch: false,
        Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Public' }]),
      });
    }
  });

  test('leaves the database private, in the isolated subnets', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { PubliclyAccessible: false });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [
        { Ref: Match.stringLikeRegexp('IsolatedSubnet1') },
        { Ref: Match.stringLikeRegexp('IsolatedSubnet2') },
      ],
    });
  });

  test('publishes the host for spendsense-db tunnel', () => {
    template.hasOutput(OutputKeys.AccessHostInstanceId, { Value: { Ref: hostInstance() } });
  });
});

describe('dev with rotation.enabled false', () => {
  test('has no rotation schedule and no rotation function or log group', () => {
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    expect(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('password rotation') },
      }),
    ).toEqual({});
    expect(
      template.findResources('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: '/spendsense/dev/database/rotation' },
      }),
    ).toEqual({});
  });
});

describe('dev with alarms.emailAddresses', () => {
  test.each(EMAILS)('subscribes %s to the alarm topic', (address) => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: address,
      TopicArn: { Ref: logicalIdOf(template, 'AWS::SNS::Topic') },
    });
  });
});
