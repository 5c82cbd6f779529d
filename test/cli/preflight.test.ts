import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DetectStackResourceDriftCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeAvailabilityZonesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { PreflightReport } from '../../src/cli/preflight/run-checks.js';
import type { Stage } from '../../src/shared/names.js';
import {
  ACCOUNT,
  awsError,
  disposeSynthesized,
  mocks,
  readyAccount,
  runCli,
  serve,
  writeAssembly,
  zonesMapped,
  type Account,
} from './preflight-fixture.js';

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_PROFILE', undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(disposeSynthesized);

/**
 * Runs preflight against `account` (served by the mocks; `mock` changes one answer after that)
 * and the cloud assembly of its template. Parses the JSON report unless `table` is asked for.
 */
async function preflight(
  account: Account,
  options: { flags?: readonly string[]; mock?: () => void; table?: boolean } = {},
) {
  serve(account);
  options.mock?.();
  const assembly = writeAssembly(account);
  try {
    const run = await runCli([
      'preflight',
      '--stage',
      account.stage,
      '--cdk-out',
      assembly.dir,
      ...(options.table === true ? [] : ['--json']),
      ...(options.flags ?? []),
    ]);
    const report = (
      options.table === true ? null : JSON.parse(run.stdout || 'null')
    ) as PreflightReport;
    const lineOf = (check: string) => report.results.find((outcome) => outcome.check === check);
    return { ...run, report, lineOf };
  } finally {
    assembly.dispose();
  }
}

const CHECKS = [
  'credentials',
  'CDK bootstrap',
  'stack state',
  'instance drift',
  'data safety (change set)',
  'Lambda concurrency',
  'RDS Proxy zones',
  'quota: VPCs per Region',
  'quota: interface endpoints per VPC',
  'quota: internet gateways per Region',
  'quota: DB instances',
  'quota: Elastic IPs',
  'secret names',
  'SSM parameter names',
  'log group names',
];

describe.each([
  ['dev', false],
  ['dev', true],
  ['prod', false],
  ['prod', true],
] as [Stage, boolean][])('a ready account, %s, stack deployed: %s', (stage, existing) => {
  test('every check passes or does not apply, and preflight exits 0', async () => {
    const { exitCode, report, stderr } = await preflight(readyAccount(stage, { existing }));
    expect(stderr).not.toMatch(/error:/);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(report.results.map((outcome) => outcome.check)).toEqual(CHECKS);
    expect(report.results.filter((o) => o.result === 'fail' || o.result === 'warn')).toEqual([]);
    expect(report).toMatchObject({ ok: true, exitCode: 0, stage, region: 'us-east-1' });
    // Without a stack there is nothing to drift or replace; the stage's other lines all apply
    // (prod has a proxy, dev an internet gateway), and no stack uses an Elastic IP.
    const notApplicable = report.results.filter((o) => o.result === 'skip').map((o) => o.check);
    expect(notApplicable).toEqual([
      ...(existing ? [] : ['stack state', 'instance drift', 'data safety (change set)']),
      ...(stage === 'dev' ? ['RDS Proxy zones'] : ['quota: internet gateways per Region']),
      'quota: Elastic IPs',
    ]);
  });
});

test('each line carries evidence: the account, the bootstrap version, the zone IDs, the names', async () => {
  const { lineOf } = await preflight(readyAccount('prod', { existing: false }));
  expect(lineOf('credentials')?.evidence).toBe(
    `account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/deployer, region us-east-1`,
  );
  expect(lineOf('CDK bootstrap')?.evidence).toMatch(/^bootstrap version 30 \(the app needs 6\)/);
  expect(lineOf('RDS Proxy zones')?.evidence).toBe(
    "the proxy's subnets are in use1-az1 (us-east-1a) and use1-az2 (us-east-1b), all offering RDS Proxy",
  );
  expect(lineOf('secret names')?.evidence).toMatch(
    /^2 secret names free or this stack's own \(spendsense\/prod\/database\/credentials, spendsense\/prod\/database\/connection\)/,
  );
  expect(lineOf('log group names')?.evidence).toMatch(
    /0 log group names free .*; 7 unique to this creation/,
  );
  expect(lineOf('Lambda concurrency')?.evidence).toBe(
    'the stage reserves nothing (account quota 1000, 1000 unreserved)',
  );
});

test('asks AWS exactly what it needs: caller, bootstrap parameter, zones, quotas by code', async () => {
  await preflight(readyAccount('prod', { existing: false }));
  expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  expect(mocks.ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
    { Name: '/cdk-bootstrap/hnb659fds/version' },
  ]);
  expect(mocks.ec2.commandCalls(DescribeAvailabilityZonesCommand)[0]?.args[0].input).toEqual({
    Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }],
  });
  expect(
    mocks.quotas
      .commandCalls(GetServiceQuotaCommand)
      .map((c) => c.args[0].input)
      .sort((a, b) => String(a.QuotaCode).localeCompare(String(b.QuotaCode))),
  ).toEqual([
    { ServiceCode: 'vpc', QuotaCode: 'L-29B6F2EB' },
    { ServiceCode: 'rds', QuotaCode: 'L-7B6409FD' },
    { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' },
  ]);
  // Before the first deploy there is no change set to compute.
  expect(mocks.cloudFormation.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
});

describe('the change set: created, read, deleted, never executed', () => {
  test('for the synthesized template, with the IAM capabilities cdk deploy passes', async () => {
    // prod's template is within the 51,200 bytes CloudFormation takes inline (dev's, with the
    // access host, is not: it goes by URL, as the next test shows).
    const account = readyAccount('prod', { existing: true });
    const { lineOf } = await preflight(account);
    const [create] = mocks.cloudFormation.commandCalls(CreateChangeSetCommand);
    const input = create?.args[0].input;
    expect(input).toMatchObject({
      StackName: account.stack?.StackId,
      ChangeSetType: 'UPDATE',
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      TemplateBody: JSON.stringify(account.template),
    });
    expect(
      mocks.cloudFormation.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input),
    ).toEqual([{ StackName: account.stack?.StackId, ChangeSetName: input?.ChangeSetName }]);
    expect(mocks.cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(lineOf('data safety (change set)')?.evidence).toBe(
      '1 changes (0 add, 1 modify, 0 remove); none replaces or deletes the instance, its subnet group or the key',
    );
  });

  test('a template too large to send goes where cdk deploy puts it, and is named by URL', async () => {
    const account = readyAccount('prod', { existing: true });
    account.template = {
      ...account.template,
      // Metadata a real template might carry; it pushes the body over CloudFormation's 51,200 bytes.
      Metadata: { padding: 'x'.repeat(60_000) },
    } as Account['template'];
    await preflight(account);
    const [put] = mocks.s3.commandCalls(PutObjectCommand);
    expect(put?.args[0].input).toMatchObject({
      Bucket: `cdk-hnb659fds-assets-${ACCOUNT}-us-east-1`,
      Key: expect.stringMatching(/^[0-9a-f]{64}\.json$/),
    });
    const [create] = mocks.cloudFormation.commandCalls(CreateChangeSetCommand);
    expect(create?.args[0].input.TemplateURL).toBe(
      `https://cdk-hnb659fds-assets-${ACCOUNT}-us-east-1.s3.us-east-1.amazonaws.com/${String(put?.args[0].input.Key)}`,
    );
    expect(create?.args[0].input.TemplateBody).toBeUndefined();
  });

  test('drift is detected on the instance of the deployed template', async () => {
    await preflight(readyAccount('prod', { existing: true }));
    expect(
      mocks.cloudFormation
        .commandCalls(DetectStackResourceDriftCommand)
        .map((c) => c.args[0].input),
    ).toEqual([
      {
        StackName: expect.stringContaining(':stack/SpendSense-Database-prod/'),
        LogicalResourceId: 'DatabaseInstanceAA8A5FDE',
      },
    ]);
  });
});

/** One thing wrong with a ready account; only `check` may fail, with `exitCode`. */
const breakages: [
  name: string,
  stage: Stage,
  existing: boolean,
  check: string,
  exitCode: number,
  evidence: RegExp,
  breakIt: (a: Account) => void,
][] = [
  [
    'not bootstrapped',
    'dev',
    false,
    'CDK bootstrap',
    ExitCode.BootstrapMissing,
    /us-east-1 is not bootstrapped: SSM parameter \/cdk-bootstrap\/hnb659fds\/version does not exist/,
    (a) => void (a.bootstrapVersion = undefined),
  ],
  [
    'bootstrapped too long ago',
    'dev',
    false,
    'CDK bootstrap',
    ExitCode.BootstrapMissing,
    /bootstrap version 5, the app needs 6 or later/,
    (a) => void (a.bootstrapVersion = '5'),
  ],
  [
    'a first create that rolled back',
    'dev',
    true,
    'stack state',
    ExitCode.StackNotDeployable,
    /SpendSense-Database-dev is ROLLBACK_COMPLETE/,
    (a) => void (a.stack!.StackStatus = 'ROLLBACK_COMPLETE'),
  ],
  [
    'a rollback that failed',
    'prod',
    true,
    'stack state',
    ExitCode.StackNotDeployable,
    /is UPDATE_ROLLBACK_FAILED \(.*\)/,
    (a) =>
      void Object.assign(a.stack!, {
        StackStatus: 'UPDATE_ROLLBACK_FAILED',
        StackStatusReason: 'Resource DatabaseInstance failed to roll back',
      }),
  ],
  [
    'an update still running',
    'dev',
    true,
    'stack state',
    ExitCode.StackNotDeployable,
    /is UPDATE_IN_PROGRESS: an operation is running/,
    (a) => void (a.stack!.StackStatus = 'UPDATE_IN_PROGRESS'),
  ],
  [
    'prod without termination protection',
    'prod',
    true,
    'stack state',
    ExitCode.StackNotDeployable,
    /has termination protection off/,
    (a) => void (a.stack!.EnableTerminationProtection = false),
  ],
  [
    'a prod instance changed by hand',
    'prod',
    true,
    'instance drift',
    ExitCode.StackNotDeployable,
    /drifted from its template: \/DBInstanceClass \(NOT_EQUAL\); the deploy would set them back/,
    (a) =>
      void Object.assign(a.drift, {
        StackResourceDriftStatus: 'MODIFIED',
        PropertyDifferences: [
          {
            PropertyPath: '/DBInstanceClass',
            ExpectedValue: 'db.t3.micro',
            ActualValue: 'db.t3.small',
            DifferenceType: 'NOT_EQUAL',
          },
        ],
      }),
  ],
  [
    'an instance deleted by hand',
    'prod',
    true,
    'instance drift',
    ExitCode.StackNotDeployable,
    /no longer exists: the deploy would create a new, empty instance/,
    (a) => void (a.drift.StackResourceDriftStatus = 'DELETED'),
  ],
  [
    'a change that replaces the instance',
    'prod',
    true,
    'data safety (change set)',
    ExitCode.ReplacementRefused,
    /^DatabaseInstanceAA8A5FDE \(AWS::RDS::DBInstance, spendsense-prod-5f1a2b30\) would be replaced: DBInstanceIdentifier changes \(recreation Always, caused by DatabaseKey5E5D9547\)/,
    (a) => replaceInstance(a),
  ],
  [
    'a change that deletes the key',
    'dev',
    true,
    'data safety (change set)',
    ExitCode.ReplacementRefused,
    /DatabaseKey5E5D9547 \(AWS::KMS::Key, 7f3c2a9e\) would be deleted/,
    (a) =>
      void ((a.changeSet as { changes: unknown[] }).changes = [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Remove',
            LogicalResourceId: 'DatabaseKey5E5D9547',
            PhysicalResourceId: '7f3c2a9e',
            ResourceType: 'AWS::KMS::Key',
            Details: [],
          },
        },
      ]),
  ],
  [
    'a change that may replace the subnet group',
    'dev',
    true,
    'data safety (change set)',
    ExitCode.ReplacementRefused,
    /DatabaseInstanceSubnetGroupDE121BB6 \(AWS::RDS::DBSubnetGroup\) may be replaced/,
    (a) =>
      void ((a.changeSet as { changes: unknown[] }).changes = [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'DatabaseInstanceSubnetGroupDE121BB6',
            ResourceType: 'AWS::RDS::DBSubnetGroup',
            Replacement: 'Conditional',
            Details: [],
          },
        },
      ]),
  ],
  [
    'a change set CloudFormation refuses',
    'dev',
    true,
    'data safety (change set)',
    ExitCode.ReplacementRefused,
    /could not compute the change set: Template format error/,
    (a) =>
      void (a.changeSet = {
        status: 'FAILED',
        reason:
          'Template format error: Unresolved resource dependencies [X] in the Resources block of the template',
      }),
  ],
  [
    'reservations a new account cannot afford',
    'dev',
    false,
    'Lambda concurrency',
    ExitCode.QuotaExceeded,
    /the stage reserves 11 .*account quota 10, 10 unreserved, and Lambda keeps at least 10 unreserved, so only 0 can be reserved/,
    (a) => {
      reserve(a, { DatabaseProbeFunctionFA4C6EF8: 1, DatabaseRotationFunction50A9F326: 10 });
      a.lambda = { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 };
    },
  ],
  [
    'a proxy zone in use1-az3',
    'prod',
    false,
    'RDS Proxy zones',
    ExitCode.UnsupportedZone,
    /in use1-az3 \(us-east-1a\), where RDS Proxy is not offered/,
    (a) =>
      void (a.zones = zonesMapped([
        'use1-az3',
        'use1-az1',
        'use1-az2',
        'use1-az4',
        'use1-az5',
        'use1-az6',
      ])),
  ],
  [
    'a deployed proxy subnet in use1-az3',
    'prod',
    true,
    'RDS Proxy zones',
    ExitCode.UnsupportedZone,
    /where RDS Proxy is not offered/,
    (a) => void (a.subnetZoneIds[Object.keys(a.subnetZoneIds)[0]!] = 'use1-az3'),
  ],
  [
    'no room for another VPC',
    'dev',
    false,
    'quota: VPCs per Region',
    ExitCode.QuotaExceeded,
    /^5 VPCs in us-east-1, the stage adds 1; quota 5/,
    (a) => void (a.counts.vpcs = 5),
  ],
  [
    'no interface endpoints allowed',
    'dev',
    false,
    'quota: interface endpoints per VPC',
    ExitCode.QuotaExceeded,
    /1 in the stage's VPC, over the quota 0/,
    (a) => void (a.quotas['vpc/L-29B6F2EB'] = 0),
  ],
  [
    'no room for an internet gateway',
    'dev',
    false,
    'quota: internet gateways per Region',
    ExitCode.QuotaExceeded,
    /^5 internet gateways in us-east-1, the stage adds 1/,
    (a) => void (a.counts.internetGateways = 5),
  ],
  [
    'all DB instances taken',
    'prod',
    false,
    'quota: DB instances',
    ExitCode.QuotaExceeded,
    /^40 DB instances in us-east-1, the stage adds 1; quota 40/,
    (a) => void (a.counts.dbInstances = 40),
  ],
  [
    'an Elastic IP over the quota',
    'dev',
    false,
    'quota: Elastic IPs',
    ExitCode.QuotaExceeded,
    /^5 Elastic IPs in us-east-1, the stage adds 1; quota 5/,
    (a) => {
      a.template.Resources.AddedEip = { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } };
      a.counts.elasticIps = 5;
    },
  ],
  [
    'a secret of that name elsewhere',
    'dev',
    false,
    'secret names',
    ExitCode.NameCollision,
    /spendsense\/dev\/database\/credentials exists outside this stack \(arn:aws:secretsmanager:.*:secret:spendsense\/dev\/database\/credentials-Zz9Yy8\)/,
    (a) =>
      void (a.secrets['spendsense/dev/database/credentials'] = {
        ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:spendsense/dev/database/credentials-Zz9Yy8`,
        Name: 'spendsense/dev/database/credentials',
      }),
  ],
  [
    'a secret still being deleted',
    'prod',
    false,
    'secret names',
    ExitCode.NameCollision,
    /spendsense\/prod\/database\/connection is scheduled for deletion \(since 2026-11-25T09:59:00.000Z\)/,
    (a) =>
      void (a.secrets['spendsense/prod/database/connection'] = {
        ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:spendsense/prod/database/connection-Qq1Ww2`,
        Name: 'spendsense/prod/database/connection',
        DeletedDate: new Date('2026-11-25T09:59:00Z'),
      }),
  ],
  [
    'an SSM parameter of that name elsewhere',
    'dev',
    false,
    'SSM parameter names',
    ExitCode.NameCollision,
    /^\/spendsense\/dev\/database\/vpc-id exists outside this stack$/,
    (a) => void a.parameters.push('/spendsense/dev/database/vpc-id'),
  ],
  [
    'a log group of that name elsewhere',
    'dev',
    true,
    'log group names',
    ExitCode.NameCollision,
    /^\/spendsense\/dev\/database\/legacy exists outside this stack$/,
    (a) => {
      a.template.Resources.LegacyLogGroup = {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/spendsense/dev/database/legacy', RetentionInDays: 30 },
      };
      a.logGroups.push('/spendsense/dev/database/legacy');
    },
  ],
];

describe('one thing wrong: its line fails with the evidence and a fix, the others hold', () => {
  test.each(breakages)(
    '%s (%s, stack deployed: %s)',
    async (_name, stage, existing, check, exitCode, evidence, breakIt) => {
      const account = readyAccount(stage, { existing });
      breakIt(account);
      const { exitCode: code, report, stderr } = await preflight(account);
      const failed = report.results.filter((outcome) => outcome.result === 'fail');
      expect(failed.map((outcome) => outcome.check)).toEqual([check]);
      expect(failed[0]?.evidence).toMatch(evidence);
      expect(failed[0]?.fix).toEqual(expect.any(String));
      expect(failed[0]?.exitCode).toBe(exitCode);
      expect(code).toBe(exitCode);
      expect(report).toMatchObject({ ok: false, exitCode });
      expect(stderr).toContain(`error: Preflight failed: ${check}.`);
      expect(stderr).not.toMatch(/^\s+at /m);
    },
  );
});

describe('warnings do not fail a preflight', () => {
  test('--allow-replacement reports a replacement as a warning and exits 0', async () => {
    const account = readyAccount('prod', { existing: true });
    replaceInstance(account);
    const { exitCode, lineOf } = await preflight(account, { flags: ['--allow-replacement'] });
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('data safety (change set)')).toMatchObject({
      result: 'warn',
      evidence: expect.stringMatching(
        /^allowed by --allow-replacement: DatabaseInstanceAA8A5FDE .* would be replaced/,
      ),
      fix: expect.stringContaining('create-db-snapshot'),
    });
  });

  test('a dev instance changed by hand is a warning, a prod one a failure (registry severity)', async () => {
    const account = readyAccount('dev', { existing: true });
    account.drift.StackResourceDriftStatus = 'MODIFIED';
    account.drift.PropertyDifferences = [
      {
        PropertyPath: '/BackupRetentionPeriod',
        ExpectedValue: '7',
        ActualValue: '1',
        DifferenceType: 'NOT_EQUAL',
      },
    ];
    const { exitCode, lineOf, stdout } = await preflight(account);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('instance drift')?.result).toBe('warn');
    // Paths only, never the values.
    expect(stdout).not.toMatch(/"ActualValue"|"1"/);
  });

  test('a stack whose last update rolled back can be updated: a warning', async () => {
    const account = readyAccount('dev', { existing: true });
    account.stack!.StackStatus = 'UPDATE_ROLLBACK_COMPLETE';
    const { exitCode, lineOf } = await preflight(account);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('stack state')?.result).toBe('warn');
  });
});

describe('when a call fails', () => {
  test('credentials AWS rejects: that line fails, the others are not run, exit 13', async () => {
    const { exitCode, report, stderr } = await preflight(readyAccount('dev', { existing: false }), {
      mock: () =>
        mocks.sts
          .on(GetCallerIdentityCommand)
          .rejects(
            awsError('ExpiredToken', 400, 'The security token included in the request is expired'),
          ),
    });
    expect(exitCode).toBe(ExitCode.AwsCredentialsMissing);
    expect(report.results[0]).toMatchObject({ check: 'credentials', result: 'fail', exitCode: 13 });
    expect(report.results.slice(1).map((o) => o.evidence)).toEqual(
      CHECKS.slice(1).map(() => 'not run: the credentials line failed'),
    );
    expect(stderr).toContain('error: Preflight failed: credentials.');
  });

  test('a denied read fails its line with the action, and exits 53', async () => {
    const { exitCode, report } = await preflight(readyAccount('dev', { existing: false }), {
      mock: () =>
        mocks.quotas
          .on(GetServiceQuotaCommand)
          .rejects(
            awsError(
              'AccessDeniedException',
              400,
              'User is not authorized to perform: servicequotas:GetServiceQuota',
            ),
          ),
    });
    expect(exitCode).toBe(ExitCode.AwsAccessDenied);
    const failed = report.results.filter((o) => o.result === 'fail');
    expect(failed.map((o) => o.check)).toEqual([
      'quota: VPCs per Region',
      'quota: interface endpoints per VPC',
      'quota: internet gateways per Region',
      'quota: DB instances',
    ]);
    expect(failed[0]?.evidence).toContain('servicequotas:GetServiceQuota');
  });

  test('a cloud assembly made for another region is refused before any check (exit 54)', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const account = readyAccount('dev', { existing: false });
    const { exitCode, stderr } = await preflight(account);
    expect(exitCode).toBe(ExitCode.WrongRegion);
    expect(stderr).toContain(
      'The cloud assembly targets us-east-1, but the AWS session is in eu-west-1',
    );
  });

  test('a missing cloud assembly: exit 70 naming the folder', async () => {
    const { exitCode, stderr } = await runCli([
      'preflight',
      '--stage',
      'dev',
      '--cdk-out',
      '/nonexistent/spendsense/cdk.out',
    ]);
    expect(exitCode).toBe(ExitCode.TemplateUnavailable);
    expect(stderr).toContain('Cannot read the cloud assembly in /nonexistent/spendsense/cdk.out');
  });
});

test('the table names every check, lists the fixes under it, and gives the verdict', async () => {
  const account = readyAccount('dev', { existing: false });
  account.bootstrapVersion = undefined;
  const { exitCode, stdout } = await preflight(account, { table: true });
  expect(exitCode).toBe(ExitCode.BootstrapMissing);
  expect(stdout).toMatch(/^check\s+result\s+evidence$/m);
  expect(stdout).toMatch(/^CDK bootstrap\s+fail\s+us-east-1 is not bootstrapped/m);
  expect(stdout).toContain(
    `  CDK bootstrap (fail): Run \`npx cdk bootstrap aws://${ACCOUNT}/us-east-1\``,
  );
  expect(stdout).toMatch(
    /NOT ready to deploy: \d+ passed, 0 warnings, 1 failed, \d+ not applicable/,
  );
});

function replaceInstance(account: Account): void {
  account.changeSet = {
    status: 'CREATE_COMPLETE',
    changes: [
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'DatabaseInstanceAA8A5FDE',
          PhysicalResourceId: 'spendsense-prod-5f1a2b30',
          ResourceType: 'AWS::RDS::DBInstance',
          Replacement: 'True',
          Scope: ['Properties'],
          Details: [
            {
              Target: {
                Attribute: 'Properties',
                Name: 'DBInstanceIdentifier',
                RequiresRecreation: 'Always',
              },
              Evaluation: 'Static',
              ChangeSource: 'ResourceAttribute',
              CausingEntity: 'DatabaseKey5E5D9547',
            },
          ],
        },
      },
    ],
  };
}

function reserve(account: Account, reservations: Record<string, number>): void {
  for (const [id, value] of Object.entries(reservations)) {
    account.template.Resources[id]!.Properties = {
      ...account.template.Resources[id]!.Properties,
      ReservedConcurrentExecutions: value,
    };
  }
}
