import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import { checkConnectionSecret } from '../../src/runtime/connection-secret.js';
import {
  ApplicationOutputKeys,
  OutputKeys,
  PASSWORD_LENGTH,
  connectionSecretName,
  credentialsSecretName,
  lambdaSecurityGroupExportName,
  lambdaSecurityGroupParameterName,
  type Stage,
} from '../../src/shared/names.js';
import { logicalIdOf, synthesize } from './support/synth.js';
import { withCreationId } from './support/creation-names.js';

const dev = synthesize('dev');
const prod = synthesize('prod');
const stages = { dev, prod };
afterAll(() => Object.values(stages).forEach((synthesized) => synthesized.dispose()));

const eachStage = test.each(['dev', 'prod'] as const);
const instanceOf = (stage: Stage): Record<string, unknown> => {
  const [instance] = Object.values(stages[stage].template.findResources('AWS::RDS::DBInstance'));
  return instance as Record<string, unknown>;
};

describe('AC1: RDS PostgreSQL 15, db.t3.micro for the MVP', () => {
  eachStage('%s pins major 15 and leaves the minor to RDS', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '15',
      AutoMinorVersionUpgrade: true,
    });
  });

  eachStage('%s runs db.t3.micro', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.t3.micro',
    });
  });

  eachStage('%s stores on gp3, 20 GiB, with an autoscaling cap', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      StorageType: 'gp3',
      AllocatedStorage: '20',
      MaxAllocatedStorage: Match.anyValue(),
    });
  });

  eachStage('%s names the database, the master user and the port', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBName: 'spendsense',
      DBInstanceIdentifier: withCreationId(`spendsense-${stage}-`),
      Port: '5432',
    });
  });

  eachStage('%s uses a custom postgres15 parameter group', (stage) => {
    const { template } = stages[stage];
    const group = logicalIdOf(template, 'AWS::RDS::DBParameterGroup', { Family: 'postgres15' });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBParameterGroupName: { Ref: group },
    });
  });
});

describe('AC2: automated backups', () => {
  eachStage('%s has a preferred backup window and copies tags to snapshots', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      PreferredBackupWindow: '03:00-03:30',
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      CopyTagsToSnapshot: true,
    });
  });

  eachStage('%s keeps automated backups when the instance is deleted', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      DeleteAutomatedBackups: false,
    });
  });

  eachStage('%s takes a snapshot when the instance is deleted or replaced', (stage) => {
    expect(instanceOf(stage)).toMatchObject({
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  eachStage('%s exports the postgresql and upgrade logs', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    });
  });

  eachStage('%s creates the export log groups before the instance, encrypted', (stage) => {
    const { template } = stages[stage];
    const groups = ['postgresql', 'upgrade'].map((name) =>
      logicalIdOf(template, 'AWS::Logs::LogGroup', {
        LogGroupName: withCreationId(`/aws/rds/instance/spendsense-${stage}-`, `/${name}`),
        KmsKeyId: Match.anyValue(),
        RetentionInDays: Match.anyValue(),
      }),
    );
    expect(instanceOf(stage).DependsOn).toEqual(expect.arrayContaining(groups));
  });
});

describe('AC3: only the Lambda security group reaches the database', () => {
  // Prod's Lambdas go through RDS Proxy, whose own group (admitting only the Lambda group) is
  // then the one other source of the database group; dev's laptops come through the access host.
  test.each([
    ['dev', ['^SpendSense Lambdas', '^SpendSense access host']],
    ['prod', ['^SpendSense Lambdas', '^SpendSense RDS Proxy']],
  ] as const)('%s admits on 5432 exactly the groups %j', (stage, sources) => {
    const { template } = stages[stage];
    const database = logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense PostgreSQL'),
    });
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [database, 'GroupId'] } },
    });
    expect(Object.values(ingress).map((rule) => rule.Properties)).toEqual(
      sources.map((description) =>
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          SourceSecurityGroupId: {
            'Fn::GetAtt': [
              logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
                GroupDescription: Match.stringLikeRegexp(description),
              }),
              'GroupId',
            ],
          },
        }),
      ),
    );
  });

  eachStage('%s has no inline ingress on the database security group', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense PostgreSQL'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  eachStage('%s keeps the instance private, in isolated subnets', (stage) => {
    const { template } = stages[stage];
    template.hasResourceProperties('AWS::RDS::DBInstance', { PubliclyAccessible: false });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [
        { Ref: Match.stringLikeRegexp('IsolatedSubnet1') },
        { Ref: Match.stringLikeRegexp('IsolatedSubnet2') },
      ],
    });
  });
});

describe('AC4: the connection string in Secrets Manager', () => {
  const password = '{{resolve:secretsmanager:<credentials-arn>:SecretString:password::}}';

  // For operators and tools: the instance itself in both stages (RDS Proxy takes IAM tokens
  // only, and SpendSense functions never read this secret).
  test.each([
    ['dev', 'the instance endpoint', 'db.example'],
    ['prod', 'the instance endpoint', 'db.example'],
  ] as const)(
    '%s composes the connection secret from %s and a dynamic reference',
    (stage, _endpoint, host) => {
      expect(composedConnectionSecret(stage)).toEqual({
        url: `postgresql://spendsense_admin:${password}@${host}:5432/spendsense`,
        engine: 'postgres',
        host,
        port: 5432,
        dbname: 'spendsense',
        username: 'spendsense_admin',
        password,
      });
    },
  );

  eachStage('%s connection secret has the shape the runtime module reads', (stage) => {
    expect(checkConnectionSecret(composedConnectionSecret(stage)).success).toBe(true);
  });

  eachStage('%s connection URL carries no sslmode (clients pass TLS explicitly)', (stage) => {
    expect((composedConnectionSecret(stage) as { url: string }).url).not.toMatch(/sslmode|\?/);
  });

  eachStage('%s encrypts both secrets with the stage key', (stage) => {
    const { template } = stages[stage];
    const key = logicalIdOf(template, 'AWS::KMS::Key');
    for (const name of [credentialsSecretName(stage), connectionSecretName(stage)]) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: name,
        KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
    }
  });

  eachStage('%s generates the password in Secrets Manager with a URL-safe alphabet', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: credentialsSecretName(stage),
      GenerateSecretString: {
        SecretStringTemplate: '{"username":"spendsense_admin"}',
        GenerateStringKey: 'password',
        PasswordLength: PASSWORD_LENGTH,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
      SecretString: Match.absent(),
    });
  });

  eachStage('%s attaches the credentials secret to the instance', (stage) => {
    const { template } = stages[stage];
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      TargetType: 'AWS::RDS::DBInstance',
      TargetId: { Ref: logicalIdOf(template, 'AWS::RDS::DBInstance') },
      SecretId: {
        Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', {
          Name: credentialsSecretName(stage),
        }),
      },
    });
  });
});

describe('no secret value in any template', () => {
  eachStage('%s has exactly one generated password and no literal SecretString', (stage) => {
    const { template } = stages[stage];
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(
      secrets.filter((secret) => secret.Properties.GenerateSecretString !== undefined),
    ).toHaveLength(1);
    // The credentials secret and the connection secret.
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(typeof secret.Properties.SecretString).not.toBe('string');
  });

  eachStage('%s has no password that is not a dynamic reference', (stage) => {
    expect(literalPasswords(JSON.stringify(stages[stage].template.toJSON()))).toEqual([]);
  });

  test('the literal-password check finds one when there is one', () => {
    const doctored = JSON.stringify({
      SecretString:
        '{"url":"postgresql://spendsense_admin:hunter22@db:5432/spendsense","password":"hunter22"}',
    });
    expect(literalPasswords(doctored)).toHaveLength(2);
  });

  eachStage('%s sets the master password only through a dynamic reference', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      MasterUserPassword: {
        'Fn::Join': [
          '',
          ['{{resolve:secretsmanager:', Match.anyValue(), ':SecretString:password::}}'],
        ],
      },
    });
  });
});

describe('AC5: endpoint and credentials published as outputs', () => {
  // The access host is on by default in dev only; the proxy is on in prod only.
  test.each([
    ['dev', ['ProxyEndpoint']],
    ['prod', ['AccessHostInstanceId']],
  ] as const)('%s has exactly the output keys other tools read (all but %j)', (stage, absent) => {
    expect(Object.keys(stages[stage].template.toJSON().Outputs).sort()).toEqual(
      [
        ...Object.values(OutputKeys).filter((key) => !(absent as readonly string[]).includes(key)),
        ...Object.values(ApplicationOutputKeys),
      ].sort(),
    );
  });

  eachStage('%s exports the Lambda security group for later stacks', (stage) => {
    const { template } = stages[stage];
    const lambda = logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense Lambdas'),
    });
    template.hasOutput(OutputKeys.LambdaSecurityGroupId, {
      Value: { 'Fn::GetAtt': [lambda, 'GroupId'] },
      Export: { Name: lambdaSecurityGroupExportName(stage) },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: lambdaSecurityGroupParameterName(stage),
      Type: 'String',
      Value: { 'Fn::GetAtt': [lambda, 'GroupId'] },
    });
  });

  eachStage('%s outputs the endpoint from the instance, never a literal', (stage) => {
    const { template } = stages[stage];
    const instance = logicalIdOf(template, 'AWS::RDS::DBInstance');
    template.hasOutput(OutputKeys.EndpointAddress, {
      Value: { 'Fn::GetAtt': [instance, 'Endpoint.Address'] },
    });
    template.hasOutput(OutputKeys.EndpointPort, {
      Value: { 'Fn::GetAtt': [instance, 'Endpoint.Port'] },
    });
    template.hasOutput(OutputKeys.InstanceIdentifier, { Value: { Ref: instance } });
  });

  eachStage('%s outputs both secret names as the shared names', (stage) => {
    const { template } = stages[stage];
    template.hasOutput(OutputKeys.CredentialsSecretName, { Value: credentialsSecretName(stage) });
    template.hasOutput(OutputKeys.ConnectionSecretName, { Value: connectionSecretName(stage) });
    template.hasOutput(OutputKeys.DatabaseName, { Value: 'spendsense' });
  });

  eachStage('%s outputs the parameter group, key and probe function', (stage) => {
    const { template } = stages[stage];
    template.hasOutput(OutputKeys.ParameterGroupName, {
      Value: { Ref: logicalIdOf(template, 'AWS::RDS::DBParameterGroup') },
    });
    template.hasOutput(OutputKeys.KmsKeyArn, {
      Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
    });
    template.hasOutput(OutputKeys.ProbeFunctionName, {
      Value: { Ref: Match.stringLikeRegexp('^DatabaseProbeFunction') },
    });
  });
});

describe('AC7: encryption at rest and in transit', () => {
  eachStage('%s encrypts storage with the customer-managed key', (stage) => {
    const { template } = stages[stage];
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
    });
  });

  eachStage(
    '%s rotates the key and keeps it when the stack is deleted (not when its first create fails)',
    (stage) => {
      stages[stage].template.hasResource('AWS::KMS::Key', {
        Properties: { EnableKeyRotation: true },
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    },
  );

  eachStage('%s encrypts every log group with the key', (stage) => {
    const { template } = stages[stage];
    const key = logicalIdOf(template, 'AWS::KMS::Key');
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // postgresql, upgrade, flow logs, probe, rotation, bootstrap and its provider.
    expect(groups).toHaveLength(7);
    for (const group of groups)
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
  });

  eachStage('%s forces TLS and SCRAM in the parameter group', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1', password_encryption: 'scram-sha-256' },
    });
  });

  eachStage(
    '%s logs connections and slow statements but never statement text wholesale or bind values',
    (stage) => {
      stages[stage].template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Parameters: {
          log_statement: 'none',
          log_connections: '1',
          log_disconnections: '1',
          log_min_duration_statement: '1000',
          log_parameter_max_length: '0',
          log_parameter_max_length_on_error: '0',
        },
      });
    },
  );

  eachStage('%s pins the RDS certificate authority the clients ship', (stage) => {
    stages[stage].template.hasResourceProperties('AWS::RDS::DBInstance', {
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    });
  });
});

describe('the network', () => {
  eachStage('%s has its own VPC over two AZs chosen at deploy time, without NAT', (stage) => {
    const { template } = stages[stage];
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    // Dev adds two public subnets for the access host (operations tests cover them).
    template.resourceCountIs('AWS::EC2::Subnet', stage === 'dev' ? 4 : 2);
    for (const index of [0, 1]) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        CidrBlock: `10.40.${index}.0/24`,
        AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] },
        MapPublicIpOnLaunch: false,
      });
    }
  });

  eachStage('%s logs all VPC traffic to an encrypted log group', (stage) => {
    const { template } = stages[stage];
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: {
        Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', {
          LogGroupName: withCreationId(`/spendsense/${stage}/database/`, '/vpc-flow-logs'),
        }),
      },
    });
  });

  eachStage('%s strips the rules of the default security group', (stage) => {
    stages[stage].template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });
});

describe('stage differences', () => {
  const instanceProperty = (name: string) => (template: Template) =>
    Object.values(template.findResources('AWS::RDS::DBInstance'))[0]?.Properties[name];
  const endpointSubnetCount = (template: Template) =>
    (
      Object.values(template.findResources('AWS::EC2::VPCEndpoint'))[0]?.Properties
        .SubnetIds as unknown[]
    ).length;
  const resourceCount = (type: string) => (template: Template) =>
    Object.keys(template.findResources(type)).length;
  type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };
  const logGroups = (read: (group: Resource) => unknown) => (template: Template) => [
    ...new Set(
      Object.values(template.findResources('AWS::Logs::LogGroup')).map((group) =>
        read(group as Resource),
      ),
    ),
  ];

  test.each([
    ['Multi-AZ', false, true, instanceProperty('MultiAZ')],
    ['deletion protection', false, true, instanceProperty('DeletionProtection')],
    ['backup retention (days)', 7, 14, instanceProperty('BackupRetentionPeriod')],
    ['storage autoscaling cap (GiB)', 50, 100, instanceProperty('MaxAllocatedStorage')],
    ['Secrets Manager endpoint subnets', 1, 2, endpointSubnetCount],
    ['RDS Proxy', 0, 1, resourceCount('AWS::RDS::DBProxy')],
    ['password rotation schedules', 1, 1, resourceCount('AWS::SecretsManager::RotationSchedule')],
    ['access hosts (on in dev, opt-in in prod)', 1, 0, resourceCount('AWS::EC2::Instance')],
    ['internet gateways (the access host only)', 1, 0, resourceCount('AWS::EC2::InternetGateway')],
    ['log retention (days)', [30], [365], logGroups((group) => group.Properties.RetentionInDays)],
    [
      'log groups on stack deletion',
      ['Delete'],
      ['RetainExceptOnCreate'],
      logGroups((group) => group.DeletionPolicy),
    ],
  ])('%s: dev %j, prod %j', (_setting, devValue, prodValue, read) => {
    expect([read(dev.template), read(prod.template)]).toEqual([devValue, prodValue]);
  });

  test('termination protection: dev off, prod on', () => {
    expect([dev.stack.terminationProtection, prod.stack.terminationProtection]).toEqual([
      false,
      true,
    ]);
  });

  eachStage('%s tags everything with project and stage', (stage) => {
    expect(stages[stage].stack.tags.tagValues()).toEqual({ Project: 'SpendSense', Stage: stage });
  });
});

/**
 * The connection secret as CloudFormation will compose it: its SecretString is an `Fn::Join`
 * of JSON text and intrinsics; the intrinsics are replaced by recognisable stand-ins.
 */
function composedConnectionSecret(stage: Stage): unknown {
  const { template } = stages[stage];
  const attachment = logicalIdOf(template, 'AWS::SecretsManager::SecretTargetAttachment');
  const instance = logicalIdOf(template, 'AWS::RDS::DBInstance');
  const proxies = Object.keys(template.findResources('AWS::RDS::DBProxy'));
  const standIns = new Map<string, string>([
    [JSON.stringify({ Ref: attachment }), '<credentials-arn>'],
    [JSON.stringify({ 'Fn::GetAtt': [instance, 'Endpoint.Address'] }), 'db.example'],
    [JSON.stringify({ 'Fn::GetAtt': [instance, 'Endpoint.Port'] }), '5432'],
    ...proxies.map(
      (proxy) => [JSON.stringify({ 'Fn::GetAtt': [proxy, 'Endpoint'] }), 'proxy.example'] as const,
    ),
  ]);
  const [secret] = Object.values(
    template.findResources('AWS::SecretsManager::Secret', {
      Properties: { Name: connectionSecretName(stage) },
    }),
  );
  const [separator, parts] = secret?.Properties.SecretString['Fn::Join'] as [string, unknown[]];
  expect(separator).toBe('');
  const text = parts.map((part) => {
    if (typeof part === 'string') return part;
    const standIn = standIns.get(JSON.stringify(part));
    if (standIn === undefined) throw new Error(`unexpected intrinsic ${JSON.stringify(part)}`);
    return standIn;
  });
  return JSON.parse(text.join(''));
}

/**
 * Passwords written out in (JSON-encoded) template text: a `"password": "..."` pair or a
 * PostgreSQL URL's credentials whose value is not a Secrets Manager dynamic reference.
 */
function literalPasswords(templateText: string): string[] {
  const notAReference = '(?!\\{\\{resolve:secretsmanager:)';
  const patterns = [
    new RegExp(`password\\\\?"\\s*:\\s*\\\\?"${notAReference}[^"\\\\]*`, 'gi'),
    new RegExp(`postgres(?:ql)?://[^:"/]+:${notAReference}[^@"]*@`, 'gi'),
  ];
  return patterns.flatMap((pattern) => [...templateText.matchAll(pattern)].map(([match]) => match));
}
