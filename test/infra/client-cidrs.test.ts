import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import { StageConfigError } from '../../src/infra/config/load-stage-configs.js';
import { logicalIdOf, synthesize } from './support/synth.js';

const CIDRS = ['203.0.113.7/32', '198.51.100.0/24'];
const { template, dispose } = synthesize('dev', {
  context: { 'spendsense:dev:clientCidrs': CIDRS.join(',') },
});
afterAll(dispose);

describe('dev with developer client CIDRs', () => {
  test.each(CIDRS)('admits %s on the database port, and only there', (cidr) => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense PostgreSQL'),
      SecurityGroupIngress: Match.arrayWith([
        {
          CidrIp: cidr,
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          Description: Match.stringLikeRegexp(cidr),
        },
      ]),
    });
  });

  test('has one ingress rule per CIDR and no other CIDR rule', () => {
    const [database] = Object.values(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: Match.stringLikeRegexp('^SpendSense PostgreSQL') },
      }),
    );
    const cidrs = (database?.Properties.SecurityGroupIngress as { CidrIp?: string }[]).map(
      (rule) => rule.CidrIp,
    );
    expect(cidrs).toEqual(CIDRS);
  });

  test('still admits the Lambda security group', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [
          logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
            GroupDescription: Match.stringLikeRegexp('^SpendSense Lambdas'),
          }),
          'GroupId',
        ],
      },
    });
  });

  test('makes the instance publicly accessible', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { PubliclyAccessible: true });
  });

  test('moves the instance to the public subnets', () => {
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [
        { Ref: Match.stringLikeRegexp('PublicSubnet1') },
        { Ref: Match.stringLikeRegexp('PublicSubnet2') },
      ],
    });
  });

  test('adds two public subnets that give nothing a public address on launch', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    for (const index of [2, 3]) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        CidrBlock: `10.40.${index}.0/24`,
        MapPublicIpOnLaunch: false,
        Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Public' }]),
      });
    }
  });

  test('keeps the isolated subnets, their ranges and the Lambdas where they were', () => {
    for (const index of [0, 1]) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        CidrBlock: `10.40.${index}.0/24`,
        Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]),
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: [
          { Ref: Match.stringLikeRegexp('IsolatedSubnet1') },
          { Ref: Match.stringLikeRegexp('IsolatedSubnet2') },
        ],
      },
    });
  });

  test('still forces TLS', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1' },
    });
  });

  test('never opens the database to the whole internet', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"CidrIp(v6)?":"(0\.0\.0\.0|::)\/0"/);
  });
});

describe('client CIDRs are refused before anything is built', () => {
  test.each([
    ['prod', { 'spendsense:prod:clientCidrs': '203.0.113.7/32' }, 'prod.clientCidrs'],
    ['dev', { 'spendsense:dev:clientCidrs': '0.0.0.0/0' }, 'dev.clientCidrs[0]'],
  ] as const)('%s with %j', (stage, context, field) => {
    expect(() => synthesize(stage, { context })).toThrow(StageConfigError);
    expect(() => synthesize(stage, { context })).toThrow(field);
  });
});
