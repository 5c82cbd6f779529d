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
    // The region's first two; name them (or their zone IDs) when preflight says to.
    availabilityZones: [],
    // On in dev too: dev rehearses what prod runs, and every dev deployment rotates once, proving
    // the function reaches Secrets Manager and the database before prod depends on it.
    rotation: { enabled: true, days: 30 },
    // On: acceptance criterion 6 (connect from a laptop) works against the real dev database out
    // of the box, through `spendsense-db tunnel`; the database itself is never public.
    accessHost: { enabled: true },
    alarms: { emailAddresses: [] },
    proxy: { enabled: false },
    // None: a new account's Lambda quota (10) leaves nothing to reserve (docs/database.md).
    reservedConcurrency: { probe: 0, rotation: 0 },
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
    // RDS Proxy is not offered in every zone ID: preflight checks the two the stack would use.
    availabilityZones: [],
    rotation: { enabled: true, days: 30 },
    // Opt-in: production data is reached from a laptop only when someone decides it must be.
    accessHost: { enabled: false },
    alarms: { emailAddresses: [] },
    proxy: { enabled: true },
    reservedConcurrency: { probe: 0, rotation: 0 },
  },
};
