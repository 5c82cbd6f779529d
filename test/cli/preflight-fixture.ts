import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  DetectStackResourceDriftCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Change,
  type Stack,
  type StackResourceDrift,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type AvailabilityZone,
} from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand,
  SecretsManagerClient,
  type DescribeSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveString } from '../../src/cli/aws/intrinsics.js';
import { stackName, type Stage } from '../../src/shared/names.js';
import { synthesize, type Synthesized } from '../infra/support/synth.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const CALLER_ARN = `arn:aws:iam::${ACCOUNT}:user/deployer`;
export const STACK_ID = (stage: Stage) =>
  `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName(stage)}/5f1a2b30-9c4d-11ef-8e3a-0affd1a2b3c4`;

type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};

/**
 * An account as preflight finds it, described in the shapes of the real API responses. The
 * good account is ready for the stage: bootstrapped, room in every quota, no foreign names, and
 * (for `existing`) the stage's stack healthy with a change set that touches no data.
 */
export interface Account {
  stage: Stage;
  /** The stage's stack, `undefined` before its first deploy. */
  stack: Stack | undefined;
  /** The synthesized template preflight reads (mutable for breakages). */
  template: Template;
  /** What the deployed stack runs (the same template unless changed). */
  deployedTemplate: Template | undefined;
  resources: StackResourceSummary[];
  bootstrapVersion: string | undefined;
  bootstrapStack: Stack | undefined;
  lambda: { ConcurrentExecutions: number; UnreservedConcurrentExecutions: number };
  zones: AvailabilityZone[];
  defaultSubnetZones: string[];
  /** Zone ID of each existing subnet, by subnet id. */
  subnetZoneIds: Record<string, string>;
  quotas: Record<string, number>;
  counts: { vpcs: number; internetGateways: number; elasticIps: number; dbInstances: number };
  /** Secrets that exist, by name. */
  secrets: Record<string, DescribeSecretResponse>;
  parameters: string[];
  logGroups: string[];
  drift: StackResourceDrift;
  changeSet:
    { status: 'CREATE_COMPLETE'; changes: Change[] } | { status: 'FAILED'; reason: string };
}

const synthesized: Partial<Record<Stage, Synthesized>> = {};

/** Synthesizes each stage once per test file, like `cdk synth`, into a cloud assembly. */
export function synthesizedStage(stage: Stage): Synthesized {
  return (synthesized[stage] ??= synthesize(stage));
}

export function disposeSynthesized(): void {
  for (const stage of Object.keys(synthesized) as Stage[]) synthesized[stage]?.dispose();
}

const templateOf = (stage: Stage): Template =>
  JSON.parse(
    readFileSync(
      path.join(synthesizedStage(stage).outdir, `${stackName(stage)}.template.json`),
      'utf8',
    ),
  ) as Template;

/** `use1-az1` … `use1-az6` behind `us-east-1a` … `us-east-1f`, all available. */
export function zonesMapped(ids: readonly string[]): AvailabilityZone[] {
  return ids.map((zoneId, index) => ({
    ZoneName: `us-east-1${'abcdef'[index] ?? 'z'}`,
    ZoneId: zoneId,
    State: 'available',
    OptInStatus: 'opt-in-not-required',
    RegionName: REGION,
    ZoneType: 'availability-zone',
    GroupName: REGION,
    NetworkBorderGroup: REGION,
    Messages: [],
  }));
}

/** The physical id CloudFormation gives a resource of the template, for ListStackResources. */
function physicalIdOf(
  stage: Stage,
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
): string {
  const pseudo = { region: REGION, accountId: ACCOUNT, partition: 'aws', stackId: STACK_ID(stage) };
  switch (type) {
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${String(properties.Name)}-AbC123`;
    case 'AWS::SSM::Parameter':
      return String(properties.Name);
    case 'AWS::Logs::LogGroup':
      return resolveString(properties.LogGroupName, pseudo) ?? logicalId;
    case 'AWS::EC2::Subnet':
      return `subnet-${logicalId.slice(-8).toLowerCase()}`;
    default:
      return `${logicalId.toLowerCase()}-physical`;
  }
}

/** A ready account for `stage`: a first deploy, or (`existing`) an update of a healthy stack. */
export function readyAccount(stage: Stage, options: { existing: boolean }): Account {
  const template = templateOf(stage);
  const resources: StackResourceSummary[] = options.existing
    ? Object.entries(template.Resources).map(([logicalId, resource]) => ({
        LogicalResourceId: logicalId,
        PhysicalResourceId: physicalIdOf(
          stage,
          logicalId,
          resource.Type,
          resource.Properties ?? {},
        ),
        ResourceType: resource.Type,
        LastUpdatedTimestamp: new Date('2026-11-24T16:02:30.000Z'),
        ResourceStatus: 'UPDATE_COMPLETE',
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      }))
    : [];
  const ownSecrets = Object.fromEntries(
    resources
      .filter((resource) => resource.ResourceType === 'AWS::SecretsManager::Secret')
      .map((resource) => {
        const name = String(template.Resources[resource.LogicalResourceId!]?.Properties?.Name);
        return [
          name,
          {
            ARN: resource.PhysicalResourceId,
            Name: name,
            CreatedDate: new Date('2026-11-20T09:14:00Z'),
          },
        ];
      }),
  );
  const subnets = resources.filter((resource) => resource.ResourceType === 'AWS::EC2::Subnet');
  return {
    stage,
    stack: options.existing
      ? {
          StackId: STACK_ID(stage),
          StackName: stackName(stage),
          CreationTime: new Date('2026-11-20T09:12:44.512Z'),
          LastUpdatedTime: new Date('2026-11-24T16:03:10.087Z'),
          StackStatus: 'UPDATE_COMPLETE',
          DisableRollback: false,
          EnableTerminationProtection: stage === 'prod',
          Outputs: [],
          Tags: [{ Key: 'Stage', Value: stage }],
          DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
        }
      : undefined,
    template,
    deployedTemplate: options.existing ? templateOf(stage) : undefined,
    resources,
    bootstrapVersion: '30',
    bootstrapStack: {
      StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/CDKToolkit/0a1b2c3d-1111-11ef-9a9a-0a1b2c3d4e5f`,
      StackName: 'CDKToolkit',
      CreationTime: new Date('2026-11-01T08:00:00Z'),
      StackStatus: 'UPDATE_COMPLETE',
      Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }],
    },
    lambda: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
    zones: zonesMapped(['use1-az1', 'use1-az2', 'use1-az4', 'use1-az6', 'use1-az3', 'use1-az5']),
    defaultSubnetZones: [
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
      'us-east-1d',
      'us-east-1e',
      'us-east-1f',
    ],
    subnetZoneIds: Object.fromEntries(
      subnets.map((subnet, index) => [
        subnet.PhysicalResourceId!,
        index % 2 === 0 ? 'use1-az1' : 'use1-az2',
      ]),
    ),
    quotas: {
      'vpc/L-F678F1CE': 5,
      'vpc/L-29B6F2EB': 50,
      'vpc/L-A4707A72': 5,
      'rds/L-7B6409FD': 40,
      'ec2/L-0263D0A3': 5,
    },
    counts: {
      vpcs: options.existing ? 2 : 1,
      internetGateways: options.existing && stage === 'dev' ? 2 : 1,
      elasticIps: 0,
      dbInstances: options.existing ? 1 : 0,
    },
    secrets: ownSecrets,
    parameters: resources
      .filter((resource) => resource.ResourceType === 'AWS::SSM::Parameter')
      .map((resource) => resource.PhysicalResourceId!),
    logGroups: resources
      .filter((resource) => resource.ResourceType === 'AWS::Logs::LogGroup')
      .map((resource) => resource.PhysicalResourceId!),
    drift: {
      StackId: STACK_ID(stage),
      LogicalResourceId: 'DatabaseInstanceAA8A5FDE',
      PhysicalResourceId: `spendsense-${stage}-5f1a2b30`,
      ResourceType: 'AWS::RDS::DBInstance',
      StackResourceDriftStatus: 'IN_SYNC',
      PropertyDifferences: [],
      Timestamp: new Date('2026-11-25T10:00:00Z'),
    },
    changeSet: {
      status: 'CREATE_COMPLETE',
      changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'DatabaseProbeFunctionFA4C6EF8',
            PhysicalResourceId: `SpendSense-Database-${stage}-DatabaseProbeFunctionFA4C6-AbCdEfGhIjKl`,
            ResourceType: 'AWS::Lambda::Function',
            Replacement: 'False',
            Scope: ['Properties'],
            Details: [
              {
                Target: { Attribute: 'Properties', Name: 'Code', RequiresRecreation: 'Never' },
                Evaluation: 'Static',
                ChangeSource: 'DirectModification',
              },
            ],
          },
        },
      ],
    },
  };
}

export const mocks = {
  sts: mockClient(STSClient),
  cloudFormation: mockClient(CloudFormationClient),
  ssm: mockClient(SSMClient),
  lambda: mockClient(LambdaClient),
  ec2: mockClient(EC2Client),
  rds: mockClient(RDSClient),
  quotas: mockClient(ServiceQuotasClient),
  secretsManager: mockClient(SecretsManagerClient),
  logs: mockClient(CloudWatchLogsClient),
  s3: mockClient(S3Client),
};

/** An AWS service error as the SDK raises it: name = the AWS code, HTTP status in $metadata. */
export function awsError(name: string, httpStatusCode: number, message: string): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode, requestId: '5c8e0e1a-7d2b-4c1e-9f3a-0b1c2d3e4f5a', attempts: 1 },
  });
}

/** Answers every call the way AWS would for `account`. */
export function serve(account: Account): void {
  for (const mock of Object.values(mocks)) mock.reset();
  const name = stackName(account.stage);
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: ACCOUNT, Arn: CALLER_ARN, UserId: 'AIDAEXAMPLEUSERID0001' });

  const notFound = (stack: string) =>
    awsError('ValidationError', 400, `Stack with id ${stack} does not exist`);
  const describe = mocks.cloudFormation.on(DescribeStacksCommand, { StackName: name });
  if (account.stack === undefined) describe.rejects(notFound(name));
  else describe.resolves({ Stacks: [account.stack] });
  const toolkit = mocks.cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' });
  if (account.bootstrapStack === undefined) toolkit.rejects(notFound('CDKToolkit'));
  else toolkit.resolves({ Stacks: [account.bootstrapStack] });
  mocks.cloudFormation
    .on(ListStackResourcesCommand)
    .resolves({ StackResourceSummaries: account.resources });
  mocks.cloudFormation.on(GetTemplateCommand).resolves({
    TemplateBody: JSON.stringify(account.deployedTemplate ?? {}),
    StagesAvailable: ['Original', 'Processed'],
  });
  mocks.cloudFormation
    .on(DetectStackResourceDriftCommand)
    .resolves({ StackResourceDrift: account.drift });
  mocks.cloudFormation.on(CreateChangeSetCommand).callsFake((input: { ChangeSetName: string }) => ({
    Id: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:changeSet/${input.ChangeSetName}/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b`,
    StackId: STACK_ID(account.stage),
  }));
  const changeSet = account.changeSet;
  mocks.cloudFormation.on(DescribeChangeSetCommand).resolves(
    changeSet.status === 'CREATE_COMPLETE'
      ? {
          ChangeSetName: 'spendsense-preflight',
          StackName: name,
          Status: 'CREATE_COMPLETE',
          ExecutionStatus: 'AVAILABLE',
          Changes: changeSet.changes,
        }
      : {
          ChangeSetName: 'spendsense-preflight',
          StackName: name,
          Status: 'FAILED',
          StatusReason: changeSet.reason,
          ExecutionStatus: 'UNAVAILABLE',
          Changes: [],
        },
  );
  mocks.cloudFormation.on(DeleteChangeSetCommand).resolves({});

  const parameter = mocks.ssm.on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' });
  if (account.bootstrapVersion === undefined) {
    parameter.rejects(awsError('ParameterNotFound', 400, ''));
  } else {
    parameter.resolves({
      Parameter: {
        Name: '/cdk-bootstrap/hnb659fds/version',
        Type: 'String',
        Value: account.bootstrapVersion,
        Version: 3,
        ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/cdk-bootstrap/hnb659fds/version`,
        DataType: 'text',
      },
    });
  }
  mocks.ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((n) => account.parameters.includes(n)).map((n) => ({
      Name: n,
      Type: 'String',
      Value: 'sg-0f9e8d7c6b5a40312',
      Version: 1,
      ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${n}`,
      DataType: 'text',
    })),
    InvalidParameters: input.Names.filter((n) => !account.parameters.includes(n)),
  }));

  mocks.lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: {
      TotalCodeSize: 80_530_636_800,
      CodeSizeUnzipped: 262_144_000,
      CodeSizeZipped: 52_428_800,
      ...account.lambda,
    },
    AccountUsage: { TotalCodeSize: 2_097_152, FunctionCount: 3 },
  });

  mocks.ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: account.zones });
  mocks.ec2.on(DescribeSubnetsCommand).callsFake((input: { SubnetIds?: string[] }) => {
    if (input.SubnetIds !== undefined) {
      return {
        Subnets: input.SubnetIds.filter((id) => account.subnetZoneIds[id] !== undefined).map(
          (id) => ({
            SubnetId: id,
            AvailabilityZoneId: account.subnetZoneIds[id],
            AvailabilityZone: account.zones.find((z) => z.ZoneId === account.subnetZoneIds[id])
              ?.ZoneName,
            VpcId: 'vpc-0123456789abcdef0',
            State: 'available',
          }),
        ),
      };
    }
    return {
      Subnets: account.defaultSubnetZones.map((zone, index) => ({
        SubnetId: `subnet-0default${index}`,
        AvailabilityZone: zone,
        DefaultForAz: true,
        VpcId: 'vpc-0default0000000000',
        State: 'available',
      })),
    };
  });
  mocks.ec2.on(DescribeVpcsCommand).resolves({
    Vpcs: Array.from({ length: account.counts.vpcs }, (_, i) => ({
      VpcId: `vpc-0${i}`,
      State: 'available',
    })),
  });
  mocks.ec2.on(DescribeInternetGatewaysCommand).resolves({
    InternetGateways: Array.from({ length: account.counts.internetGateways }, (_, i) => ({
      InternetGatewayId: `igw-0${i}`,
    })),
  });
  mocks.ec2.on(DescribeAddressesCommand).resolves({
    Addresses: Array.from({ length: account.counts.elasticIps }, (_, i) => ({
      AllocationId: `eipalloc-0${i}`,
      Domain: 'vpc',
    })),
  });
  mocks.rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: Array.from({ length: account.counts.dbInstances }, (_, i) => ({
      DBInstanceIdentifier: `db-${i}`,
    })),
  });
  mocks.quotas
    .on(GetServiceQuotaCommand)
    .callsFake((input: { ServiceCode: string; QuotaCode: string }) => {
      const value = account.quotas[`${input.ServiceCode}/${input.QuotaCode}`];
      if (value === undefined)
        throw awsError(
          'NoSuchResourceException',
          400,
          'The request failed because the specified service quota does not exist.',
        );
      return {
        Quota: {
          ServiceCode: input.ServiceCode,
          QuotaCode: input.QuotaCode,
          QuotaName: `quota ${input.QuotaCode}`,
          Value: value,
          Unit: 'None',
          Adjustable: true,
          GlobalQuota: false,
          QuotaArn: `arn:aws:servicequotas:${REGION}:${ACCOUNT}:${input.ServiceCode}/${input.QuotaCode}`,
        },
      };
    });
  mocks.quotas
    .on(GetAWSDefaultServiceQuotaCommand)
    .rejects(awsError('NoSuchResourceException', 400, 'no default'));

  mocks.secretsManager.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
    const secret = account.secrets[input.SecretId];
    if (secret === undefined) {
      throw awsError(
        'ResourceNotFoundException',
        400,
        "Secrets Manager can't find the specified secret.",
      );
    }
    return secret;
  });
  mocks.logs.on(DescribeLogGroupsCommand).callsFake((input: { logGroupNamePrefix: string }) => ({
    logGroups: account.logGroups
      .filter((group) => group.startsWith(input.logGroupNamePrefix))
      .map((group) => ({
        logGroupName: group,
        arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:*`,
        creationTime: 1_763_629_000_000,
        storedBytes: 0,
      })),
  }));
  mocks.s3.on(PutObjectCommand).resolves({ ETag: '"0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"' });
}

/**
 * Writes a cloud assembly holding the stage's manifest and `account.template` (a breakage may
 * have changed it) to a scratch folder; returns the folder for `--cdk-out`.
 */
export function writeAssembly(account: Account): { dir: string; dispose: () => void } {
  const source = synthesizedStage(account.stage).outdir;
  const dir = mkdtempSync(path.join(tmpdir(), `spendsense-preflight-${account.stage}-`));
  cpSync(path.join(source, 'manifest.json'), path.join(dir, 'manifest.json'));
  writeFileSync(
    path.join(dir, `${stackName(account.stage)}.template.json`),
    JSON.stringify(account.template, null, 1),
  );
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export { runCli } from '../support/run-cli.js';
