import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DATABASE_CA_IDENTIFIER, DATABASE_NAME, DATABASE_PORT } from '../../shared/names.js';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.js';
import type { EnhancedMonitoringRole } from './monitoring-role.js';
import type { ResolvedProps } from './props.js';

/** What RDS exports to CloudWatch Logs. */
export const LOG_EXPORTS = ['postgresql', 'upgrade'] as const;

export interface DatabaseInstanceParts {
  readonly instanceIdentifier: string;
  readonly engine: rds.IInstanceEngine;
  readonly parameterGroup: rds.IParameterGroup;
  readonly credentials: secretsmanager.ISecret;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly logs: LogGroupSettings;
  readonly monitoring: EnhancedMonitoringRole;
}

/**
 * The RDS instance, in the isolated subnets and never publicly accessible: laptops reach it
 * through `spendsense-db tunnel` (the access host), Lambdas from the Lambda security group.
 */
export function createDatabaseInstance(
  scope: Construct,
  props: ResolvedProps,
  parts: DatabaseInstanceParts,
): rds.DatabaseInstance {
  // Created before the instance so RDS exports into encrypted groups with a retention
  // instead of creating unencrypted ones that keep logs forever.
  const exportLogGroups = LOG_EXPORTS.map((name) =>
    encryptedLogGroup(
      scope,
      `${name[0]?.toUpperCase()}${name.slice(1)}LogGroup`,
      `/aws/rds/instance/${parts.instanceIdentifier}/${name}`,
      parts.logs,
    ),
  );

  const instance = new rds.DatabaseInstance(scope, 'Instance', {
    instanceIdentifier: parts.instanceIdentifier,
    engine: parts.engine,
    instanceType: props.instanceType,
    parameterGroup: parts.parameterGroup,
    credentials: rds.Credentials.fromSecret(parts.credentials),
    databaseName: DATABASE_NAME,
    port: DATABASE_PORT,
    vpc: parts.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    publiclyAccessible: false,
    securityGroups: [parts.securityGroup],
    caCertificate: rds.CaCertificate.of(DATABASE_CA_IDENTIFIER),
    iamAuthentication: true,
    storageType: rds.StorageType.GP3,
    allocatedStorage: props.allocatedStorageGiB,
    maxAllocatedStorage: props.maxAllocatedStorageGiB,
    storageEncrypted: true,
    storageEncryptionKey: parts.encryptionKey,
    multiAz: props.multiAz,
    autoMinorVersionUpgrade: true,
    backupRetention: props.backupRetention,
    preferredBackupWindow: props.preferredBackupWindow,
    preferredMaintenanceWindow: props.preferredMaintenanceWindow,
    copyTagsToSnapshot: true,
    deleteAutomatedBackups: false,
    deletionProtection: props.deletionProtection,
    removalPolicy: RemovalPolicy.SNAPSHOT,
    cloudwatchLogsExports: [...LOG_EXPORTS],
    // OS metrics (CPU credits, memory, swap) that matter on a burstable micro instance.
    monitoringInterval: Duration.seconds(60),
    monitoringRole: parts.monitoring.role,
  });
  exportLogGroups.forEach((logGroup) => instance.node.addDependency(logGroup));
  // Publishing starts with the instance: the role's permissions must be there by then.
  instance.node.addDependency(parts.monitoring.policy);
  return instance;
}
