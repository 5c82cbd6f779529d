import {
  AspectPriority,
  Aspects,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { LogRetentionCheck } from '../alarms/log-retention-check.js';
import type { StageConfig } from '../config/stage-config.js';
import {
  SpendSenseDatabase,
  type SpendSenseDatabaseProps,
} from '../database/spendsense-database.js';
import { addDatabaseOutputs } from './outputs.js';

export interface DatabaseStackProps extends StackProps {
  /** A validated stage configuration (see `loadStageConfigs`). */
  readonly config: StageConfig;
}

/** The configured reservations as construct props: 0 in the configuration reserves nothing. */
function reservations(
  config: StageConfig,
): Pick<SpendSenseDatabaseProps, 'probeReservedConcurrency' | 'rotationReservedConcurrency'> {
  const { probe, rotation } = config.reservedConcurrency;
  return {
    ...(probe > 0 && { probeReservedConcurrency: probe }),
    ...(rotation > 0 && { rotationReservedConcurrency: rotation }),
  };
}

/** One stage of the SpendSense database: the construct, configured from the stage config. */
export class DatabaseStack extends Stack {
  readonly database: SpendSenseDatabase;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    const { config, ...stackProps } = props;
    super(scope, id, {
      description: `SpendSense ${config.stage} PostgreSQL ${config.engineMajorVersion} on RDS (story 1.3)`,
      // A stage that refuses to delete its database refuses to delete its stack too.
      terminationProtection: config.deletionProtection,
      ...stackProps,
      tags: { Project: 'SpendSense', Stage: config.stage, ...stackProps.tags },
    });

    this.database = new SpendSenseDatabase(this, 'Database', {
      stage: config.stage,
      instanceType: new ec2.InstanceType(config.instanceClass.replace(/^db\./, '')),
      allocatedStorageGiB: config.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.maxAllocatedStorageGiB,
      multiAz: config.multiAz,
      deletionProtection: config.deletionProtection,
      backupRetention: Duration.days(config.backupRetentionDays),
      preferredBackupWindow: config.preferredBackupWindow,
      preferredMaintenanceWindow: config.preferredMaintenanceWindow,
      logRetention: config.logRetentionDays,
      // Not on a failed first create (RetainExceptOnCreate): nothing worth keeping was logged.
      logRemovalPolicy: config.retainLogsOnDelete
        ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
        : RemovalPolicy.DESTROY,
      secretsManagerEndpointAzs: config.secretsManagerEndpointAzs,
      availabilityZones: config.availabilityZones,
      passwordRotation: config.rotation.enabled,
      ...(config.rotation.enabled && {
        passwordRotationInterval: Duration.days(config.rotation.days),
      }),
      accessHost: config.accessHost.enabled,
      alarmEmailAddresses: config.alarms.emailAddresses,
      proxy: config.proxy.enabled,
      ...reservations(config),
    });

    addDatabaseOutputs(this, this.database);
    // Read-only: runs after every aspect that may add resources, log groups included.
    Aspects.of(this).add(new LogRetentionCheck(), { priority: AspectPriority.READONLY });
  }
}
