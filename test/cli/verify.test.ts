import {
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeDBParametersCommand } from '@aws-sdk/client-rds';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { VerifyReport } from '../../src/cli/verify/run-checks.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import {
  PASSWORD,
  compliantDeployment,
  idsFor,
  mocks,
  runCli,
  serve,
  useFakeCredentials,
  type Deployment,
} from './verify-fixture.js';

beforeEach(() => {
  useFakeCredentials();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function verify(deployment: Deployment, ...flags: string[]) {
  serve(deployment);
  const run = await runCli(['verify', '--stage', deployment.stage, '--json', ...flags]);
  return { ...run, report: JSON.parse(run.stdout || 'null') as VerifyReport };
}

const lineOf = (report: VerifyReport, check: string) =>
  report.results.find((outcome) => outcome.check === check);

describe.each(['dev', 'prod'] as const)('a compliant %s deployment', (stage) => {
  test('passes every check (AC6 skipped without --local) and exits 0', async () => {
    const { exitCode, report, stderr } = await verify(compliantDeployment(stage));
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.ok).toBe(true);
    expect(report.results.map((outcome) => [outcome.criterion, outcome.result])).toEqual([
      ['AC1', 'pass'],
      ['AC2', 'pass'],
      ['AC2', 'pass'],
      ['AC2', 'pass'],
      ['AC3', 'pass'],
      ['AC3', 'pass'],
      ['AC4', 'pass'],
      ['AC4', 'pass'],
      ['AC4', 'pass'],
      ['AC5', 'pass'],
      ['AC6', 'skip'],
      ['AC7', 'pass'],
      ['AC7', 'pass'],
      ['AC7', 'pass'],
      ['AC7', 'pass'],
      ['OPS', 'pass'],
      ['OPS', 'pass'],
    ]);
    expect(report.summary).toEqual({ pass: 16, warn: 0, fail: 0, skip: 1 });
    // Progress goes to stderr, one line per AWS read.
    expect(stderr).toContain(`Describing RDS instance spendsense-${stage}`);
    expect(stderr).toContain('Invoking probe Lambda');
  });
});

test('each line carries its evidence', async () => {
  const { report } = await verify(compliantDeployment('prod'));
  const ids = idsFor('prod');
  expect(lineOf(report, 'instance')?.evidence).toBe(
    'spendsense-prod available, postgres 15.10, db.t3.micro, Multi-AZ',
  );
  expect(lineOf(report, 'backup retention')?.evidence).toBe(
    '14 days (at least 14: configured 14), window 03:00-03:30 UTC',
  );
  expect(lineOf(report, 'deletion safeguards')?.evidence).toContain('deletion protection on');
  expect(lineOf(report, 'security group rules')?.evidence).toContain(
    `${ids.databaseGroup} admits tcp/5432 from ${ids.lambdaGroup} (Lambda) only`,
  );
  expect(lineOf(report, 'probe Lambda')?.evidence).toContain(
    'PostgreSQL 15.10 over TLSv1.3 as spendsense_app@spendsense (not superuser, cannot create roles)',
  );
  expect(lineOf(report, 'TLS forced')?.evidence).toBe(
    `rds.force_ssl = 1 in ${ids.parameterGroup} (in-sync)`,
  );
  expect(lineOf(report, 'key rotation')?.evidence).toContain('rotation every 365 days');
});

test('the table output names every check and the verdict', async () => {
  serve(compliantDeployment('dev'));
  const { exitCode, stdout } = await runCli(['verify', '--stage', 'dev']);
  expect(exitCode).toBe(0);
  expect(stdout).toMatch(/^criterion\s+check\s+result\s+evidence$/m);
  expect(stdout).toMatch(/^AC4\s+connection secret\s+pass\s+all 7 fields present/m);
  expect(stdout).toContain('verified: 16 passed, 0 warnings, 0 failed, 1 skipped');
});

/** Breaks one thing of a compliant deployment; only `check` may fail. */
const breakages: [
  criterion: string,
  check: string,
  evidence: RegExp,
  breakIt: (d: Deployment) => void,
][] = [
  [
    'AC1',
    'instance',
    /status stopped, expected available/,
    (d) => void (d.instance.DBInstanceStatus = 'stopped'),
  ],
  [
    'AC1',
    'instance',
    /engine version 14\.9, expected 15\.x/,
    (d) => void (d.instance.EngineVersion = '14.9'),
  ],
  [
    'AC1',
    'instance',
    /class db\.t3\.small, configured db\.t3\.micro/,
    (d) => void (d.instance.DBInstanceClass = 'db.t3.small'),
  ],
  [
    'AC2',
    'backup retention',
    /retention 3 days, expected at least 7/,
    (d) => void (d.instance.BackupRetentionPeriod = 3),
  ],
  [
    'AC2',
    'backup retention',
    /automated backups are off/,
    (d) => void (d.instance.BackupRetentionPeriod = 0),
  ],
  [
    'AC2',
    'point-in-time recovery',
    /more than 10 min/,
    (d) => void (d.instance.LatestRestorableTime = new Date(Date.now() - 45 * 60_000)),
  ],
  [
    'AC2',
    'deletion safeguards',
    /deletion policy Delete/,
    (d) => void (d.template.Resources.DatabaseInstanceAA8A5FDE!.DeletionPolicy = 'Delete'),
  ],
  [
    'AC3',
    'security group rules',
    /open to 0\.0\.0\.0\/0/,
    (d) => void d.databaseGroup.IpPermissions![0]!.IpRanges!.push({ CidrIp: '0.0.0.0/0' }),
  ],
  [
    'AC3',
    'security group rules',
    /open to ::\/0/,
    (d) => void d.databaseGroup.IpPermissions![0]!.Ipv6Ranges!.push({ CidrIpv6: '::/0' }),
  ],
  [
    'AC3',
    'security group rules',
    /admits 198\.51\.100\.0\/24: the database admits security groups only/,
    (d) => void d.databaseGroup.IpPermissions![0]!.IpRanges!.push({ CidrIp: '198.51.100.0/24' }),
  ],
  [
    'AC3',
    'security group rules',
    /admits sg-0badbadbadbadbad0, which the stack does not declare/,
    (d) =>
      void d.databaseGroup.IpPermissions![0]!.UserIdGroupPairs!.push({
        GroupId: 'sg-0badbadbadbadbad0',
        UserId: '123456789012',
      }),
  ],
  [
    'AC3',
    'security group rules',
    /admits tcp\/0-65535/,
    (d) =>
      void (
        (d.databaseGroup.IpPermissions![0]!.ToPort = 65535),
        (d.databaseGroup.IpPermissions![0]!.FromPort = 0)
      ),
  ],
  [
    'AC3',
    'security group rules',
    /admits prefix list pl-0123456789abcdef0/,
    (d) =>
      void d.databaseGroup.IpPermissions!.push({
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        UserIdGroupPairs: [],
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0', Description: 'office' }],
      }),
  ],
  [
    'AC3',
    'security group rules',
    // As EC2 describes an all-traffic rule: protocol -1, no ports.
    /admits all traffic.*does not admit the Lambda security group sg-0f9e8d7c6b5a40312 on tcp\/5432/,
    (d) =>
      void (d.databaseGroup.IpPermissions = [
        {
          IpProtocol: '-1',
          UserIdGroupPairs: [{ GroupId: idsFor('dev').lambdaGroup, UserId: '123456789012' }],
          IpRanges: [],
          Ipv6Ranges: [],
          PrefixListIds: [],
        },
      ]),
  ],
  [
    'AC3',
    'security group rules',
    /admits all traffic.*open to 0\.0\.0\.0\/0/,
    (d) =>
      void d.databaseGroup.IpPermissions!.push({
        IpProtocol: '-1',
        UserIdGroupPairs: [],
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      }),
  ],
  [
    'AC3',
    'security group rules',
    /admits all traffic.*admits prefix list pl-0fedcba9876543210/,
    (d) =>
      void d.databaseGroup.IpPermissions!.push({
        IpProtocol: '-1',
        UserIdGroupPairs: [],
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [{ PrefixListId: 'pl-0fedcba9876543210' }],
      }),
  ],
  [
    'AC3',
    'probe Lambda',
    /probe reports failure DatabaseAuthenticationError \(28P01\)/,
    (d) =>
      void (d.probe.payload = {
        ok: false,
        failure: {
          errorClass: 'DatabaseAuthenticationError',
          code: '28P01',
          message: 'Authentication failed at db.example:5432.',
        },
        connectMillis: 812,
      }),
  ],
  [
    'AC3',
    'probe Lambda',
    /probe connection is not encrypted/,
    (d) => void ((d.probe.payload as { encrypted: boolean }).encrypted = false),
  ],
  [
    'OPS',
    'schema version',
    /does not report a schema version \(deployed before migrations/,
    (d) => void delete (d.probe.payload as { schemaVersion?: string }).schemaVersion,
  ],
  [
    'AC3',
    'probe Lambda',
    /failed with Runtime\.ImportModuleError/,
    (d) =>
      void (d.probe = {
        functionError: 'Unhandled',
        payload: {
          errorType: 'Runtime.ImportModuleError',
          errorMessage: 'Cannot find module',
          trace: [],
        },
      }),
  ],
  [
    'AC4',
    'secrets encrypted',
    /credentials uses the AWS-managed key aws\/secretsmanager/,
    (d) => void delete d.secrets[idsFor('dev').credentialsArn]!.KmsKeyId,
  ],
  [
    'AC4',
    'connection secret',
    /connection secret host differs from the instance endpoint/,
    (d) => {
      const arn = idsFor('dev').connectionArn;
      const secret = JSON.parse(d.secretValues[arn]!) as Record<string, unknown>;
      d.secretValues[arn] = JSON.stringify({
        ...secret,
        host: 'old-instance.c9akciq32xyz.us-east-1.rds.amazonaws.com',
      });
    },
  ],
  [
    'AC4',
    'rotation health',
    /the connection secret's password differs from the credentials secret's AWSCURRENT password/,
    (d) => {
      const arn = idsFor('dev').credentialsArn;
      const secret = JSON.parse(d.secretValues[arn]!) as Record<string, unknown>;
      d.secretValues[arn] = JSON.stringify({
        ...secret,
        password: 'Rotated0Password1Without2Rewrite3',
      });
    },
  ],
  [
    'AC5',
    'stack outputs',
    /stack outputs missing: DatabaseName/,
    (d) => void (d.stack.Outputs = d.stack.Outputs!.filter((o) => o.OutputKey !== 'DatabaseName')),
  ],
  [
    'AC5',
    'stack outputs',
    /EndpointAddress .* is not the instance endpoint/,
    (d) =>
      void (d.stack.Outputs!.find((o) => o.OutputKey === 'EndpointAddress')!.OutputValue =
        'stale.example.com'),
  ],
  [
    'AC7',
    'storage encryption',
    /storage is not encrypted/,
    (d) => void (d.instance.StorageEncrypted = false),
  ],
  [
    'AC7',
    'key rotation',
    /automatic rotation of .* is off/,
    (d) => void (d.rotation.KeyRotationEnabled = false),
  ],
  [
    'AC7',
    'TLS forced',
    /rds\.force_ssl = 0 in .*, expected 1/,
    (d) =>
      void (d.parameters.find((p) => p.ParameterName === 'rds.force_ssl')!.ParameterValue = '0'),
  ],
  [
    'AC7',
    'TLS forced',
    /rds\.force_ssl is not set/,
    (d) => void (d.parameters = d.parameters.filter((p) => p.ParameterName !== 'rds.force_ssl')),
  ],
  [
    'AC7',
    'public accessibility',
    /^the instance is publicly accessible$/,
    (d) => void (d.instance.PubliclyAccessible = true),
  ],
];

describe('one criterion broken: its line fails, every other line holds, exit 50', () => {
  test.each(breakages)('%s %s: %s', async (criterion, check, evidence, breakIt) => {
    const deployment = compliantDeployment('dev');
    breakIt(deployment);
    const { exitCode, report, stderr } = await verify(deployment);

    expect(exitCode).toBe(ExitCode.VerificationFailed);
    const failed = report.results.filter((outcome) => outcome.result === 'fail');
    expect(failed.map((outcome) => [outcome.criterion, outcome.check])).toEqual([
      [criterion, check],
    ]);
    expect(failed[0]?.evidence).toMatch(evidence);
    // Without a probe report the schema version has nothing to compare: skipped, not failed.
    const probeSilent =
      report.results.find((outcome) => outcome.check === 'schema version')?.result === 'skip';
    expect(probeSilent).toBe(check === 'probe Lambda' && !/not encrypted/.test(String(evidence)));
    expect(report.summary).toEqual(
      probeSilent
        ? { pass: 14, warn: 0, fail: 1, skip: 2 }
        : { pass: 15, warn: 0, fail: 1, skip: 1 },
    );
    expect(stderr).toContain(`error: Verification failed: ${criterion} ${check}.`);
  });
});

describe('what verify asks AWS, call by call', () => {
  test("each read names the stage's own resources, and parameters are read as the group sets them (Source user)", async () => {
    const deployment = compliantDeployment('dev');
    const ids = idsFor('dev');
    const { exitCode } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.Ok);
    const inputs = <I extends object>(
      mock: { commandCalls: (command: never) => { args: [{ input: I }] }[] },
      command: unknown,
    ): I[] => mock.commandCalls(command as never).map((call) => call.args[0].input);
    const asked: [string, object[], object[]][] = [
      [
        'DescribeStacks',
        inputs(mocks.cloudFormation, DescribeStacksCommand),
        [{ StackName: 'SpendSense-Database-dev' }],
      ],
      [
        'GetTemplate',
        inputs(mocks.cloudFormation, GetTemplateCommand),
        [{ StackName: ids.stackId, TemplateStage: 'Original' }],
      ],
      [
        'ListStackResources',
        inputs(mocks.cloudFormation, ListStackResourcesCommand),
        [{ StackName: ids.stackId }],
      ],
      [
        'DescribeDBInstances',
        inputs(mocks.rds, DescribeDBInstancesCommand),
        [{ DBInstanceIdentifier: ids.instance }],
      ],
      [
        'DescribeDBParameters',
        inputs(mocks.rds, DescribeDBParametersCommand),
        [{ DBParameterGroupName: ids.parameterGroup, Source: 'user' }],
      ],
      [
        'DescribeSecurityGroups',
        inputs(mocks.ec2, DescribeSecurityGroupsCommand),
        [{ GroupIds: [ids.databaseGroup] }],
      ],
      ['DescribeKey', inputs(mocks.kms, DescribeKeyCommand), [{ KeyId: ids.keyArn }]],
      [
        'GetKeyRotationStatus',
        inputs(mocks.kms, GetKeyRotationStatusCommand),
        [{ KeyId: ids.keyArn }],
      ],
      [
        'DescribeSecret',
        inputs(mocks.secretsManager, DescribeSecretCommand),
        [{ SecretId: ids.credentialsArn }, { SecretId: ids.connectionArn }],
      ],
      [
        'GetSecretValue',
        inputs(mocks.secretsManager, GetSecretValueCommand),
        [{ SecretId: ids.credentialsArn }, { SecretId: ids.connectionArn }],
      ],
      [
        'Invoke',
        inputs(mocks.lambda, InvokeCommand),
        [{ FunctionName: ids.probe, InvocationType: 'RequestResponse' }],
      ],
    ];
    for (const [name, calls, expected] of asked) {
      // Counted first: a loop over no calls would assert nothing.
      expect(calls, name).toHaveLength(expected.length);
      const sorted = [...calls].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      const wanted = [...expected].sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      );
      sorted.forEach((input, index) => expect(input, name).toMatchObject(wanted[index] as object));
    }
  });
});

describe('stage requirements hold even against the deployed configuration', () => {
  test('prod with deletion protection turned off (declared and live) fails the safeguards line', async () => {
    const deployment = compliantDeployment('prod');
    deployment.instance.DeletionProtection = false;
    deployment.template.Resources.DatabaseInstanceAA8A5FDE!.Properties = {
      ...(deployment.template.Resources.DatabaseInstanceAA8A5FDE!.Properties as object),
      DeletionProtection: false,
    };
    const { exitCode, report } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.VerificationFailed);
    expect(lineOf(report, 'deletion safeguards')).toMatchObject({
      result: 'fail',
      evidence: expect.stringContaining('prod requires deletion protection'),
    });
  });

  test('prod on a single AZ fails the instance line', async () => {
    const deployment = compliantDeployment('prod');
    deployment.instance.MultiAZ = false;
    const { report } = await verify(deployment);
    expect(lineOf(report, 'instance')?.evidence).toMatch(/single-AZ, expected Multi-AZ/);
  });

  test.each(['dev', 'prod'] as const)(
    '%s admits no address range, not even one the deployed template declares',
    async (stage) => {
      const deployment = compliantDeployment(stage);
      const cidr = '203.0.113.7/32';
      const group = deployment.template.Resources.DatabaseSecurityGroupsDatabase5F3AD654!
        .Properties as Record<string, unknown>;
      group.SecurityGroupIngress = [
        { CidrIp: cidr, FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' },
      ];
      deployment.databaseGroup.IpPermissions![0]!.IpRanges!.push({ CidrIp: cidr });
      const { exitCode, report } = await verify(deployment);
      expect(exitCode).toBe(ExitCode.VerificationFailed);
      expect(lineOf(report, 'security group rules')?.evidence).toMatch(
        /admits 203\.0\.113\.7\/32 \(declared by the template\): the database admits security groups only/,
      );
    },
  );

  test('a publicly accessible template fails public accessibility even while the instance is private', async () => {
    const deployment = compliantDeployment('dev');
    (
      deployment.template.Resources.DatabaseInstanceAA8A5FDE!.Properties as Record<string, unknown>
    ).PubliclyAccessible = true;
    const { report } = await verify(deployment);
    expect(lineOf(report, 'public accessibility')).toMatchObject({
      result: 'fail',
      evidence: 'the deployed template makes it publicly accessible',
      fix: expect.stringContaining('spendsense-db tunnel'),
    });
  });
});

describe('AC6 with --local', () => {
  test('a database this machine cannot reach is a skip with the reason, not a failure', async () => {
    // The real `check`, pointed at a loopback port nothing listens on: connection refused.
    const deployment = compliantDeployment('dev');
    const ids = idsFor('dev');
    const local = { host: '127.0.0.1', port: 1 };
    deployment.instance.Endpoint = {
      ...deployment.instance.Endpoint,
      Address: local.host,
      Port: local.port,
    };
    deployment.stack.Outputs!.find((o) => o.OutputKey === 'EndpointAddress')!.OutputValue =
      local.host;
    deployment.stack.Outputs!.find((o) => o.OutputKey === 'EndpointPort')!.OutputValue = String(
      local.port,
    );
    const secret = JSON.parse(deployment.secretValues[ids.connectionArn]!) as Record<
      string,
      unknown
    >;
    deployment.secretValues[ids.connectionArn] = JSON.stringify({
      ...secret,
      host: local.host,
      port: local.port,
      url: `postgresql://spendsense_admin:${PASSWORD}@${local.host}:${local.port}/spendsense`,
    });
    deployment.databaseGroup.IpPermissions![0]!.FromPort = local.port;
    deployment.databaseGroup.IpPermissions![0]!.ToPort = local.port;

    const { exitCode, report, stdout, stderr } = await verify(deployment, '--local');
    expect(lineOf(report, 'local connection')).toMatchObject({
      result: 'skip',
      evidence: expect.stringMatching(/^not reachable from here: .*refused/i),
    });
    expect(exitCode).toBe(0);
    expect(stdout + stderr).not.toContain(PASSWORD);
  });
});

describe('secrets never reach the output', () => {
  test.each([
    ['a compliant deployment', (_d: Deployment) => undefined],
    [
      'a connection secret that disagrees with everything',
      (d: Deployment) => {
        const arn = idsFor('dev').connectionArn;
        d.secretValues[arn] = JSON.stringify({
          url: `postgresql://someone:${PASSWORD}x@elsewhere:5433/other`,
          engine: 'postgres',
          host: 'elsewhere',
          port: 5433,
          dbname: 'other',
          username: 'someone',
          password: `${PASSWORD}y`,
        });
      },
    ],
    [
      'a connection secret that is not JSON',
      (d: Deployment) =>
        void (d.secretValues[idsFor('dev').connectionArn] = `password=${PASSWORD}`),
    ],
  ])('%s', async (_name, alter) => {
    const deployment = compliantDeployment('dev');
    alter(deployment);
    for (const format of [['--json'], []]) {
      serve(deployment);
      const { stdout, stderr } = await runCli(['verify', '--stage', 'dev', ...format]);
      expect(stdout.length).toBeGreaterThan(0);
      expect(stdout + stderr).not.toContain(PASSWORD);
    }
  });
});

describe('errors that stop verify before any check', () => {
  test('no credentials anywhere: exit 13 with the credentials message', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/spendsense/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/spendsense/config');
    const { exitCode, stderr, stdout } = await runCli(['verify', '--stage', 'dev']);
    expect(exitCode).toBe(ExitCode.AwsCredentialsMissing);
    expect(stderr).toContain('error: No AWS credentials found');
    expect(stderr).toContain('hint:  Sign in first');
    expect(stdout).toBe('');
  });

  test('credentials that fail while calling AWS (CredentialsProviderError): exit 13', async () => {
    serve(compliantDeployment('dev'));
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const { exitCode, stderr } = await runCli(['verify', '--stage', 'dev']);
    expect(exitCode).toBe(ExitCode.AwsCredentialsMissing);
    expect(stderr).toContain('No AWS credentials found (region us-east-1)');
  });

  test('unknown stack (ValidationError "Stack with id … does not exist"): exit 52', async () => {
    serve(compliantDeployment('dev'));
    mocks.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        awsError('ValidationError', 400, 'Stack with id SpendSense-Database-dev does not exist'),
      );
    const { exitCode, stderr } = await runCli(['verify', '--stage', 'dev']);
    expect(exitCode).toBe(ExitCode.StackNotFound);
    expect(stderr).toContain(
      'error: Stack SpendSense-Database-dev does not exist in us-east-1 (region from AWS_REGION).',
    );
    expect(stderr).toContain('npx cdk deploy SpendSense-Database-dev');
  });

  test('access denied on DescribeStacks: exit 53 naming the action', async () => {
    serve(compliantDeployment('dev'));
    mocks.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        awsError(
          'AccessDenied',
          403,
          'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:123456789012:stack/SpendSense-Database-dev/*',
        ),
      );
    const { exitCode, stderr } = await runCli(['verify', '--stage', 'dev']);
    expect(exitCode).toBe(ExitCode.AwsAccessDenied);
    expect(stderr).toContain('error: Access denied (region us-east-1) (AccessDenied)');
    expect(stderr).toContain('cloudformation:DescribeStacks');
  });

  test('access denied on one read mid-way: that line fails, the others run, exit 53', async () => {
    serve(compliantDeployment('dev'));
    const { GetKeyRotationStatusCommand } = await import('@aws-sdk/client-kms');
    mocks.kms
      .on(GetKeyRotationStatusCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          400,
          'User is not authorized to perform: kms:GetKeyRotationStatus',
        ),
      );
    const { exitCode, stdout, stderr } = await runCli(['verify', '--stage', 'dev', '--json']);
    const report = JSON.parse(stdout) as VerifyReport;
    expect(exitCode).toBe(ExitCode.AwsAccessDenied);
    expect(
      report.results.filter((outcome) => outcome.result === 'fail').map((outcome) => outcome.check),
    ).toEqual(['key rotation']);
    expect(lineOf(report, 'key rotation')?.evidence).toContain('kms:GetKeyRotationStatus');
    expect(stderr).toContain(
      'Verification incomplete: access denied while checking AC7 key rotation.',
    );
  });

  test('stack deployed in the default region, looked for elsewhere: exit 54 with the region to use', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const deployment = compliantDeployment('dev');
    serve(deployment);
    mocks.cloudFormation.on(DescribeStacksCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'us-east-1') return { Stacks: [deployment.stack] };
      throw awsError(
        'ValidationError',
        400,
        'Stack with id SpendSense-Database-dev does not exist',
      );
    });
    const { exitCode, stderr } = await runCli(['verify', '--stage', 'dev']);
    expect(exitCode).toBe(ExitCode.WrongRegion);
    expect(stderr).toContain(
      'Stack SpendSense-Database-dev is not in eu-west-1 (from AWS_REGION) but exists in us-east-1.',
    );
    expect(stderr).toContain('hint:  Pass --region us-east-1');
  });

  test('no region configured at all: exit 54', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/spendsense/config');
    const { exitCode, stderr } = await runCli(['verify', '--stage', 'dev']);
    expect(exitCode).toBe(ExitCode.WrongRegion);
    expect(stderr).toContain('error: No usable AWS region: Region is missing');
  });

  test('a malformed --region: exit 54 naming the flag and what is allowed', async () => {
    const { exitCode, stderr } = await runCli([
      'verify',
      '--stage',
      'dev',
      '--region',
      'us_east_1',
    ]);
    expect(exitCode).toBe(ExitCode.WrongRegion);
    expect(stderr).toContain(
      'error: --region: got "us_east_1"; allowed: an AWS region name such as us-east-1',
    );
  });

  test('an unknown stage: exit 2 naming what is allowed', async () => {
    const { exitCode, stderr } = await runCli(['verify', '--stage', 'staging']);
    expect(exitCode).toBe(ExitCode.Usage);
    expect(stderr).toContain('error: --stage: got "staging"; allowed: one of dev, prod');
  });
});

/** An AWS service error as the SDK raises it: name = the AWS code, HTTP status in $metadata. */
function awsError(name: string, httpStatusCode: number, message: string): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: {
      httpStatusCode,
      requestId: '5c8e0e1a-7d2b-4c1e-9f3a-0b1c2d3e4f5a',
      attempts: 1,
      totalRetryDelay: 0,
    },
  });
}

describe('the schema version against this checkout’s migrations (--dir)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'spendsense-verify-migrations-'));
    writeFileSync(path.join(folder, '0001_create_accounts.sql'), '-- Up Migration\nselect 1;\n');
    writeFileSync(path.join(folder, '0002_add_entries.sql'), '-- Up Migration\nselect 1;\n');
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  const withVersion = (version: string) => {
    const deployment = compliantDeployment('dev');
    (deployment.probe.payload as { schemaVersion: string }).schemaVersion = version;
    return deployment;
  };

  test('behind the latest migration: fails with how many, exit 50', async () => {
    const { exitCode, report } = await verify(withVersion('0001_create_accounts'), '--dir', folder);
    expect(exitCode).toBe(ExitCode.VerificationFailed);
    expect(lineOf(report, 'schema version')).toMatchObject({
      result: 'fail',
      evidence: expect.stringContaining(
        'schema at 0001_create_accounts, 1 migration behind this checkout (latest 0002_add_entries)',
      ),
    });
    // The status command to look closer, through the tunnel of this stage and region.
    expect(lineOf(report, 'schema version')?.evidence).toContain(
      '`npx spendsense-db migrate status --stage dev --port <port> --region us-east-1`',
    );
  });

  test('none applied while the checkout has two: fails', async () => {
    const { report } = await verify(withVersion('none'), '--dir', folder);
    expect(lineOf(report, 'schema version')?.evidence).toContain('2 migrations behind');
  });

  test('at the latest: passes', async () => {
    const { exitCode, report } = await verify(withVersion('0002_add_entries'), '--dir', folder);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf(report, 'schema version')?.result).toBe('pass');
  });

  test('a version this checkout does not know (a newer branch deployed): a warning', async () => {
    const { report } = await verify(withVersion('0003_from_elsewhere'), '--dir', folder);
    expect(lineOf(report, 'schema version')?.result).toBe('warn');
  });
});

test('no migrations folder to compare with (installed in another project): the schema version line is a skip', async () => {
  const { report } = await verify(compliantDeployment('dev'), '--dir', '/nonexistent/migrations');
  expect(lineOf(report, 'schema version')).toMatchObject({
    result: 'skip',
    evidence: expect.stringContaining('schema at none; no migrations folder here'),
  });
});
