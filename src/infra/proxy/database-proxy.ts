import { Aws, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DATABASE_PORT } from '../../shared/names.js';

export interface DatabaseProxyProps {
  /** The VPC of the database. */
  readonly vpc: ec2.IVpc;

  /**
   * Where the proxy's network interfaces go: private subnets in at least two Availability Zones
   * (RDS Proxy requires two; it is never publicly accessible).
   * @default - the VPC's isolated subnets
   */
  readonly subnets?: ec2.SubnetSelection;

  /** The instance the proxy pools connections to. */
  readonly instance: rds.IDatabaseInstance;

  /**
   * The credentials the proxy logs in with (`username` and `password` JSON, as RDS attaches
   * them). Clients authenticate to the proxy with the same user and password.
   */
  readonly credentialsSecret: secretsmanager.ISecret;

  /**
   * The key the credentials secret is encrypted with; the proxy role may decrypt with it
   * through Secrets Manager only.
   * @default - the secret's own `encryptionKey`
   */
  readonly encryptionKey?: kms.IKey;

  /** The groups admitted to the proxy on `databasePort` (the SpendSense Lambda group). */
  readonly clientSecurityGroups: readonly ec2.ISecurityGroup[];

  /**
   * The Secrets Manager interface endpoint's group. When given, the proxy may reach it on HTTPS,
   * so the proxy can read its secret from a VPC without a NAT gateway.
   * @default - no rule: the proxy reaches Secrets Manager some other way
   */
  readonly secretsManagerEndpointSecurityGroup?: ec2.ISecurityGroup;

  /**
   * Require IAM authentication from clients instead of the password. The runtime module
   * authenticates with the password from the connection secret, so turning this on also needs
   * IAM auth tokens in every client.
   * @default false
   */
  readonly iamAuth?: boolean;

  /**
   * The port the database and the proxy listen on: the instance's own port.
   * @default 5432
   */
  readonly databasePort?: number;

  /**
   * The share of the database's `max_connections` the proxy may open, 1 to 100. Below 100
   * leaves room for an operator's session (`spendsense-db tunnel`) when the pool is full.
   * @default 90
   */
  readonly maxConnectionsPercent?: number;
}

/**
 * An RDS Proxy in front of the instance for SpendSense Lambdas: TLS required, SCRAM passwords,
 * debug logging off (it would log statement text), reachable from the client groups only, in
 * the private subnets. Its IAM role reads the one credentials secret through a customer-managed
 * policy.
 */
export class DatabaseProxy extends Construct {
  /** The host name clients connect to (TLS verifies against it). */
  readonly endpoint: string;
  readonly proxy: rds.DatabaseProxy;
  readonly securityGroup: ec2.SecurityGroup;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: DatabaseProxyProps) {
    super(scope, id);
    const port = props.databasePort ?? DATABASE_PORT;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const encryptionKey = validateProps(props, subnets, port);

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
    if (props.secretsManagerEndpointSecurityGroup !== undefined) {
      this.securityGroup.connections.allowTo(
        props.secretsManagerEndpointSecurityGroup,
        ec2.Port.tcp(443),
        'SpendSense RDS Proxy to Secrets Manager',
      );
    }

    // No aws:SourceArn/SourceAccount in the trust: RDS Proxy supports no global condition
    // context keys (RDS user guide, RDS Proxy limitations).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description: 'SpendSense RDS Proxy: read the database credentials secret',
    });
    // A customer-managed policy rather than the inline one the proxy construct would write
    // (NIST AC-6 / PCI 7.1: reviewable, versioned); each statement names its one resource.
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'SpendSense RDS Proxy: read the database credentials secret',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadTheCredentialsSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.credentialsSecret.secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptThroughSecretsManagerOnly',
          actions: ['kms:Decrypt'],
          resources: [encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com`,
              'kms:EncryptionContext:SecretARN': props.credentialsSecret.secretArn,
            },
          },
        }),
      ],
    });

    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      proxyTarget: rds.ProxyTarget.fromInstance(targetWithKnownPort(this, props.instance, port)),
      secrets: [props.credentialsSecret],
      // Immutable: the proxy construct's own grants would add an inline policy beside ours.
      role: this.role.withoutPolicyUpdates(),
      vpc: props.vpc,
      vpcSubnets: subnets,
      securityGroups: [this.securityGroup],
      requireTLS: true,
      iamAuth: props.iamAuth ?? false,
      clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
      debugLogging: false,
      maxConnectionsPercent: props.maxConnectionsPercent ?? 90,
    });
    this.proxy.node.addDependency(this.policy);
    this.endpoint = this.proxy.endpoint;
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
): kms.IKey {
  const encryptionKey = props.encryptionKey ?? props.credentialsSecret.encryptionKey;
  if (encryptionKey === undefined) {
    throw new Error(
      '`encryptionKey` must be given when `credentialsSecret` has no `encryptionKey` of its own: the proxy role needs kms:Decrypt on it. Got neither.',
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
  return encryptionKey;
}
