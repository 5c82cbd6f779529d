import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import { logicalIdOf, synthesize } from './support/synth.js';

const prod = synthesize('prod');
afterAll(() => prod.dispose());
const { template } = prod;

const roleId = logicalIdOf(template, 'AWS::IAM::Role', {
  AssumeRolePolicyDocument: {
    Statement: [Match.objectLike({ Principal: { Service: 'monitoring.rds.amazonaws.com' } })],
  },
});
const policyId = logicalIdOf(template, 'AWS::IAM::ManagedPolicy', {
  Roles: [{ Ref: roleId }],
});

/** `arn:<partition>:logs:<region>:<account>:log-group:RDSOSMetrics<suffix>` as CloudFormation. */
const rdsOsMetrics = (suffix: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':logs:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:log-group:RDSOSMetrics${suffix}`,
    ],
  ],
});

describe('the enhanced monitoring role', () => {
  test('is assumed by the RDS monitoring service of this account, for this instance only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: Match.exact([
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'monitoring.rds.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([
                      ':db:spendsense-prod-',
                      Match.objectLike({ 'Fn::Select': Match.anyValue() }),
                    ]),
                  ],
                },
              },
            },
          },
        ]),
      },
    });
  });

  test('has no AWS-managed and no inline policy', () => {
    const role = template.findResources('AWS::IAM::Role')[roleId] as {
      Properties: Record<string, unknown>;
    };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonRDSEnhancedMonitoringRole');
  });

  test("may do what AmazonRDSEnhancedMonitoringRole allows, on this account's RDSOSMetrics only", () => {
    const policy = template.findResources('AWS::IAM::ManagedPolicy')[policyId] as {
      Properties: { PolicyDocument: { Statement: { Action: string[] }[] } };
    };
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toEqual([
      {
        Sid: 'PublishOsMetricsToRdsOsMetrics',
        Effect: 'Allow',
        Action: expect.any(Array),
        Resource: [rdsOsMetrics(''), rdsOsMetrics(':*')],
      },
    ]);
    // The managed policy's actions (AWS managed policy reference, version 1), in any order.
    expect([...(statements[0]?.Action ?? [])].sort()).toEqual([
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:DescribeLogStreams',
      'logs:GetLogEvents',
      'logs:PutLogEvents',
      'logs:PutRetentionPolicy',
    ]);
  });

  test('is the instance monitoring role, and its policy exists before the instance', () => {
    const [instance] = Object.values(template.findResources('AWS::RDS::DBInstance')) as {
      Properties: Record<string, unknown>;
      DependsOn: string[];
    }[];
    expect(instance?.Properties).toMatchObject({
      MonitoringInterval: 60,
      MonitoringRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
    });
    expect(instance?.DependsOn).toContain(policyId);
  });
});
