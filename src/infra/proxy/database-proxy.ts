import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DATABASE_PORT } from '../../shared/names.js';
import { dbUserArn } from '../database/application-access.js';

export interface DatabaseProxyProps {
  /** The VPC of the database. */
  readonly vpc: ec2.IVpc;

  /**
   * Where the proxy's network interfaces go: private subnets in at least two Availability Zones
   * (RDS Proxy requires two; it is never publicly accessible).
   * @default - the VPC's isolated subnets
   */
  readonly subnets?: ec2.SubnetSelection;

  /** The instance the proxy pools connections to; it must have IAM authentication on. */
  readonly instance: rds.IDatabaseInstance;

  /**
   * The database user clients log in as, and the proxy with them: IAM authentication end to
   * end, with tokens, never a password.
   */
  readonly databaseUser: string;

  /** The groups admitted to the proxy on `databasePort` (the SpendSense Lambda group). */
  readonly clientSecurityGroups: readonly ec2.ISecurityGroup[];

  /**
   * The port the database and the proxy listen on: the instance's own port.
   * @default 5432
   */
  readonly databasePort?: number;

  /**
   * The share of the database's `max_connections` the proxy may open, 1 to 100. The proxy
   * logs in as `databaseUser`, so this must fit under that role's CONNECTION LIMIT (see
   * `proxyConnectionsPercent`), which leaves room for operators, rotation and bootstrap.
   * @default 90
   */
  readonly maxConnectionsPercent?: number;
}

/**
 * An RDS Proxy in front of the instance for SpendSense Lambdas, with end-to-end IAM
 * authentication (`DefaultAuthScheme: IAM_AUTH`): clients present IAM tokens for
 * `databaseUser`, and the proxy logs in to the instance with IAM tokens of its own for the same
 * user. No password is involved anywhere on this path, so no password rotation can disturb it.
 * TLS required, debug logging off (it would log statement text), reachable from the client
 * groups only, in the private subnets.
 */
export class DatabaseProxy extends Construct {
  /** The host name clients connect to (TLS verifies against it). */
  readonly endpoint: string;
  /** `prx-...`: what clients' `rds-db:connect` names in their dbuser ARN. */
  readonly resourceId: string;
  readonly proxy: rds.DatabaseProxy;
  readonly securityGroup: ec2.SecurityGroup;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: DatabaseProxyProps) {
    super(scope, id);
    const port = props.databasePort ?? DATABASE_PORT;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const resourceId = validateProps(props, subnets, port);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description:
        'SpendSense RDS Proxy: PostgreSQL from the client groups; out to the database only',
      allowAllOutbound: false,
    });
    for (const client of props.clientSecurityGroups) {
      this.securityGroup.connections.allowFrom(
        client,
        ec2.Port.tcp(port),
        'SpendSense Lambdas to RDS Proxy',
      );
    }

    // No aws:SourceArn/SourceAccount in the trust: RDS Proxy supports no global condition
    // context keys (RDS user guide, RDS Proxy limitations).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description: `SpendSense RDS Proxy: log in to the instance as ${props.databaseUser} with IAM authentication`,
    });
    // A customer-managed policy rather than an inline one (NIST AC-6 / PCI 7.1: reviewable,
    // versioned), naming the one database user on the one instance.
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `SpendSense RDS Proxy: log in to the instance as ${props.databaseUser} with IAM authentication`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ConnectToTheInstanceAsTheApplicationRole',
          actions: ['rds-db:connect'],
          resources: [dbUserArn(this, resourceId, props.databaseUser)],
        }),
      ],
    });

    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      proxyTarget: rds.ProxyTarget.fromInstance(targetWithKnownPort(this, props.instance, port)),
      defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
      // Immutable: the proxy construct's own grants would add an inline policy beside ours.
      role: this.role.withoutPolicyUpdates(),
      vpc: props.vpc,
      vpcSubnets: subnets,
      securityGroups: [this.securityGroup],
      requireTLS: true,
      debugLogging: false,
      maxConnectionsPercent: props.maxConnectionsPercent ?? 90,
    });
    this.proxy.node.addDependency(this.policy);
    this.endpoint = this.proxy.endpoint;
    this.resourceId = Stack.of(this).splitArn(this.proxy.dbProxyArn, ArnFormat.COLON_RESOURCE_NAME)
      .resourceName as string;
  }
}

/**
 * The same instance, seen with its port as a number. The proxy target opens the database's
 * security groups to the proxy on the target's default port; for a `DatabaseInstance` that is
 * `Fn::GetAtt Endpoint.Port`, a value cdk-nag cannot evaluate (its port rules then fail as
 * errors). With the port known, the rule is written with it, and the rules check it for real.
 */
function targetWithKnownPort(
  scope: Construct,
  instance: rds.IDatabaseInstance,
  port: number,
): rds.IDatabaseInstance {
  if (instance.engine === undefined) {
    throw new Error(
      '`instance` must carry its engine (RDS Proxy needs the engine family). Got an instance without one.',
    );
  }
  return rds.DatabaseInstance.fromDatabaseInstanceAttributes(scope, 'Target', {
    instanceIdentifier: instance.instanceIdentifier,
    instanceEndpointAddress: instance.dbInstanceEndpointAddress,
    instanceResourceId: instance.instanceResourceId,
    port,
    securityGroups: instance.connections.securityGroups,
    engine: instance.engine,
  });
}

function validateProps(
  props: DatabaseProxyProps,
  subnets: ec2.SubnetSelection,
  port: number,
): string {
  const resourceId = props.instance.instanceResourceId;
  if (resourceId === undefined) {
    throw new Error(
      "`instance` must carry its resource id (DbiResourceId): the proxy role's rds-db:connect names it. Got an instance without one.",
    );
  }
  if (props.clientSecurityGroups.length === 0) {
    throw new Error(
      '`clientSecurityGroups` must name at least one group (the SpendSense Lambda group). Got [].',
    );
  }
  if (!Token.isUnresolved(port) && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new Error(`\`databasePort\` must be an integer from 1 to 65535. Got ${port}.`);
  }
  const percent = props.maxConnectionsPercent;
  if (percent !== undefined && !(Number.isInteger(percent) && percent >= 1 && percent <= 100)) {
    throw new Error(`\`maxConnectionsPercent\` must be an integer from 1 to 100. Got ${percent}.`);
  }
  const selected = props.vpc.selectSubnets(subnets);
  if (selected.hasPublic) {
    throw new Error(
      '`subnets` must be private subnets: an RDS Proxy is never publicly accessible. Got public subnets.',
    );
  }
  const zones = new Set(selected.subnets.map((subnet) => subnet.availabilityZone));
  if (zones.size < 2) {
    throw new Error(
      `\`subnets\` must span at least two Availability Zones (RDS Proxy requires it). Got ${zones.size}: ${[...zones].join(', ') || 'none'}.`,
    );
  }
  return resourceId;
}
