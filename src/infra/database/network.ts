import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { isZoneId } from '../config/availability-zones.js';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.js';

export interface DatabaseNetworkProps {
  /** Where the flow logs go: `/spendsense/<stage>/database/vpc-flow-logs`. */
  readonly flowLogGroupName: string;
  readonly logs: LogGroupSettings;
  /**
   * Adds a public subnet per AZ (and an internet gateway) for the access host. The isolated
   * subnets come first, so adding the public ones later leaves their address ranges, and
   * everything placed in them, unchanged.
   */
  readonly publicSubnets: boolean;
  /**
   * Two zones by name or zone ID.
   * @default - the region's first two (`Fn::GetAZs`)
   */
  readonly availabilityZones?: readonly string[];
}

/**
 * The stage's own VPC: two AZs, no NAT gateway (nothing here calls the internet; Secrets
 * Manager is reached through an interface endpoint), flow logs of all traffic.
 */
export class DatabaseNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly isolatedSubnets: ec2.ISubnet[];
  readonly flowLog: ec2.FlowLog;
  readonly flowLogRole: iam.Role;

  constructor(scope: Construct, id: string, props: DatabaseNetworkProps) {
    super(scope, id);

    const zones = props.availabilityZones ?? [];
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      ...(zones.length > 0 ? { availabilityZones: [...zones] } : { maxAzs: 2 }),
      natGateways: 0,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ...(props.publicSubnets
          ? [
              {
                name: 'Public',
                subnetType: ec2.SubnetType.PUBLIC,
                cidrMask: 24,
                // The access host asks for its address; nothing else here should get one.
                mapPublicIpOnLaunch: false,
              },
            ]
          : []),
      ],
    });
    this.isolatedSubnets = this.vpc.isolatedSubnets;
    placeByZoneId([...this.vpc.isolatedSubnets, ...this.vpc.publicSubnets]);

    const logGroup = encryptedLogGroup(this, 'FlowLogGroup', props.flowLogGroupName, props.logs);
    this.flowLogRole = new iam.Role(this, 'FlowLogRole', {
      description: 'VPC flow logs: deliver to the stage flow log group',
      // Only flow logs of this account may assume it (confused-deputy protection).
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: {
          'aws:SourceArn': `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc-flow-log/*`,
        },
      }),
    });
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'VPC flow logs: deliver to the stage flow log group',
      roles: [this.flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    this.flowLog = this.vpc.addFlowLog('FlowLog', {
      // Without policy updates: CDK would otherwise add the same grant as an inline policy.
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        logGroup,
        this.flowLogRole.withoutPolicyUpdates(),
      ),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}

/**
 * The VPC construct knows zones by name only; a subnet given a zone ID (`use1-az1`) is placed
 * with `AvailabilityZoneId` instead, which CloudFormation resolves in the account deploying.
 */
function placeByZoneId(subnets: readonly ec2.ISubnet[]): void {
  for (const subnet of subnets) {
    if (!isZoneId(subnet.availabilityZone)) continue;
    const resource = subnet.node.defaultChild as ec2.CfnSubnet;
    resource.availabilityZone = undefined;
    resource.availabilityZoneId = subnet.availabilityZone;
  }
}
