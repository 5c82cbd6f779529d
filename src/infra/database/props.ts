import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { INSTANCE_CLASS_ALLOWED, isDatabaseInstanceClass } from '../../shared/instance-classes.js';
import type { Stage } from '../../shared/names.js';

export interface SpendSenseDatabaseProps {
  /** The stage; it names the instance, the secrets and the log groups. */
  readonly stage: Stage;

  /**
   * The instance class. The alarm thresholds derive from it, so it must be a class of the
   * instance class table (t3, t4g and the m, r, x2 and z1d families; src/shared/instance-classes.ts).
   * @default - db.t3.micro
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Storage provisioned at creation, in GiB (gp3).
   * @default 20
   */
  readonly allocatedStorageGiB?: number;

  /**
   * The storage autoscaling cap, in GiB. Must be greater than `allocatedStorageGiB`.
   * @default 50
   */
  readonly maxAllocatedStorageGiB?: number;

  /**
   * Run a standby in a second Availability Zone.
   * @default false
   */
  readonly multiAz?: boolean;

  /**
   * Refuse to delete the instance. Whatever this says, deleting the instance takes a final
   * snapshot (removal policy SNAPSHOT).
   * @default false
   */
  readonly deletionProtection?: boolean;

  /**
   * How long automated backups (point-in-time recovery) are kept: 1 to 35 days.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;

  /**
   * Daily backup window, UTC, `hh24:mi-hh24:mi`.
   * @default '03:00-03:30'
   */
  readonly preferredBackupWindow?: string;

  /**
   * Weekly maintenance window, UTC, `ddd:hh24:mi-ddd:hh24:mi`; must not overlap the backup window.
   * @default 'sun:04:00-sun:04:30'
   */
  readonly preferredMaintenanceWindow?: string;

  /**
   * Retention of every log group of the construct (database exports, flow logs, probe,
   * rotation).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when the stack is deleted. `RemovalPolicy.SNAPSHOT` is not
   * supported by log groups.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The VPC's two Availability Zones, each by name (`us-east-1b`) or by zone ID (`use1-az1`,
   * the same physical zone in every account). RDS Proxy is not offered in every zone ID
   * (`spendsense-db preflight` checks). Choose before the first deploy: other zones replace the
   * subnets, and everything in them.
   * @default - the region's first two, chosen by CloudFormation at deploy time (`Fn::GetAZs`)
   */
  readonly availabilityZones?: readonly string[];

  /**
   * How many Availability Zones get an interface of the Secrets Manager endpoint: 1 or 2.
   * @default 2
   */
  readonly secretsManagerEndpointAzs?: number;

  /**
   * Reserved concurrency of the probe function, a whole number of at least 1. A reservation can
   * fail the first deploy in a new account (Lambda keeps a minimum unreserved; see
   * `spendsense-db preflight`).
   * @default - no reservation
   */
  readonly probeReservedConcurrency?: number;

  /**
   * Reserved concurrency of the rotation function, a whole number of at least 10. Only with
   * `passwordRotation`. Same caveat as `probeReservedConcurrency`.
   * @default - no reservation
   */
  readonly rotationReservedConcurrency?: number;

  /**
   * Rotate the master password on a schedule with the stack's rotation function, which rewrites
   * the connection secret in the same rotation. Every deployment that creates or changes the
   * schedule rotates once.
   * @default true
   */
  readonly passwordRotation?: boolean;

  /**
   * Time between two rotations: a whole number of days from 1 to 1000. Only with
   * `passwordRotation`.
   * @default Duration.days(30)
   */
  readonly passwordRotationInterval?: Duration;

  /**
   * Run an SSM-managed access host (t4g.nano, no inbound rule, no key pair) that
   * `spendsense-db tunnel` forwards a local port through: the one way from a laptop to the
   * database, which is never publicly accessible. Adds public subnets to the VPC, the host's only
   * way to Systems Manager without a NAT gateway; the database stays in the isolated subnets.
   * @default false
   */
  readonly accessHost?: boolean;

  /**
   * Email addresses subscribed to the alarm topic; each confirms its subscription first.
   * @default - none: the topic can be subscribed to later
   */
  readonly alarmEmailAddresses?: readonly string[];

  /**
   * Put an RDS Proxy (TLS required, IAM authentication end to end) in front of the instance.
   * The application connection descriptor then names the proxy, so SpendSense Lambdas and the
   * probe connect through it; the rotation, the bootstrap and operators keep using the
   * instance endpoint.
   * @default false
   */
  readonly proxy?: boolean;
}

/** Props whose default is "none". */
type OptionalProps =
  'passwordRotationInterval' | 'probeReservedConcurrency' | 'rotationReservedConcurrency';

/** The props with every default applied. */
export type ResolvedProps = Required<Omit<SpendSenseDatabaseProps, OptionalProps>> & {
  /** `undefined` when rotation is off. */
  readonly passwordRotationInterval: Duration | undefined;
  /** `undefined`: no reservation. */
  readonly probeReservedConcurrency: number | undefined;
  readonly rotationReservedConcurrency: number | undefined;
};

/**
 * Applies the documented defaults and rejects props that contradict each other or a guarantee
 * of the construct, naming the props and the bad value.
 */
export function resolveProps(props: SpendSenseDatabaseProps): ResolvedProps {
  const resolved: ResolvedProps = {
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    multiAz: false,
    deletionProtection: false,
    backupRetention: Duration.days(7),
    preferredBackupWindow: '03:00-03:30',
    preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
    logRetention: logs.RetentionDays.ONE_MONTH,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    secretsManagerEndpointAzs: 2,
    availabilityZones: [],
    passwordRotation: true,
    accessHost: false,
    alarmEmailAddresses: [],
    proxy: false,
    ...withoutUndefined(props),
    stage: props.stage,
    probeReservedConcurrency: props.probeReservedConcurrency,
    rotationReservedConcurrency: props.rotationReservedConcurrency,
    passwordRotationInterval:
      props.passwordRotation === false
        ? props.passwordRotationInterval
        : (props.passwordRotationInterval ?? Duration.days(30)),
  };

  if (!resolved.passwordRotation && resolved.passwordRotationInterval !== undefined) {
    throw new Error(
      `\`passwordRotationInterval\` can only be set with \`passwordRotation\`. Got ${resolved.passwordRotationInterval.toHumanString()} with rotation off.`,
    );
  }
  const interval = resolved.passwordRotationInterval;
  if (interval !== undefined && !interval.isUnresolved()) {
    const days = interval.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 1000) {
      throw new Error(
        `\`passwordRotationInterval\` must be a whole number of days from 1 to 1000. Got ${interval.toHumanString()}.`,
      );
    }
  }
  const probeReservation = resolved.probeReservedConcurrency;
  if (
    probeReservation !== undefined &&
    !(Number.isInteger(probeReservation) && probeReservation >= 1)
  ) {
    throw new Error(
      `\`probeReservedConcurrency\` must be a whole number of at least 1 (leave it out to reserve nothing). Got ${probeReservation}.`,
    );
  }
  if (resolved.rotationReservedConcurrency !== undefined && !resolved.passwordRotation) {
    throw new Error(
      `\`rotationReservedConcurrency\` can only be set with \`passwordRotation\`. Got ${resolved.rotationReservedConcurrency} with rotation off.`,
    );
  }
  const instanceClass = `db.${resolved.instanceType.toString()}`;
  if (!isDatabaseInstanceClass(instanceClass)) {
    throw new Error(
      `\`instanceType\` must be ${INSTANCE_CLASS_ALLOWED}, without the db. prefix: the alarm thresholds derive from it. Got ${resolved.instanceType.toString()}.`,
    );
  }

  const { allocatedStorageGiB: allocated, maxAllocatedStorageGiB: cap } = resolved;
  if (allocated < 20) {
    throw new Error(
      `\`allocatedStorageGiB\` must be at least 20 for gp3 storage. Got ${allocated}.`,
    );
  }
  if (cap <= allocated) {
    throw new Error(
      `\`maxAllocatedStorageGiB\` must be greater than \`allocatedStorageGiB\` (${allocated}). Got ${cap}.`,
    );
  }
  if (!Token.isUnresolved(resolved.backupRetention)) {
    const days = resolved.backupRetention.toDays();
    if (days < 1 || days > 35) {
      throw new Error(
        `\`backupRetention\` must be 1 to 35 days: 0 would turn backups off. Got ${days} days.`,
      );
    }
  }
  const zones = resolved.availabilityZones;
  if (zones.length !== 0 && !(zones.length === 2 && zones[0] !== zones[1])) {
    throw new Error(
      `\`availabilityZones\` must name two different zones (or be empty for the region's first two). Got ${JSON.stringify(zones)}.`,
    );
  }
  const endpointAzs = resolved.secretsManagerEndpointAzs;
  if (endpointAzs !== 1 && endpointAzs !== 2) {
    throw new Error(
      `\`secretsManagerEndpointAzs\` must be 1 or 2 (the VPC has two AZs). Got ${endpointAzs}.`,
    );
  }
  if (resolved.logRemovalPolicy === RemovalPolicy.SNAPSHOT) {
    throw new Error(
      '`logRemovalPolicy` cannot be `RemovalPolicy.SNAPSHOT`: log groups have no snapshots.',
    );
  }
  return resolved;
}

/** `{ a: undefined }` must not override a default. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
