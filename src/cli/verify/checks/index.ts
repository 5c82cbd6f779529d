import type { RegisteredCheck } from '../finding.js';
import { alarmSubscribersCheck } from './alarm-subscribers.js';
import { backupRetentionCheck } from './backup-retention.js';
import { connectionSecretCheck } from './connection-secret.js';
import { deletionSafeguardsCheck } from './deletion-safeguards.js';
import { instanceCheck } from './instance.js';
import { keyRotationCheck } from './key-rotation.js';
import { localConnectionCheck } from './local-connection.js';
import { pointInTimeRecoveryCheck } from './point-in-time-recovery.js';
import { probeCheck } from './probe.js';
import { publicAccessCheck } from './public-access.js';
import { rotationHealthCheck } from './rotation-health.js';
import { schemaVersionCheck } from './schema-version.js';
import { secretEncryptionCheck } from './secret-encryption.js';
import { securityGroupRulesCheck } from './security-group-rules.js';
import { stackOutputsCheck } from './stack-outputs.js';
import { storageEncryptionCheck } from './storage-encryption.js';
import { tlsForcedCheck } from './tls-forced.js';

/**
 * Every check `verify` runs, in report order (by acceptance criterion), with its severity when a
 * failure should only warn.
 */
export const CHECKS: readonly RegisteredCheck[] = [
  { check: instanceCheck },
  { check: backupRetentionCheck },
  { check: pointInTimeRecoveryCheck },
  { check: deletionSafeguardsCheck },
  { check: securityGroupRulesCheck },
  { check: probeCheck },
  { check: secretEncryptionCheck },
  { check: connectionSecretCheck },
  { check: rotationHealthCheck },
  { check: stackOutputsCheck },
  { check: localConnectionCheck },
  { check: storageEncryptionCheck },
  { check: keyRotationCheck },
  { check: tlsForcedCheck },
  { check: publicAccessCheck },
  // Dev may run without anyone listening; prod may not.
  { check: alarmSubscribersCheck, severity: { dev: 'warn', prod: 'fail' } },
  { check: schemaVersionCheck },
];
