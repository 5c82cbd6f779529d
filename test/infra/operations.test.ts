import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import {
  LOG_RETENTION_ERROR_ID,
  LogRetentionCheck,
} from '../../src/infra/alarms/log-retention-check.js';
import {
  OutputKeys,
  DatabaseEnvironment,
  RotationEnvironment,
  connectionSecretArnParameterName,
  connectionSecretName,
  isolatedSubnetIdsParameterName,
  kmsKeyArnParameterName,
  vpcIdParameterName,
  type Stage,
} from '../../src/shared/names.js';
import { logicalIdOf, synthesize } from './support/synth.js';
import { withCreationId } from './support/creation-names.js';

/**
 * Running the database: password rotation, alarms, RDS Proxy, the log retention check, the
 * access host (off by default) and what Lambda stacks of other apps read, per stage with the
 * committed configuration. Opt-in variants are in dev-options.test.ts.
 */
const stages = { dev: synthesize('dev'), prod: synthesize('prod') };
afterAll(() => Object.values(stages).forEach((synthesized) => synthesized.dispose()));

const eachStage = test.each(['dev', 'prod'] as const);
const templateOf = (stage: Stage) => stages[stage].template;
const id = (stage: Stage, type: string, props: object = {}) =>
  logicalIdOf(templateOf(stage), type, props);
const instance = (stage: Stage) => id(stage, 'AWS::RDS::DBInstance');
const rotationFunction = (stage: Stage) =>
  id(stage, 'AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('^SpendSense database password rotation'),
  });
const securityGroup = (stage: Stage, description: string) => ({
  'Fn::GetAtt': [
    id(stage, 'AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp(`^${description}`),
    }),
    'GroupId',
  ],
});

describe('password rotation (on in both stages)', () => {
  eachStage('%s rotates the attached credentials every 30 days, once at deploy', (stage) => {
    templateOf(stage).resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    templateOf(stage).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: id(stage, 'AWS::SecretsManager::SecretTargetAttachment') },
      RotationLambdaARN: { 'Fn::GetAtt': [rotationFunction(stage), 'Arn'] },
      RotationRules: Match.exact({ AutomaticallyAfterDays: 30 }),
      RotateImmediatelyOnUpdate: true,
    });
  });

  eachStage(
    '%s: the function rewrites the connection secret and logs in to the instance itself, never the proxy',
    (stage) => {
      const { Properties: rotation } =
        templateOf(stage).toJSON().Resources[rotationFunction(stage)];
      expect(rotation.Environment.Variables).toEqual({
        [RotationEnvironment.ConnectionSecretId]: {
          Ref: id(stage, 'AWS::SecretsManager::Secret', { Name: connectionSecretName(stage) }),
        },
        [RotationEnvironment.DatabaseHost]: { 'Fn::GetAtt': [instance(stage), 'Endpoint.Address'] },
        [RotationEnvironment.DatabasePort]: { 'Fn::GetAtt': [instance(stage), 'Endpoint.Port'] },
        [RotationEnvironment.DatabaseName]: 'spendsense',
        [DatabaseEnvironment.RdsCaFile]: '/var/task/rds-ca.pem',
        NODE_OPTIONS: '--enable-source-maps',
      });
    },
  );

  eachStage('%s: the function runs beside the probe (Lambda group, isolated subnets)', (stage) => {
    const { Properties: rotation } = templateOf(stage).toJSON().Resources[rotationFunction(stage)];
    expect(rotation).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(rotation.VpcConfig).toEqual({
      SecurityGroupIds: [securityGroup(stage, 'SpendSense Lambdas')],
      SubnetIds: [
        { Ref: expect.stringMatching(/IsolatedSubnet1Subnet/) },
        { Ref: expect.stringMatching(/IsolatedSubnet2Subnet/) },
      ],
    });
  });

  test.each([
    ['dev', 30],
    ['prod', 365],
  ] as const)(
    '%s: the function logs to an encrypted group the key policy admits, kept %i days',
    (stage, days) => {
      const logGroup = id(stage, 'AWS::Logs::LogGroup', {
        LogGroupName: withCreationId(`/spendsense/${stage}/database/`, '/rotation'),
        KmsKeyId: { 'Fn::GetAtt': [id(stage, 'AWS::KMS::Key'), 'Arn'] },
        RetentionInDays: days,
      });
      templateOf(stage).hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^SpendSense database password rotation'),
        LoggingConfig: { LogGroup: { Ref: logGroup } },
      });
    },
  );
});

describe('RDS Proxy (prod only)', () => {
  const proxy = () => id('prod', 'AWS::RDS::DBProxy');

  test('dev has none, prod one', () => {
    templateOf('dev').resourceCountIs('AWS::RDS::DBProxy', 0);
    templateOf('prod').resourceCountIs('AWS::RDS::DBProxy', 1);
  });

  test('prod requires TLS and IAM authentication end to end (no secret)', () => {
    templateOf('prod').hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'POSTGRESQL',
      RequireTLS: true,
      DebugLogging: false,
      DefaultAuthScheme: 'IAM_AUTH',
      Auth: Match.absent(),
      VpcSubnetIds: [
        { Ref: Match.stringLikeRegexp('IsolatedSubnet1') },
        { Ref: Match.stringLikeRegexp('IsolatedSubnet2') },
      ],
    });
  });

  test('prod pools connections to the instance', () => {
    templateOf('prod').hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      DBProxyName: { Ref: proxy() },
      DBInstanceIdentifiers: [{ Ref: instance('prod') }],
    });
  });

  test('prod admits the Lambda group on 5432, and the Lambda group may reach it', () => {
    const proxyGroup = securityGroup('prod', 'SpendSense RDS Proxy');
    const lambdaGroup = securityGroup('prod', 'SpendSense Lambdas');
    const ingress = templateOf('prod').findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: proxyGroup },
    });
    expect(Object.values(ingress).map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        SourceSecurityGroupId: lambdaGroup,
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
      }),
    ]);
    templateOf('prod').hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: lambdaGroup,
      DestinationSecurityGroupId: proxyGroup,
      FromPort: 5432,
      ToPort: 5432,
    });
  });

  test('prod publishes the proxy endpoint the connection secret names', () => {
    templateOf('prod').hasOutput(OutputKeys.ProxyEndpoint, {
      Value: { 'Fn::GetAtt': [proxy(), 'Endpoint'] },
    });
  });
});

describe('alarms (both stages)', () => {
  const names = [
    'connections',
    'cpu-credit-balance',
    'cpu-utilization',
    'free-storage-space',
    'freeable-memory',
    'read-latency',
    'write-latency',
  ];

  eachStage('%s notifies an encrypted topic, published as AlarmTopicArn', (stage) => {
    const topic = id(stage, 'AWS::SNS::Topic', {
      TopicName: `spendsense-${stage}-database-alarms`,
      KmsMasterKeyId: { 'Fn::GetAtt': [id(stage, 'AWS::KMS::Key'), 'Arn'] },
    });
    templateOf(stage).hasOutput(OutputKeys.AlarmTopicArn, { Value: { Ref: topic } });
  });

  eachStage('%s watches the instance with the alarms of a burstable gp3 class', (stage) => {
    const topic = { Ref: id(stage, 'AWS::SNS::Topic') };
    const alarms = Object.values(templateOf(stage).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => alarm.Properties.AlarmName).sort()).toEqual(
      names.map((name) => `spendsense-${stage}-database-${name}`),
    );
    for (const { Properties: alarm } of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'AWS/RDS',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: { Ref: instance(stage) } }],
        AlarmActions: [topic],
        OKActions: [topic],
      });
    }
  });

  eachStage('%s subscribes nobody unless the configuration lists addresses', (stage) => {
    templateOf(stage).resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('log retention', () => {
  eachStage('%s runs the log retention check, and it finds nothing', (stage) => {
    const { stack } = stages[stage];
    expect(Aspects.of(stack).all.some((aspect) => aspect instanceof LogRetentionCheck)).toBe(true);
    expect(
      Annotations.fromStack(stack).findError(
        '*',
        Match.stringLikeRegexp(LOG_RETENTION_ERROR_ID.replace(/:/g, '\\:')),
      ),
    ).toEqual([]);
    const groups = Object.values(templateOf(stage).findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toEqual(expect.any(Number));
    }
  });
});

describe('the access host (on in dev, opt-in in prod)', () => {
  test('dev has one by default, so acceptance criterion 6 works against the real database', () => {
    templateOf('dev').resourceCountIs('AWS::EC2::Instance', 1);
    expect(Object.keys(templateOf('dev').toJSON().Outputs)).toContain(
      OutputKeys.AccessHostInstanceId,
    );
  });

  test('prod has none by default: no instance, no internet gateway, no output', () => {
    templateOf('prod').resourceCountIs('AWS::EC2::Instance', 0);
    templateOf('prod').resourceCountIs('AWS::EC2::InternetGateway', 0);
    expect(Object.keys(templateOf('prod').toJSON().Outputs)).not.toContain(
      OutputKeys.AccessHostInstanceId,
    );
  });
});

describe('what Lambda stacks of other apps read (SSM parameters)', () => {
  eachStage('%s publishes the VPC, its isolated subnets, the secret and the key', (stage) => {
    const template = templateOf(stage);
    const parameter = (name: string) =>
      Object.values(
        template.findResources('AWS::SSM::Parameter', { Properties: { Name: name } }),
      ).map((resource) => [resource.Properties.Type, resource.Properties.Value]);
    expect(parameter(vpcIdParameterName(stage))).toEqual([
      ['String', { Ref: id(stage, 'AWS::EC2::VPC') }],
    ]);
    expect(parameter(isolatedSubnetIdsParameterName(stage))).toEqual([
      [
        'String',
        {
          'Fn::Join': [
            ',',
            [
              { Ref: expect.stringMatching(/IsolatedSubnet1Subnet/) },
              { Ref: expect.stringMatching(/IsolatedSubnet2Subnet/) },
            ],
          ],
        },
      ],
    ]);
    expect(parameter(connectionSecretArnParameterName(stage))).toEqual([
      [
        'String',
        { Ref: id(stage, 'AWS::SecretsManager::Secret', { Name: connectionSecretName(stage) }) },
      ],
    ]);
    expect(parameter(kmsKeyArnParameterName(stage))).toEqual([
      ['String', { 'Fn::GetAtt': [id(stage, 'AWS::KMS::Key'), 'Arn'] }],
    ]);
  });
});
