import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  DatabaseCredentialsRotation,
  type DatabaseCredentialsRotationProps,
} from '../../src/infra/rotation/database-credentials-rotation.js';
import { DatabaseEnvironment, RotationEnvironment } from '../../src/shared/names.js';
import {
  fixtureParts,
  rotationProps,
  type SynthesizedFixture,
  synthesizeFixture,
} from './support/rotation-fixture.js';

let fixture: SynthesizedFixture;
const resolve = (value: unknown): unknown => fixture.parts.stack.resolve(value);
const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  fixture.parts.stack.getLogicalId(construct.node.defaultChild as never);

beforeAll(() => {
  fixture = synthesizeFixture();
});

describe('the rotation function', () => {
  test('runs the newest Node.js runtime on arm64, bundled as ESM', () => {
    fixture.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 120,
    });
    expect(
      fixture.bundle.startsWith(
        "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(fixture.bundle).toMatch(/export\s*\{[^}]*handler/);
  });

  test('bundle loads as an ES module and answers with its own errors', async () => {
    // Beside node_modules, so the AWS SDK the Lambda runtime provides resolves as it would there.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(path.join(cache, 'rotation-bundle-'));
    const saved = { ...process.env };
    try {
      const file = path.join(dir, 'index.mjs');
      writeFileSync(file, fixture.bundle);
      const bundled = (await import(pathToFileURL(file).href)) as {
        handler: (event: unknown) => Promise<void>;
      };
      for (const name of Object.values(RotationEnvironment)) delete process.env[name];
      await expect(bundled.handler({})).rejects.toMatchObject({
        name: 'RotationConfigurationError',
        message: expect.stringContaining(
          `${RotationEnvironment.ConnectionSecretId} must be the ARN of the connection secret; it is not set`,
        ),
      });
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('reserves no concurrency unless asked: a reservation can fail a first deploy', () => {
    fixture.template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  test('runs in the isolated subnets with the given security group', () => {
    const subnets = fixture.parts.vpc.isolatedSubnets.map((subnet) => resolve(subnet.subnetId));
    fixture.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: subnets,
        SecurityGroupIds: [resolve(fixture.parts.lambdaSecurityGroup.securityGroupId)],
      },
    });
  });

  test('is told the connection secret and the instance endpoint, and nothing secret', () => {
    fixture.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.exact({
          [RotationEnvironment.ConnectionSecretId]: resolve(
            fixture.parts.connectionSecret.secretArn,
          ),
          [RotationEnvironment.DatabaseHost]: resolve(
            fixture.parts.instance.dbInstanceEndpointAddress,
          ),
          [RotationEnvironment.DatabasePort]: resolve(
            fixture.parts.instance.dbInstanceEndpointPort,
          ),
          [RotationEnvironment.DatabaseName]: 'spendsense',
          [DatabaseEnvironment.RdsCaFile]: '/var/task/rds-ca.pem',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  test('logs to its own encrypted log group with a retention', () => {
    fixture.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/spendsense/test/database/rotation',
      KmsKeyId: resolve(fixture.parts.key.keyArn),
      RetentionInDays: 30,
    });
    fixture.template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logicalId(fixture.rotation.logGroup) } },
    });
  });

  test('may be invoked by Secrets Manager of this account only', () => {
    fixture.template.resourceCountIs('AWS::Lambda::Permission', 1);
    fixture.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      FunctionName: { 'Fn::GetAtt': [logicalId(fixture.rotation.function), 'Arn'] },
    });
  });
});

describe('permissions', () => {
  const credentialsArn = () => resolve(fixture.parts.credentialsSecret.secretArn);
  const connectionArn = () => resolve(fixture.parts.connectionSecret.secretArn);

  test('name exactly the two secrets, the key through Secrets Manager, and the log group', () => {
    fixture.template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.exact([
          {
            Sid: 'RotateTheCredentials',
            Effect: 'Allow',
            Action: [
              'secretsmanager:DescribeSecret',
              'secretsmanager:GetSecretValue',
              'secretsmanager:PutSecretValue',
              'secretsmanager:UpdateSecretVersionStage',
            ],
            Resource: credentialsArn(),
          },
          {
            Sid: 'RewriteTheConnectionSecret',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
            Resource: connectionArn(),
          },
          {
            Sid: 'UseTheKeyForTheseSecretsOnly',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: resolve(fixture.parts.key.keyArn),
            Condition: {
              StringEquals: {
                'kms:ViaService': {
                  'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
                },
                'kms:EncryptionContext:SecretARN': [credentialsArn(), connectionArn()],
              },
            },
          },
          {
            Sid: 'WriteItsOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logicalId(fixture.rotation.logGroup), 'Arn'] },
          },
        ]),
      },
    });
  });

  test('name no wildcard resource and no GetRandomPassword: the function generates passwords', () => {
    fixture.template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    const statements = Object.values(
      fixture.template.findResources('AWS::IAM::ManagedPolicy'),
    ).flatMap(
      (policy) =>
        (
          policy as {
            Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    expect(
      statements.filter((statement) => JSON.stringify(statement.Resource).includes('*')),
    ).toEqual([]);
    expect(JSON.stringify(statements.map((statement) => statement.Action))).not.toContain(
      'GetRandomPassword',
    );
  });

  test('are all customer-managed, besides the AWS policy for network interfaces', () => {
    fixture.template.resourceCountIs('AWS::IAM::Policy', 0);
    fixture.template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AWSLambdaENIManagementAccess',
            ],
          ],
        },
      ]),
      Policies: Match.absent(),
    });
  });
});

describe('the schedule', () => {
  test('rotates the attached credentials every 30 days, starting at deploy', () => {
    fixture.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: credentialsArn(),
      RotationLambdaARN: { 'Fn::GetAtt': [logicalId(fixture.rotation.function), 'Arn'] },
      RotationRules: Match.exact({ AutomaticallyAfterDays: 30 }),
      RotateImmediatelyOnUpdate: true,
    });
  });

  test('waits for the function, its permissions and the Secrets Manager endpoint', () => {
    const [schedule] = Object.values(
      fixture.template.findResources('AWS::SecretsManager::RotationSchedule'),
    );
    const dependsOn = (schedule as { DependsOn: string[] }).DependsOn;
    expect(dependsOn).toEqual(
      expect.arrayContaining([
        logicalId(fixture.rotation.function),
        logicalId(fixture.rotation.policy),
        expect.stringMatching(/^RotationFunctionInvokedBySecretsManager/),
        logicalId(fixture.parts.endpoint),
      ]),
    );
  });

  function credentialsArn(): unknown {
    return resolve(fixture.parts.credentialsSecret.secretArn);
  }
});

describe('compliance (AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1)', () => {
  const ours = (path: string) => path.startsWith('Fixture/Rotation/');

  test('leaves no open finding on the rotation', () => {
    expect(fixture.violations.filter((violation) => ours(violation.constructPath))).toEqual([]);
  });

  test('acknowledges exactly these findings, on the narrowest construct, with a reason', () => {
    const acknowledged = fixture.acknowledged.filter((violation) => ours(violation.constructPath));
    expect(acknowledged.map((a) => [a.ruleName, a.acknowledgedAt]).sort()).toEqual([
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaENIManagementAccess]',
        'Fixture/Rotation/Role',
      ],
      ['NIST.800.53.R5-LambdaConcurrency', 'Fixture/Rotation/Function'],
      ['NIST.800.53.R5-LambdaDLQ', 'Fixture/Rotation/Function'],
    ]);
    for (const { reason } of acknowledged) expect(reason?.length).toBeGreaterThan(100);
  });

  test('makes the credentials secret compliant with the rotation rules', () => {
    const rotationRules = ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'];
    const onSecret = (path: string) =>
      fixture.violations.filter(
        (v) => rotationRules.includes(v.ruleName) && v.constructPath === path,
      );
    expect(onSecret('Fixture/Credentials/Resource')).toEqual([]);
    // The connection secret has no schedule of its own: this rotation rewrites it. The stack
    // acknowledges that on the connection secret.
    expect(
      onSecret('Fixture/Connection/Resource')
        .map((v) => v.ruleName)
        .sort(),
    ).toEqual(rotationRules);
  });
});

describe('props', () => {
  test('take the schedule and log settings given', () => {
    const custom = synthesizeFixture((props) => ({
      ...props,
      automaticallyAfter: Duration.days(7),
      rotateImmediatelyOnUpdate: false,
      logRetention: 365,
      reservedConcurrentExecutions: 20,
      secretsManagerEndpoint: undefined,
    }));
    custom.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { AutomaticallyAfterDays: 7 },
      RotateImmediatelyOnUpdate: false,
    });
    custom.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 20,
    });
  });

  const build =
    (
      change: (
        props: DatabaseCredentialsRotationProps,
        app: App,
      ) => DatabaseCredentialsRotationProps,
    ) =>
    () => {
      const app = new App();
      const parts = fixtureParts(app);
      new DatabaseCredentialsRotation(parts.stack, 'Rotation', change(rotationProps(parts), app));
    };

  test.each([
    [
      'a fraction of a day',
      { automaticallyAfter: Duration.hours(36) },
      '`automaticallyAfter` must be a whole number of days from 1 to 1000. Got 1 day 12 hours.',
    ],
    [
      'zero days',
      { automaticallyAfter: Duration.days(0) },
      '`automaticallyAfter` must be a whole number of days from 1 to 1000. Got 0 days.',
    ],
    [
      'more than 1000 days',
      { automaticallyAfter: Duration.days(1001) },
      '`automaticallyAfter` must be a whole number of days from 1 to 1000. Got 1001 days.',
    ],
    [
      'a reserved concurrency below 10',
      { reservedConcurrentExecutions: 5 },
      '`reservedConcurrentExecutions` must be a whole number of at least 10: less can throttle a rotation function. Got 5.',
    ],
    [
      'a log group snapshot',
      { logRemovalPolicy: RemovalPolicy.SNAPSHOT },
      '`logRemovalPolicy` cannot be `RemovalPolicy.SNAPSHOT`: log groups have no snapshots.',
    ],
  ])('reject %s', (_name, change, message) => {
    expect(build((props) => ({ ...props, ...change }))).toThrow(message);
  });

  test('reject a secret known by name only', () => {
    expect(
      build((props, app) => ({
        ...props,
        connectionSecret: secretsmanager.Secret.fromSecretNameV2(
          app.node.findChild('Fixture'),
          'ByName',
          'spendsense/test/database/connection',
        ),
      })),
    ).toThrow(
      '`connectionSecret` must have a known full ARN (a secret of this app, or Secret.fromSecretCompleteArn)',
    );
  });

  test('reject the same secret twice', () => {
    expect(build((props) => ({ ...props, connectionSecret: props.credentialsSecret }))).toThrow(
      '`credentialsSecret` and `connectionSecret` must be different secrets',
    );
  });
});
