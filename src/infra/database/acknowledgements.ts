import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { acknowledge } from '../compliance/acknowledge.js';
import { acknowledgeUnreservedConcurrency } from '../lambda/acknowledgements.js';
import type { EnhancedMonitoringRole } from './monitoring-role.js';
import type { DatabaseNetwork } from './network.js';
import type { ProbeFunction } from './probe-function.js';

export interface AcknowledgedParts {
  readonly instance: rds.DatabaseInstance;
  readonly monitoring: EnhancedMonitoringRole;
  readonly credentialsSecret: secretsmanager.ISecret;
  readonly connectionSecret: secretsmanager.ISecret;
  readonly probe: ProbeFunction;
  readonly network: DatabaseNetwork;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  /** The credentials secret has a rotation schedule. */
  readonly passwordRotation: boolean;
  /** The access host (in the public subnets) exists. */
  readonly accessHost: boolean;
  /** The probe function reserves concurrency. */
  readonly probeReservedConcurrency: boolean;
}

const SECRET_ROTATION_RULES = ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'];
const IGW_ROUTE_RULES = [
  'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
  'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW',
];

const ACCESS_HOST_ROUTE =
  "The access host's Systems Manager agent reaches its service over HTTPS through the internet gateway (the VPC has no NAT gateway, and a public address costs less than three interface endpoints); this route exists only while the access host is enabled, and the host's security group admits nothing inbound. Nothing else runs in these subnets and none gives a public address on launch.";

const ENHANCED_MONITORING_STREAMS =
  'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:RDSOSMetrics:*';

/**
 * Every cdk-nag finding the SpendSense database accepts, each on the narrowest construct and
 * with the reason a reviewer needs. Each one is listed in docs/database.md (a test checks).
 */
export function acknowledgeFindings(parts: AcknowledgedParts): void {
  const { instance, probe } = parts;

  acknowledge(
    instance,
    'AwsSolutions-RDS11',
    'PostgreSQL listens on 5432, the port the runtime module, the CLI and the local database share. The instance is never publicly accessible and admits only the Lambda, RDS Proxy and access host security groups, and requires TLS and SCRAM; a non-default port would not stop anyone who can reach it.',
  );
  acknowledge(
    instance,
    'NIST.800.53.R5-RDSInBackupPlan',
    'Recovery relies on RDS automated backups (7 days dev, 14+ prod, point-in-time restore to the second), automated backups kept after deletion and a final snapshot on delete. AWS Backup would add a second copy for cross-account or cross-region recovery, which no requirement asks for yet.',
  );

  if (!parts.multiAz) {
    const reason =
      'Single-AZ is a dev-only cost choice (Multi-AZ doubles the instance price); prod runs Multi-AZ and the stage configuration refuses prod without it. Dev data is disposable and backed up daily with point-in-time recovery.';
    acknowledge(instance, 'AwsSolutions-RDS3', reason);
    acknowledge(instance, 'NIST.800.53.R5-RDSMultiAZSupport', reason);
  }
  if (!parts.deletionProtection) {
    const reason =
      'Dev is torn down routinely. Deleting it still takes a final snapshot (removal policy SNAPSHOT) and keeps automated backups; prod has deletion protection and termination protection, and the stage configuration refuses prod without them.';
    acknowledge(instance, 'AwsSolutions-RDS10', reason);
    acknowledge(instance, 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled', reason);
  }

  if (parts.accessHost) {
    for (const subnet of parts.network.vpc.publicSubnets) {
      const route = subnet.node.findChild('DefaultRoute');
      for (const rule of IGW_ROUTE_RULES) acknowledge(route, rule, ACCESS_HOST_ROUTE);
    }
  }

  acknowledge(
    parts.monitoring.policy,
    `AwsSolutions-IAM5[${ENHANCED_MONITORING_STREAMS}]`,
    "`log-group:RDSOSMetrics:*` is the form of the log group's ARN IAM evaluates for log-group actions (CloudWatch Logs documents the bare form for tagging only); it also covers the group's streams, one per instance with enhanced monitoring, named by the instance's resource id, which the policy cannot name before the instance exists. Only the actions of the AWS-managed AmazonRDSEnhancedMonitoringRole, only this account and region, only the RDSOSMetrics group; the role trusts the RDS monitoring service for this account only.",
  );

  if (parts.passwordRotation) {
    // The credentials secret is rotated (compliant); the connection secret follows it.
    const reason =
      "No schedule of its own: the credentials rotation function rewrites this secret's password and url in the same rotation (in setSecret, right after the database accepts the new password), so it never lags the database.";
    for (const rule of SECRET_ROTATION_RULES) acknowledge(parts.connectionSecret, rule, reason);
  } else {
    const reason =
      'Rotation is switched off for this stage (stage configuration rotation.enabled, which prod refuses to turn off). The password is 32 random letters and digits generated by Secrets Manager, encrypted with the stage key, and readable only by roles granted this one secret; the connection secret would follow the credentials if rotation were on.';
    for (const secret of [parts.credentialsSecret, parts.connectionSecret]) {
      for (const rule of SECRET_ROTATION_RULES) acknowledge(secret, rule, reason);
    }
  }

  acknowledge(
    probe.function,
    'NIST.800.53.R5-LambdaDLQ',
    'The probe is invoked synchronously by `spendsense-db verify`, which receives its result or error directly; a dead-letter queue only applies to asynchronous invocations.',
  );
  if (!parts.probeReservedConcurrency) {
    acknowledgeUnreservedConcurrency(
      probe.function,
      'The probe runs once per `spendsense-db verify`',
    );
  }
}
