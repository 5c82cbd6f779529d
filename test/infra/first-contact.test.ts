import { Match } from 'aws-cdk-lib/assertions';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { afterAll, describe, expect, test } from 'vitest';
import { CREATION_ID } from './support/creation-names.js';
import { synthFailure, synthesize, unbundledDevApp } from './support/synth.js';

/**
 * What a first deploy in a new account, and a re-create after a delete, need from the templates
 * (issue 9). One synth per stage, plus one with opt-ins.
 */
const dev = synthesize('dev');
const prod = synthesize('prod');
const reserved = synthesize('dev', {
  context: {
    'spendsense:dev:reservedConcurrency.probe': 1,
    'spendsense:dev:reservedConcurrency.rotation': 10,
  },
});
const byZoneId = synthesize('prod', {
  context: { 'spendsense:prod:availabilityZones': 'use1-az1,use1-az2' },
});
const byName = synthesize('dev', {
  context: { 'spendsense:dev:availabilityZones': 'us-east-1c,us-east-1d' },
});
afterAll(() =>
  [dev, prod, reserved, byZoneId, byName].forEach((synthesized) => synthesized.dispose()),
);

const functionsOf = (synthesized: typeof dev) =>
  Object.values(synthesized.template.findResources('AWS::Lambda::Function')) as {
    Properties: Record<string, unknown>;
  }[];

describe('no reserved Lambda concurrency by default', () => {
  test.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: no function reserves anything', (_stage, synthesized) => {
    const functions = functionsOf(synthesized);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('a stage that opts in reserves exactly what it asked for', () => {
    const reservations = functionsOf(reserved)
      .map((fn) => fn.Properties.ReservedConcurrentExecutions)
      .filter((value) => value !== undefined)
      .sort();
    expect(reservations).toEqual([1, 10]);
  });
});

describe('the database is never publicly accessible', () => {
  test.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: private instance in the isolated subnets', (_stage, synthesized) => {
    synthesized.template.hasResourceProperties('AWS::RDS::DBInstance', {
      PubliclyAccessible: false,
    });
  });

  test('an escape hatch that makes it public fails the synth, pointing at spendsense-db tunnel', () => {
    const { app, stacks } = unbundledDevApp();
    const instance = stacks.dev!.database.instance.node.defaultChild as rds.CfnDBInstance;
    instance.addPropertyOverride('PubliclyAccessible', true);
    const failure = synthFailure(app);
    expect(failure).toMatch(/never publicly accessible[\s\S]*DatabaseInstanceAA8A5FDE/);
    expect(failure).toContain('`spendsense-db tunnel --stage <stage>`');
  });
});

describe('a stage can be deleted and created again: nothing retained has a constant name', () => {
  type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
  const RETAINED = new Set(['Retain', 'RetainExceptOnCreate', 'Snapshot']);
  /**
   * Every resource type of the stacks, with the property that names it in the account and region
   * (`undefined`: CloudFormation or the service generates the name, unique to each creation). A
   * new type fails the last test until its naming is thought through here.
   */
  const NAMED_BY: Readonly<Record<string, string | undefined>> = {
    'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::KMS::Alias': 'AliasName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::SSM::Parameter': 'Name',
    'AWS::SecretsManager::Secret': 'Name',
    'AWS::RDS::DBProxy': 'DBProxyName',
    'AWS::RDS::DBParameterGroup': 'DBParameterGroupName',
    'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
    'AWS::EC2::LaunchTemplate': 'LaunchTemplateName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
    'AWS::IAM::InstanceProfile': 'InstanceProfileName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::EC2::SecurityGroup': 'GroupName',
    'AWS::KMS::Key': undefined,
    'AWS::EC2::VPC': undefined,
    'AWS::EC2::Subnet': undefined,
    'AWS::EC2::RouteTable': undefined,
    'AWS::EC2::Route': undefined,
    'AWS::EC2::SubnetRouteTableAssociation': undefined,
    'AWS::EC2::InternetGateway': undefined,
    'AWS::EC2::VPCGatewayAttachment': undefined,
    'AWS::EC2::SecurityGroupIngress': undefined,
    'AWS::EC2::SecurityGroupEgress': undefined,
    'AWS::EC2::FlowLog': undefined,
    'AWS::EC2::VPCEndpoint': undefined,
    'AWS::EC2::Instance': undefined,
    'AWS::Lambda::Permission': undefined,
    'AWS::RDS::DBProxyTargetGroup': undefined,
    'AWS::SNS::TopicPolicy': undefined,
    'AWS::SecretsManager::SecretTargetAttachment': undefined,
    'AWS::SecretsManager::RotationSchedule': undefined,
    'Custom::VpcRestrictDefaultSG': undefined,
    // Converges roles inside the instance: they go with the instance, and a new creation of the
    // stack has a new instance (its Delete leaves the roles alone).
    'Custom::SpendSenseDatabaseBootstrap': undefined,
    'AWS::CDK::Metadata': undefined,
  };
  const nameOf = (resource: Resource): unknown => {
    const property = NAMED_BY[resource.Type];
    return property === undefined ? undefined : resource.Properties?.[property];
  };
  const scopedToCreation = (value: unknown): boolean =>
    JSON.stringify(value).includes(JSON.stringify(CREATION_ID));
  const resourcesOf = (synthesized: typeof dev) =>
    Object.entries(synthesized.template.toJSON().Resources as Record<string, Resource>);
  const stages = [
    ['dev', dev],
    ['prod', prod],
  ] as const;

  test.each(stages)(
    '%s: every name a deleted stack leaves behind carries the creation id',
    (_stage, synthesized) => {
      const constant = resourcesOf(synthesized)
        .filter(([, resource]) => RETAINED.has(resource.DeletionPolicy ?? 'Delete'))
        .filter(([, resource]) => nameOf(resource) !== undefined)
        .filter(([, resource]) => !scopedToCreation(nameOf(resource)))
        .map(([id, resource]) => `${id}: ${JSON.stringify(nameOf(resource))}`);
      expect(constant).toEqual([]);
    },
  );

  test('prod retains its key, its log groups and a snapshot of its instance', () => {
    const retained = resourcesOf(prod)
      .filter(([, resource]) => RETAINED.has(resource.DeletionPolicy ?? 'Delete'))
      .map(([, resource]) => resource.Type);
    expect(new Set(retained)).toEqual(
      new Set(['AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::RDS::DBInstance']),
    );
  });

  test.each(stages)(
    '%s: the log groups RDS writes to are named after this creation of the instance',
    (_stage, synthesized) => {
      const [instance] = resourcesOf(synthesized).filter(
        ([, resource]) => resource.Type === 'AWS::RDS::DBInstance',
      );
      const identifier = instance?.[1].Properties?.DBInstanceIdentifier as {
        'Fn::Join': [string, unknown[]];
      };
      expect(scopedToCreation(identifier)).toBe(true);
      const [prefix, id] = identifier['Fn::Join'][1];
      for (const log of ['postgresql', 'upgrade']) {
        synthesized.template.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: {
            'Fn::Join': ['', [`/aws/rds/instance/${String(prefix)}`, id, `/${log}`]],
          },
        });
      }
    },
  );

  test.each(stages)(
    '%s: every resource type has its naming thought through',
    (_stage, synthesized) => {
      const unknown = [...new Set(resourcesOf(synthesized).map(([, r]) => r.Type))].filter(
        (type) => !(type in NAMED_BY),
      );
      expect(unknown).toEqual([]);
    },
  );
});

describe('Availability Zones: chosen by the operator when RDS Proxy needs it', () => {
  const subnetsOf = (synthesized: typeof dev) =>
    Object.values(synthesized.template.findResources('AWS::EC2::Subnet')).map(
      (subnet) => subnet.Properties as Record<string, unknown>,
    );

  test("by default, the region's first two, chosen at deploy time", () => {
    expect(subnetsOf(prod).map((subnet) => subnet.AvailabilityZone)).toEqual([
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    ]);
  });

  test('by zone ID: every subnet is placed with AvailabilityZoneId, never a name', () => {
    const subnets = subnetsOf(byZoneId);
    expect(subnets.map((subnet) => subnet.AvailabilityZoneId)).toEqual(['use1-az1', 'use1-az2']);
    for (const subnet of subnets) expect(subnet.AvailabilityZone).toBeUndefined();
    // The proxy sits in those subnets.
    byZoneId.template.resourceCountIs('AWS::RDS::DBProxy', 1);
  });

  test('by name, public subnets and the access host included', () => {
    const zones = subnetsOf(byName).map((subnet) => subnet.AvailabilityZone);
    expect(zones.sort()).toEqual(['us-east-1c', 'us-east-1c', 'us-east-1d', 'us-east-1d']);
    const [host] = Object.values(byName.template.findResources('AWS::EC2::Instance'));
    // The subnet decides the host's zone (a name would break with zone IDs).
    expect(host?.Properties.AvailabilityZone).toBeUndefined();
  });
});

describe('hardening a reviewer asks for', () => {
  type Statement = {
    Effect: string;
    Action: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
    Sid?: string;
  };
  const actionsOf = (statement: Statement): string[] =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  const keyPolicyOf = (synthesized: typeof dev): Statement[] => {
    const [key] = Object.values(synthesized.template.findResources('AWS::KMS::Key'));
    return (key?.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
  };
  /** Every statement of every policy in the template: key policy and IAM policies. */
  const allStatements = (synthesized: typeof dev): Statement[] => [
    ...keyPolicyOf(synthesized),
    ...Object.values(synthesized.template.findResources('AWS::IAM::ManagedPolicy')).flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    ),
    ...Object.values(synthesized.template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    ),
  ];
  const viaSecretsManager = (statement: Statement): boolean =>
    JSON.stringify(statement.Condition?.StringEquals?.['kms:ViaService'] ?? '').includes(
      'secretsmanager.',
    );
  const stages = [
    ['dev', dev],
    ['prod', prod],
  ] as const;

  test.each(stages)(
    '%s: no statement allows kms:CreateGrant unless an AWS service asks for its resource',
    (_stage, synthesized) => {
      const grants = keyPolicyOf(synthesized).filter(
        (statement) =>
          statement.Effect === 'Allow' &&
          actionsOf(statement).some((action) => action === 'kms:CreateGrant'),
      );
      expect(grants).toEqual([]);
      expect(keyPolicyOf(synthesized)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'kms:CreateGrant',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } },
        }),
      );
    },
  );

  test.each(stages)(
    '%s: every decrypt through Secrets Manager names the secret in the encryption context',
    (_stage, synthesized) => {
      const decrypts = allStatements(synthesized).filter(
        (statement) =>
          statement.Effect === 'Allow' &&
          viaSecretsManager(statement) &&
          actionsOf(statement).some((action) => action.startsWith('kms:Decrypt')),
      );
      // The probe, the rotation function, the key policy (and prod's RDS Proxy).
      expect(decrypts.length).toBeGreaterThanOrEqual(3);
      for (const statement of decrypts) {
        const context =
          statement.Condition?.StringEquals?.['kms:EncryptionContext:SecretARN'] ??
          statement.Condition?.ArnLike?.['kms:EncryptionContext:SecretARN'];
        expect(context, JSON.stringify(statement)).toBeDefined();
      }
    },
  );

  test('the key policy lets Secrets Manager use the key for the stage secrets only', () => {
    expect(keyPolicyOf(prod)).toContainEqual(
      expect.objectContaining({
        Sid: 'AllowSecretsManagerForThisStageSecrets',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: expect.objectContaining({
          ArnLike: {
            'kms:EncryptionContext:SecretARN': {
              'Fn::Join': ['', expect.arrayContaining([':secret:spendsense/prod/database/*'])],
            },
          },
        }),
      }),
    );
  });

  test.each(stages)(
    '%s: Secrets Manager may invoke the rotation function for the credentials secret only',
    (_stage, synthesized) => {
      synthesized.template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { Ref: Match.stringLikeRegexp('CredentialsSecret') },
      });
    },
  );
});
