import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeSecurityGroupsCommand, EC2Client, type SecurityGroup } from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  type GetKeyRotationStatusResponse,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import {
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  RDSClient,
  type DBInstance,
  type Parameter,
} from '@aws-sdk/client-rds';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
  type DescribeSecretResponse,
  type SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import {
  APP_USERNAME,
  DATABASE_NAME,
  DATABASE_PORT,
  MASTER_USERNAME,
  OutputKeys,
  connectionSecretName,
  credentialsSecretName,
  stackName,
  type OutputKey,
  type Stage,
} from '../../src/shared/names.js';

/**
 * A deployed SpendSense stage as the AWS APIs describe it: the responses of DescribeStacks,
 * GetTemplate, ListStackResources, DescribeDBInstances, DescribeDBParameters,
 * DescribeSecurityGroups, DescribeKey, GetKeyRotationStatus, DescribeSecret, GetSecretValue,
 * ListSecretVersionIds, ListSubscriptionsByTopic and Invoke, shaped like the real ones (field
 * names, types, ARN formats).
 */
export interface Deployment {
  stage: Stage;
  region: string;
  stack: Stack;
  template: { Resources: Record<string, Record<string, unknown>> };
  resources: StackResourceSummary[];
  instance: DBInstance;
  parameters: Parameter[];
  databaseGroup: SecurityGroup;
  key: KeyMetadata;
  rotation: GetKeyRotationStatusResponse;
  secrets: Record<string, DescribeSecretResponse>;
  secretValues: Record<string, string>;
  /** ListSecretVersionIds of each secret, by ARN. */
  secretVersions: Record<string, SecretVersionsListEntry[]>;
  /** ListSubscriptionsByTopic of the alarm topic. */
  subscriptions: Subscription[];
  probe: { functionError?: string; payload: unknown };
}

export const ACCOUNT = '123456789012';
/** A password shaped like the generated ones (32 letters and digits). Must never be printed. */
export const PASSWORD = 'Q3v9XkLm2Rt8Yp4Zw7Bn1Cd5Fg6Hj0Ks';

export function idsFor(stage: Stage, region = 'us-east-1') {
  return {
    stackId: `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${stackName(stage)}/5f1a2b30-9c4d-11ef-8e3a-0affd1a2b3c4`,
    instance: `spendsense-${stage}`,
    endpoint: `spendsense-${stage}.c9akciq32xyz.${region}.rds.amazonaws.com`,
    keyId: '7f3c2a9e-1b4d-4e8f-9a6b-2c5d8e1f0a3b',
    keyArn: `arn:aws:kms:${region}:${ACCOUNT}:key/7f3c2a9e-1b4d-4e8f-9a6b-2c5d8e1f0a3b`,
    credentialsArn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${credentialsSecretName(stage)}-AbC123`,
    connectionArn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${connectionSecretName(stage)}-XyZ789`,
    databaseGroup: 'sg-0a1b2c3d4e5f60718',
    lambdaGroup: 'sg-0f9e8d7c6b5a40312',
    parameterGroup: `spendsense-database-${stage}-databaseparametersb8ac9b07-1x2y3z4w5v6u`,
    probe: `SpendSense-Database-${stage}-DatabaseProbeFunctionFA4C6-AbCdEfGhIjKl`,
    alarmTopic: `arn:aws:sns:${region}:${ACCOUNT}:spendsense-${stage}-database-alarms`,
  };
}

/** The stack outputs of a deployed stage, by output key. */
export function outputsFor(
  stage: Stage,
  region = 'us-east-1',
): Record<OutputKey, string | undefined> {
  const ids = idsFor(stage, region);
  return {
    EndpointAddress: ids.endpoint,
    EndpointPort: String(DATABASE_PORT),
    DatabaseName: DATABASE_NAME,
    InstanceIdentifier: ids.instance,
    CredentialsSecretName: credentialsSecretName(stage),
    CredentialsSecretArn: ids.credentialsArn,
    ConnectionSecretName: connectionSecretName(stage),
    ConnectionSecretArn: ids.connectionArn,
    DatabaseSecurityGroupId: ids.databaseGroup,
    LambdaSecurityGroupId: ids.lambdaGroup,
    KmsKeyArn: ids.keyArn,
    ParameterGroupName: ids.parameterGroup,
    ProbeFunctionName: ids.probe,
    AlarmTopicArn: ids.alarmTopic,
    SchemaVersion: 'none',
    AccessHostInstanceId: undefined,
    ProxyEndpoint: undefined,
  };
}

/** The DescribeStacks `Stack` for a set of outputs. */
export function describedStack(
  stage: Stage,
  outputs: Partial<Record<OutputKey, string>>,
  region = 'us-east-1',
): Stack {
  return {
    StackId: idsFor(stage, region).stackId,
    StackName: stackName(stage),
    Description: `SpendSense ${stage} PostgreSQL 15 on RDS (story 1.3)`,
    CreationTime: new Date('2026-11-20T09:12:44.512Z'),
    LastUpdatedTime: new Date('2026-11-24T16:03:10.087Z'),
    StackStatus: 'UPDATE_COMPLETE',
    DisableRollback: false,
    NotificationARNs: [],
    Capabilities: ['CAPABILITY_IAM'],
    Outputs: Object.entries(outputs)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => ({
        OutputKey: OutputKeys[key as OutputKey],
        OutputValue: value,
        Description: `${key} of the SpendSense ${stage} database`,
        ...(key === 'LambdaSecurityGroupId' && {
          ExportName: `SpendSense-Database-${stage}-LambdaSecurityGroupId`,
        }),
      })),
    Tags: [
      { Key: 'Project', Value: 'SpendSense' },
      { Key: 'Stage', Value: stage },
    ],
    EnableTerminationProtection: stage === 'prod',
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
}

/** A deployment that satisfies every criterion, as of `now`. */
export function compliantDeployment(stage: Stage = 'dev', now: Date = new Date()): Deployment {
  const ids = idsFor(stage);
  const prod = stage === 'prod';
  const databaseGroupLogicalId = 'DatabaseSecurityGroupsDatabase5F3AD654';
  const lambdaGroupLogicalId = 'DatabaseSecurityGroupsLambdaFAE18F2B';
  const connection = {
    url: `postgresql://${MASTER_USERNAME}:${PASSWORD}@${ids.endpoint}:${DATABASE_PORT}/${DATABASE_NAME}`,
    engine: 'postgres',
    host: ids.endpoint,
    port: DATABASE_PORT,
    dbname: DATABASE_NAME,
    username: MASTER_USERNAME,
    password: PASSWORD,
  };
  const credentials = {
    username: MASTER_USERNAME,
    password: PASSWORD,
    engine: 'postgres',
    host: ids.endpoint,
    port: DATABASE_PORT,
    dbInstanceIdentifier: ids.instance,
    dbname: DATABASE_NAME,
  };
  const currentVersion = 'b1c2d3e4-5f60-4718-9a0b-1c2d3e4f5a6b';
  const previousVersion = 'a0b1c2d3-4e5f-4607-8a9b-0c1d2e3f4a5b';
  const lastRotated = new Date(now.getTime() - 3 * 24 * 60 * 60_000);
  const describedSecret = (arn: string, name: string): DescribeSecretResponse => ({
    ARN: arn,
    Name: name,
    Description: `SpendSense ${stage} PostgreSQL secret`,
    KmsKeyId: ids.keyArn,
    LastChangedDate: new Date('2026-11-24T16:02:01.000Z'),
    LastAccessedDate: new Date('2026-11-25T00:00:00.000Z'),
    Tags: [{ Key: 'Stage', Value: stage }],
    VersionIdsToStages: { [currentVersion]: ['AWSCURRENT'] },
    CreatedDate: new Date('2026-11-20T09:14:00.000Z'),
  });
  const rotatedSecret = (arn: string, name: string): DescribeSecretResponse => ({
    ...describedSecret(arn, name),
    RotationEnabled: true,
    RotationLambdaARN: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:SpendSense-Database-${stage}-DatabaseRotationFunction50A9-QwErTyUiOpAs`,
    RotationRules: { AutomaticallyAfterDays: 30 },
    LastRotatedDate: lastRotated,
    NextRotationDate: new Date(lastRotated.getTime() + 30 * 24 * 60 * 60_000),
    VersionIdsToStages: { [currentVersion]: ['AWSCURRENT'], [previousVersion]: ['AWSPREVIOUS'] },
  });

  return {
    stage,
    region: 'us-east-1',
    stack: describedStack(stage, outputsFor(stage) as Record<OutputKey, string>),
    template: {
      Resources: {
        DatabaseInstanceAA8A5FDE: {
          Type: 'AWS::RDS::DBInstance',
          Properties: {
            AllocatedStorage: '20',
            BackupRetentionPeriod: prod ? 14 : 7,
            DBInstanceClass: 'db.t3.micro',
            DBInstanceIdentifier: ids.instance,
            DBName: DATABASE_NAME,
            DeleteAutomatedBackups: false,
            DeletionProtection: prod,
            Engine: 'postgres',
            EngineVersion: '15',
            KmsKeyId: { 'Fn::GetAtt': ['DatabaseKey5E5D9547', 'Arn'] },
            MultiAZ: prod,
            Port: '5432',
            PubliclyAccessible: false,
            StorageEncrypted: true,
            StorageType: 'gp3',
            VPCSecurityGroups: [{ 'Fn::GetAtt': [databaseGroupLogicalId, 'GroupId'] }],
          },
          UpdateReplacePolicy: 'Snapshot',
          DeletionPolicy: 'Snapshot',
        },
        DatabaseRotationSchedule28B4F2D5: {
          Type: 'AWS::SecretsManager::RotationSchedule',
          Properties: {
            RotateImmediatelyOnUpdate: true,
            RotationLambdaARN: { 'Fn::GetAtt': ['DatabaseRotationFunction50A9F326', 'Arn'] },
            RotationRules: { AutomaticallyAfterDays: 30 },
            SecretId: { Ref: 'DatabaseCredentialsSecretAttachment06807E4F' },
          },
        },
        [databaseGroupLogicalId]: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            GroupDescription:
              'SpendSense PostgreSQL: only the Lambda security group on the database port',
            SecurityGroupEgress: [
              {
                CidrIp: '255.255.255.255/32',
                Description: 'Disallow all traffic',
                FromPort: 252,
                IpProtocol: 'icmp',
                ToPort: 86,
              },
            ],
            VpcId: { Ref: 'DatabaseNetworkVpcFEC1D438' },
          },
        },
        [lambdaGroupLogicalId]: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            GroupDescription: 'SpendSense Lambdas',
            VpcId: { Ref: 'DatabaseNetworkVpcFEC1D438' },
          },
        },
        DatabaseSecurityGroupsDatabasefromSpendSenseDatabasedevDatabaseSecurityGroupsLambdaF24C738454328D26192E:
          {
            Type: 'AWS::EC2::SecurityGroupIngress',
            Properties: {
              Description: 'SpendSense Lambdas to PostgreSQL',
              FromPort: DATABASE_PORT,
              GroupId: { 'Fn::GetAtt': [databaseGroupLogicalId, 'GroupId'] },
              IpProtocol: 'tcp',
              SourceSecurityGroupId: { 'Fn::GetAtt': [lambdaGroupLogicalId, 'GroupId'] },
              ToPort: DATABASE_PORT,
            },
          },
      },
    },
    resources: [
      summary('DatabaseInstanceAA8A5FDE', ids.instance, 'AWS::RDS::DBInstance'),
      summary(databaseGroupLogicalId, ids.databaseGroup, 'AWS::EC2::SecurityGroup'),
      summary(lambdaGroupLogicalId, ids.lambdaGroup, 'AWS::EC2::SecurityGroup'),
      summary('DatabaseKey5E5D9547', ids.keyId, 'AWS::KMS::Key'),
    ],
    instance: {
      DBInstanceIdentifier: ids.instance,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      DBInstanceStatus: 'available',
      MasterUsername: MASTER_USERNAME,
      DBName: DATABASE_NAME,
      Endpoint: { Address: ids.endpoint, Port: DATABASE_PORT, HostedZoneId: 'Z2R2ITUGPM61AM' },
      AllocatedStorage: 20,
      InstanceCreateTime: new Date('2026-11-20T09:20:31.102Z'),
      PreferredBackupWindow: '03:00-03:30',
      BackupRetentionPeriod: prod ? 14 : 7,
      VpcSecurityGroups: [{ VpcSecurityGroupId: ids.databaseGroup, Status: 'active' }],
      DBParameterGroups: [
        { DBParameterGroupName: ids.parameterGroup, ParameterApplyStatus: 'in-sync' },
      ],
      AvailabilityZone: 'us-east-1a',
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      LatestRestorableTime: new Date(now.getTime() - 3 * 60_000),
      MultiAZ: prod,
      EngineVersion: '15.10',
      AutoMinorVersionUpgrade: true,
      PubliclyAccessible: false,
      StorageType: 'gp3',
      StorageEncrypted: true,
      KmsKeyId: ids.keyArn,
      DbiResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY0',
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      CopyTagsToSnapshot: true,
      DBInstanceArn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:${ids.instance}`,
      IAMDatabaseAuthenticationEnabled: true,
      DeletionProtection: prod,
      MaxAllocatedStorage: prod ? 100 : 50,
      BackupTarget: 'region',
    },
    parameters: [
      {
        ParameterName: 'idle_in_transaction_session_timeout',
        ParameterValue: '300000',
        Source: 'user',
        ApplyType: 'dynamic',
        DataType: 'integer',
        IsModifiable: true,
        ApplyMethod: 'pending-reboot',
      },
      {
        ParameterName: 'password_encryption',
        ParameterValue: 'scram-sha-256',
        Source: 'user',
        ApplyType: 'dynamic',
        DataType: 'string',
        IsModifiable: true,
        ApplyMethod: 'pending-reboot',
      },
      {
        ParameterName: 'rds.force_ssl',
        ParameterValue: '1',
        Source: 'user',
        ApplyType: 'dynamic',
        DataType: 'boolean',
        AllowedValues: '0,1',
        IsModifiable: true,
        ApplyMethod: 'pending-reboot',
      },
    ],
    databaseGroup: {
      GroupId: ids.databaseGroup,
      GroupName: `${stackName(stage)}-DatabaseSecurityGroupsDatabase5F3AD654-1Q2W3E4R5T6Y`,
      Description: 'SpendSense PostgreSQL: only the Lambda security group on the database port',
      OwnerId: ACCOUNT,
      VpcId: 'vpc-0123456789abcdef0',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: DATABASE_PORT,
          ToPort: DATABASE_PORT,
          UserIdGroupPairs: [
            {
              Description: 'SpendSense Lambdas to PostgreSQL',
              GroupId: ids.lambdaGroup,
              UserId: ACCOUNT,
            },
          ],
          IpRanges: [],
          Ipv6Ranges: [],
          PrefixListIds: [],
        },
      ],
      IpPermissionsEgress: [
        {
          IpProtocol: 'icmp',
          FromPort: 252,
          ToPort: 86,
          UserIdGroupPairs: [],
          IpRanges: [{ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }],
          Ipv6Ranges: [],
          PrefixListIds: [],
        },
      ],
    },
    key: {
      AWSAccountId: ACCOUNT,
      KeyId: ids.keyId,
      Arn: ids.keyArn,
      CreationDate: new Date('2026-11-20T09:12:50.000Z'),
      Enabled: true,
      Description: `SpendSense ${stage} database: storage, secrets and logs`,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    },
    rotation: {
      KeyRotationEnabled: true,
      KeyId: ids.keyArn,
      RotationPeriodInDays: 365,
      NextRotationDate: new Date('2027-11-20T09:12:50.000Z'),
    },
    secrets: {
      [ids.credentialsArn]: rotatedSecret(ids.credentialsArn, credentialsSecretName(stage)),
      [ids.connectionArn]: describedSecret(ids.connectionArn, connectionSecretName(stage)),
    },
    secretValues: {
      [ids.credentialsArn]: JSON.stringify(credentials),
      [ids.connectionArn]: JSON.stringify(connection),
    },
    secretVersions: {
      [ids.credentialsArn]: [
        {
          VersionId: currentVersion,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: lastRotated,
          LastAccessedDate: new Date(now.getTime() - 60 * 60_000),
          KmsKeyIds: [ids.keyArn],
        },
        {
          VersionId: previousVersion,
          VersionStages: ['AWSPREVIOUS'],
          CreatedDate: new Date('2026-11-20T09:14:00.000Z'),
          KmsKeyIds: [ids.keyArn],
        },
      ],
    },
    subscriptions: [
      {
        SubscriptionArn: `${ids.alarmTopic}:3f1c2a9e-6b4d-4e8f-9a6b-2c5d8e1f0a3b`,
        Owner: ACCOUNT,
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: ids.alarmTopic,
      },
    ],
    probe: {
      payload: {
        ok: true,
        serverVersion: '15.10',
        serverMajor: 15,
        encrypted: true,
        tlsVersion: 'TLSv1.3',
        database: DATABASE_NAME,
        user: APP_USERNAME,
        superuser: false,
        canCreateRoles: false,
        schemaVersion: 'none',
        connectMillis: 48.6,
        queryMillis: 2.1,
      },
    },
  };
}

function summary(logicalId: string, physicalId: string, type: string): StackResourceSummary {
  return {
    LogicalResourceId: logicalId,
    PhysicalResourceId: physicalId,
    ResourceType: type,
    LastUpdatedTimestamp: new Date('2026-11-24T16:02:30.000Z'),
    ResourceStatus: 'UPDATE_COMPLETE',
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

export const mocks = {
  cloudFormation: mockClient(CloudFormationClient),
  rds: mockClient(RDSClient),
  ec2: mockClient(EC2Client),
  kms: mockClient(KMSClient),
  secretsManager: mockClient(SecretsManagerClient),
  lambda: mockClient(LambdaClient),
  sns: mockClient(SNSClient),
};

export function resetMocks(): void {
  for (const mock of Object.values(mocks)) mock.reset();
}

/** Answers every call the way AWS would for `deployment`. */
export function serve(deployment: Deployment): void {
  resetMocks();
  const { stack } = deployment;
  mocks.cloudFormation
    .on(DescribeStacksCommand, { StackName: stack.StackName })
    .resolves({ Stacks: [stack] });
  mocks.cloudFormation.on(GetTemplateCommand).resolves({
    TemplateBody: JSON.stringify(deployment.template),
    StagesAvailable: ['Original', 'Processed'],
  });
  mocks.cloudFormation
    .on(ListStackResourcesCommand)
    .resolves({ StackResourceSummaries: deployment.resources });
  mocks.rds
    .on(DescribeDBInstancesCommand, {
      DBInstanceIdentifier: deployment.instance.DBInstanceIdentifier,
    })
    .resolves({ DBInstances: [deployment.instance] });
  mocks.rds.on(DescribeDBParametersCommand).resolves({ Parameters: deployment.parameters });
  mocks.ec2
    .on(DescribeSecurityGroupsCommand, { GroupIds: [deployment.databaseGroup.GroupId as string] })
    .resolves({ SecurityGroups: [deployment.databaseGroup] });
  mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: deployment.key });
  mocks.kms.on(GetKeyRotationStatusCommand).resolves(deployment.rotation);
  for (const [arn, secret] of Object.entries(deployment.secrets)) {
    mocks.secretsManager.on(DescribeSecretCommand, { SecretId: arn }).resolves(secret);
  }
  for (const [arn, versions] of Object.entries(deployment.secretVersions)) {
    mocks.secretsManager
      .on(ListSecretVersionIdsCommand, { SecretId: arn })
      .resolves({ ARN: arn, Name: deployment.secrets[arn]?.Name, Versions: versions });
  }
  mocks.sns
    .on(ListSubscriptionsByTopicCommand, {
      TopicArn: deployment.stack.Outputs?.find((o) => o.OutputKey === 'AlarmTopicArn')?.OutputValue,
    })
    .resolves({ Subscriptions: deployment.subscriptions });
  for (const [arn, value] of Object.entries(deployment.secretValues)) {
    mocks.secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({
      ARN: arn,
      Name: deployment.secrets[arn]?.Name,
      VersionId: 'b1c2d3e4-5f60-4718-9a0b-1c2d3e4f5a6b',
      SecretString: value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-11-24T16:02:01.000Z'),
    });
  }
  mocks.lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    ...(deployment.probe.functionError !== undefined && {
      FunctionError: deployment.probe.functionError,
    }),
    Payload: new TextEncoder().encode(
      JSON.stringify(deployment.probe.payload),
    ) as InvokeCommandOutput['Payload'],
  });
}

// Re-exported so the tests built on this fixture import from one place.
export { runCli, type CliRun } from '../support/run-cli.js';

/** Static credentials for the SDK's environment provider: nothing leaves the machine. */
export function useFakeCredentials(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_PROFILE', undefined);
}
