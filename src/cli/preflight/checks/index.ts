import { ExitCode } from '../../exit-codes.js';
import type { RegisteredPreflightCheck } from '../check.js';
import { bootstrapCheck } from './bootstrap.js';
import { credentialsCheck } from './credentials.js';
import { dataSafetyCheck } from './data-safety.js';
import { instanceDriftCheck } from './instance-drift.js';
import { lambdaConcurrencyCheck } from './lambda-concurrency.js';
import { logGroupNamesCheck } from './log-group-names.js';
import { parameterNamesCheck } from './parameter-names.js';
import { proxyZonesCheck } from './proxy-zones.js';
import { dbInstanceQuotaCheck } from './quota-db-instances.js';
import { elasticIpQuotaCheck } from './quota-elastic-ips.js';
import { interfaceEndpointQuotaCheck } from './quota-interface-endpoints.js';
import { internetGatewayQuotaCheck } from './quota-internet-gateways.js';
import { vpcQuotaCheck } from './quota-vpcs.js';
import { secretNamesCheck } from './secret-names.js';
import { stackStateCheck } from './stack-state.js';

/**
 * Every check `preflight` runs, in report order, with the exit code of its failure class and,
 * where a failure should only warn, its severity. The first failed line decides the exit code,
 * so the order is also the order of precedence: credentials, bootstrap, the stack, the data,
 * then capacity and names.
 */
export const PREFLIGHT_CHECKS: readonly RegisteredPreflightCheck[] = [
  { check: credentialsCheck, exitCode: ExitCode.AwsCredentialsMissing },
  { check: bootstrapCheck, exitCode: ExitCode.BootstrapMissing },
  { check: stackStateCheck, exitCode: ExitCode.StackNotDeployable },
  // A dev instance changed by hand is worth knowing about; in prod the deploy must not undo it.
  {
    check: instanceDriftCheck,
    exitCode: ExitCode.StackNotDeployable,
    severity: { dev: 'warn', prod: 'fail' },
  },
  { check: dataSafetyCheck, exitCode: ExitCode.ReplacementRefused },
  { check: lambdaConcurrencyCheck, exitCode: ExitCode.QuotaExceeded },
  { check: proxyZonesCheck, exitCode: ExitCode.UnsupportedZone },
  { check: vpcQuotaCheck, exitCode: ExitCode.QuotaExceeded },
  { check: interfaceEndpointQuotaCheck, exitCode: ExitCode.QuotaExceeded },
  { check: internetGatewayQuotaCheck, exitCode: ExitCode.QuotaExceeded },
  { check: dbInstanceQuotaCheck, exitCode: ExitCode.QuotaExceeded },
  { check: elasticIpQuotaCheck, exitCode: ExitCode.QuotaExceeded },
  { check: secretNamesCheck, exitCode: ExitCode.NameCollision },
  { check: parameterNamesCheck, exitCode: ExitCode.NameCollision },
  { check: logGroupNamesCheck, exitCode: ExitCode.NameCollision },
];
