import type { Stage } from '../../shared/names.js';
import type { StageConfig } from './stage-config.js';

/**
 * The values of each stage, in one place. Any field can be overridden for one synth with CDK
 * context, `-c spendsense:<stage>:<field>=<value>` (a nested one by its dotted name, such as
 * `accessHost.enabled`), and is validated the same way.
 */
export const STAGE_CONFIGS: Readonly<Record<Stage, StageConfig>> = {
  dev: {
    stage: 'dev',
    instanceClass: 'db.t3.micro',
    engineMajorVersion: 15,
    storageType: 'gp3',
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    multiAz: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    preferredBackupWindow: '03:00-03:30',
    preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
    logRetentionDays: 30,
    retainLogsOnDelete: false,
    secretsManagerEndpointAzs: 1,
    // Private by default; a developer opts in with their own address (docs/database.md).
    clientCidrs: [],
    // On in dev too: dev rehearses what prod runs, and every dev deployment rotates once, proving
    // the function reaches Secrets Manager and the database before prod depends on it.
    rotation: { enabled: true, days: 30 },
    // Opt-in: the host and its public address cost about $7.40 a month (docs/operations.md).
    accessHost: { enabled: false },
    alarms: { emailAddresses: [] },
    proxy: { enabled: false },
  },
  prod: {
    stage: 'prod',
    instanceClass: 'db.t3.micro',
    engineMajorVersion: 15,
    storageType: 'gp3',
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    multiAz: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    preferredBackupWindow: '03:00-03:30',
    preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
    logRetentionDays: 365,
    retainLogsOnDelete: true,
    secretsManagerEndpointAzs: 2,
    clientCidrs: [],
    rotation: { enabled: true, days: 30 },
    accessHost: { enabled: false },
    alarms: { emailAddresses: [] },
    proxy: { enabled: true },
  },
};
