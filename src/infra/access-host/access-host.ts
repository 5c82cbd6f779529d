import { Arn, Aws, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DATABASE_PORT, PORT_FORWARDING_DOCUMENT } from '../../shared/names.js';
import { acknowledgeAccessHostFindings } from './acknowledgements.js';

/** Amazon Linux 2023 images boot from an 8 GiB snapshot on this device. */
const ROOT_DEVICE = '/dev/xvda';
const MIN_ROOT_VOLUME_GIB = 8;

export interface AccessHostProps {
  /** The VPC of the database. */
  readonly vpc: ec2.IVpc;

  /**
   * Where the host runs. It must be a public subnet: the VPC has no NAT gateway, and the
   * Systems Manager agent reaches its service over HTTPS through the internet gateway.
   * @default - the VPC's public subnets (the host uses one)
   */
  readonly subnets?: ec2.SubnetSelection;

  /** The database's security group: it gains an ingress rule from the host on `databasePort`. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;

  /**
   * The port the database listens on.
   * @default 5432
   */
  readonly databasePort?: number;

  /** Encrypts the root volume (the stage key). */
  readonly encryptionKey: kms.IKey;

  /**
   * The instance type. Must be a Graviton (arm64) type: the image is Amazon Linux 2023 for arm64.
   * @default - t4g.nano, the smallest Graviton instance
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Size of the encrypted gp3 root volume, in GiB; at least 8 (the image's snapshot).
   * @default 8
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * The instance's `Name` tag, shown in the EC2 and Systems Manager consoles.
   * @default - the construct path
   */
  readonly instanceName?: string;
}

/**
 * An SSM-managed host a developer forwards a local port through to reach a private database
 * (`spendsense-db tunnel`). Nothing can connect to it: its security group has no inbound rule,
 * it has no key pair, and Session Manager sessions arrive over the agent's own outbound HTTPS
 * connection, authorized by IAM and recorded by CloudTrail.
 *
 * It runs in a public subnet with a public address rather than in an isolated subnet with
 * Systems Manager interface endpoints: the agent needs three endpoints (ssm, ssmmessages,
 * ec2messages) at $0.01/hour per AZ each, about $22/month in one AZ, against about $3.65/month
 * for a public IPv4 address. The address adds no listener and no inbound path, so the
 * exposure it adds is only that the host's outbound HTTPS leaves through the internet gateway.
 */
export class AccessHost extends Construct {
  /** The EC2 instance id: the `--target` of `aws ssm start-session`. */
  readonly instanceId: string;
  readonly instance: ec2.Instance;
  /** Admits nothing; lets the host out on HTTPS and to the database port only. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The instance role: Systems Manager core permissions, nothing else. */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: AccessHostProps) {
    super(scope, id);
    const instanceType =
      props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO);
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? MIN_ROOT_VOLUME_GIB;
    const databasePort = props.databasePort ?? DATABASE_PORT;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PUBLIC };
    validateProps(props.vpc, subnets, instanceType, rootVolumeSizeGiB, databasePort);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description:
        'SpendSense access host: no inbound; out to Systems Manager (HTTPS) and the database port',
      allowAllOutbound: false,
    });
    // Systems Manager's public endpoints have no published prefix list, so HTTPS goes to any
    // address. The Amazon DNS resolver and the time service are not filtered by security groups.
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'Systems Manager agent and package updates (HTTPS)',
    );
    // Both halves: egress here, ingress on the database group from this group only.
    this.securityGroup.connections.allowTo(
      props.databaseSecurityGroup,
      ec2.Port.tcp(databasePort),
      'SpendSense access host to PostgreSQL (port forwarding)',
    );

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: subnets,
      instanceType,
      machineImage: ec2.MachineImage.latestAmazonLinux2023({
        cpuType: ec2.AmazonLinuxCpuType.ARM_64,
      }),
      securityGroup: this.securityGroup,
      associatePublicIpAddress: true,
      // Adds exactly the AmazonSSMManagedInstanceCore managed policy to the role.
      ssmSessionPermissions: true,
      requireImdsv2: true,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: ROOT_DEVICE,
          volume: ec2.BlockDeviceVolume.ebs(rootVolumeSizeGiB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            kmsKey: props.encryptionKey,
            deleteOnTermination: true,
          }),
        },
      ],
      propagateTagsToVolumeOnCreation: true,
      ...(props.instanceName !== undefined && { instanceName: props.instanceName }),
    });
    // The subnet decides the zone. The instance construct would also name it, which breaks for a
    // subnet placed by zone ID (the name is only known in the deploying account).
    (this.instance.node.defaultChild as ec2.CfnInstance).addPropertyDeletionOverride(
      'AvailabilityZone',
    );
    this.instanceId = this.instance.instanceId;
    this.role = this.instance.role;

    acknowledgeAccessHostFindings(this);
  }

  /**
   * Lets `grantee` forward ports through this host, and nothing else: start a session on this
   * one instance with the port-forwarding document only, and end or resume its own sessions.
   */
  grantPortForwarding(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const start = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:StartSession'],
      resourceArns: [
        stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: this.instanceId }),
        Arn.format({
          partition: Aws.PARTITION,
          service: 'ssm',
          region: Aws.REGION,
          account: '',
          resource: 'document',
          resourceName: PORT_FORWARDING_DOCUMENT,
        }),
      ],
      conditions: { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
    });
    const own = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
      resourceArns: [
        stack.formatArn({ service: 'ssm', resource: 'session', resourceName: '${aws:userid}-*' }),
      ],
    });
    return start.combine(own);
  }
}

function validateProps(
  vpc: ec2.IVpc,
  subnets: ec2.SubnetSelection,
  instanceType: ec2.InstanceType,
  rootVolumeSizeGiB: number,
  databasePort: number,
): void {
  if (instanceType.architecture !== ec2.InstanceArchitecture.ARM_64) {
    throw new Error(
      `\`instanceType\` must be a Graviton (arm64) type: the image is Amazon Linux 2023 for arm64. Got ${instanceType.toString()}.`,
    );
  }
  if (!Token.isUnresolved(rootVolumeSizeGiB) && rootVolumeSizeGiB < MIN_ROOT_VOLUME_GIB) {
    throw new Error(
      `\`rootVolumeSizeGiB\` must be at least ${MIN_ROOT_VOLUME_GIB}, the size of the image's snapshot. Got ${rootVolumeSizeGiB}.`,
    );
  }
  if (
    !Token.isUnresolved(databasePort) &&
    !(Number.isInteger(databasePort) && databasePort >= 1 && databasePort <= 65535)
  ) {
    throw new Error(`\`databasePort\` must be an integer from 1 to 65535. Got ${databasePort}.`);
  }
  const problem = publicSubnetProblem(vpc, subnets);
  if (problem !== undefined) {
    throw new Error(
      `\`subnets\` must select public subnets: the VPC has no NAT gateway, and the Systems Manager agent reaches its service through the internet gateway. Got ${problem}.`,
    );
  }
}

/** What is wrong with the selection, or `undefined` when it selects public subnets. */
function publicSubnetProblem(vpc: ec2.IVpc, subnets: ec2.SubnetSelection): string | undefined {
  let selected: ec2.SelectedSubnets;
  try {
    selected = vpc.selectSubnets(subnets);
  } catch (error) {
    // selectSubnets throws when the VPC has no subnet of the requested type at all.
    return `no subnets (${error instanceof Error ? error.message : String(error)})`;
  }
  if (selected.subnets.length === 0) return 'no subnets';
  return selected.hasPublic ? undefined : 'subnets without a route to an internet gateway';
}
