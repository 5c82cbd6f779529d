import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { proxyConnectionsPercent } from '../../shared/connection-budget.js';
import { instanceCapacity } from '../../shared/instance-classes.js';
import { estimatedMaxConnections } from '../../shared/max-connections.js';
import {
  APP_USERNAME,
  DATABASE_PORT,
  ENGINE_MAJOR_VERSION,
  accessHostName,
  alarmNamePrefix,
  type Stage,
} from '../../shared/names.js';
import { AccessHost } from '../access-host/access-host.js';
import { DatabaseAlarms } from '../alarms/database-alarms.js';
import { DatabaseBootstrap } from '../bootstrap/database-bootstrap.js';
import { DatabaseProxy } from '../proxy/database-proxy.js';
import { DatabaseCredentialsRotation } from '../rotation/database-credentials-rotation.js';
import { acknowledgeFindings } from './acknowledgements.js';
import { ApplicationAccess, type ApplicationEndpoint } from './application-access.js';
import { creationNames } from './creation-names.js';
import { createEncryptionKey } from './encryption-key.js';
import { createDatabaseInstance } from './instance.js';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.js';
import { EnhancedMonitoringRole } from './monitoring-role.js';
import { DatabaseNetwork } from './network.js';
import { createParameterGroup } from './parameter-group.js';
import { ProbeFunction } from './probe-function.js';
import { resolveProps, type SpendSenseDatabaseProps } from './props.js';
import { createConnectionSecret, createCredentialsSecret } from './secrets.js';
import { createSecretsManagerEndpoint } from './secrets-manager-endpoint.js';
import { DatabaseSecurityGroups } from './security-groups.js';

export type { SpendSenseDatabaseProps } from './props.js';

/**
 * SpendSense's PostgreSQL 15 on RDS, with everything it needs to be used safely: its own VPC,
 * a customer-managed key, TLS-only parameters, generated credentials, a connection secret
 * composed at deploy time, the security group Lambdas join, a Secrets Manager endpoint for
 * them, and a probe function that proves the path works. To run it: password rotation that
 * keeps the connection secret in step, alarms derived from the instance class, and, when asked
 * for, RDS Proxy and an SSM access host for `spendsense-db tunnel`.
 */
export class SpendSenseDatabase extends Construct {
  readonly stage: Stage;
  /**
   * `spendsense-<stage>-<creation id>`, resolved at deploy time: unique to each creation of the
   * stack, fixed for its lifetime (see `creationNames`).
   */
  readonly instanceIdentifier: string;
  /** Where the stack's own log groups are: `/spendsense/<stage>/database/<creation id>`. */
  readonly logGroupPrefix: string;
  readonly vpc: ec2.Vpc;
  readonly isolatedSubnets: readonly ec2.ISubnet[];
  readonly kmsKey: kms.Key;
  readonly parameterGroup: rds.ParameterGroup;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly lambdaSecurityGroup: ec2.SecurityGroup;
  readonly endpointSecurityGroup: ec2.SecurityGroup;
  readonly instance: rds.DatabaseInstance;
  /** The generated master credentials, attached to the instance. */
  readonly credentialsSecret: secretsmanager.ISecret;
  /**
   * `{ url, engine, host, port, dbname, username, password }` of the master user, for operators
   * and tools; no SpendSense function can read it.
   */
  readonly connectionSecret: secretsmanager.Secret;
  /** Where SpendSense functions connect: the proxy when there is one, else the instance. */
  readonly applicationEndpoint: ApplicationEndpoint;
  /** The managed policy that lets a function log in there as `spendsense_app`. */
  readonly applicationAccess: ApplicationAccess;
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;
  readonly probeFunction: lambda.IFunction;
  /** Creates and converges the database roles at deploy time. */
  readonly bootstrap: DatabaseBootstrap;
  /** The password rotation; `undefined` when `passwordRotation` is off. */
  readonly rotation?: DatabaseCredentialsRotation;
  /** CloudWatch alarms on the instance and the topic they notify. */
  readonly alarms: DatabaseAlarms;
  /** RDS Proxy; `undefined` unless `proxy` is on. */
  readonly proxy?: DatabaseProxy;
  /** The SSM access host; `undefined` unless `accessHost` is on. */
  readonly accessHost?: AccessHost;

  constructor(scope: Construct, id: string, spendSenseDatabaseProps: SpendSenseDatabaseProps) {
    super(scope, id);
    const props = resolveProps(spendSenseDatabaseProps);
    this.stage = props.stage;
    const names = creationNames(props.stage);
    this.instanceIdentifier = names.instanceIdentifier;
    this.logGroupPrefix = names.logGroupPrefix;

    this.kmsKey = createEncryptionKey(this, props.stage, this.instanceIdentifier);
    const logSettings: LogGroupSettings = {
      encryptionKey: this.kmsKey,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    };
    // Every log group of the stack is under the creation's prefix (the key policy admits it).
    const logGroupName = (what: string): string => `${this.logGroupPrefix}/${what}`;

    const network = new DatabaseNetwork(this, 'Network', {
      flowLogGroupName: logGroupName('vpc-flow-logs'),
      logs: logSettings,
      publicSubnets: props.accessHost,
      availabilityZones: props.availabilityZones,
    });
    this.vpc = network.vpc;
    this.isolatedSubnets = network.isolatedSubnets;

    const securityGroups = new DatabaseSecurityGroups(this, 'SecurityGroups', { vpc: this.vpc });
    this.databaseSecurityGroup = securityGroups.database;
    this.lambdaSecurityGroup = securityGroups.lambda;
    this.endpointSecurityGroup = securityGroups.endpoint;

    const engine = rds.DatabaseInstanceEngine.postgres({
      // Major pinned, minor left to RDS: a pinned minor that RDS retires breaks the deploy.
      version: rds.PostgresEngineVersion.of(`${ENGINE_MAJOR_VERSION}`, `${ENGINE_MAJOR_VERSION}`),
    });
    this.parameterGroup = createParameterGroup(this, engine, props.stage);

    const credentials = createCredentialsSecret(this, props.stage, this.kmsKey);
    const monitoring = new EnhancedMonitoringRole(this, 'EnhancedMonitoring', {
      instanceIdentifier: this.instanceIdentifier,
    });

    this.instance = createDatabaseInstance(this, props, {
      instanceIdentifier: this.instanceIdentifier,
      engine,
      parameterGroup: this.parameterGroup,
      credentials,
      vpc: this.vpc,
      securityGroup: this.databaseSecurityGroup,
      encryptionKey: this.kmsKey,
      logs: logSettings,
      monitoring,
    });
    if (this.instance.secret === undefined) {
      throw new Error(
        'The instance has no attached credentials secret; expected one from `Credentials.fromSecret`.',
      );
    }
    this.credentialsSecret = this.instance.secret;

    const instanceClass = `db.${props.instanceType.toString()}`;
    const capacity = instanceCapacity(instanceClass);
    if (capacity === undefined) {
      throw new Error(`\`instanceType\` ${instanceClass} is not in the instance class table.`);
    }
    if (props.proxy) {
      this.proxy = new DatabaseProxy(this, 'Proxy', {
        vpc: this.vpc,
        subnets: { subnets: [...this.isolatedSubnets] },
        instance: this.instance,
        databaseUser: APP_USERNAME,
        clientSecurityGroups: [this.lambdaSecurityGroup],
        maxConnectionsPercent: proxyConnectionsPercent(estimatedMaxConnections(capacity)),
      });
    }

    // SpendSense functions log in as spendsense_app with IAM authentication: through the proxy
    // when there is one (it listens on the database port), else to the instance.
    const instanceResourceId = this.instance.instanceResourceId;
    if (instanceResourceId === undefined) {
      throw new Error('The instance has no resource id (DbiResourceId) for IAM authentication.');
    }
    this.applicationEndpoint =
      this.proxy === undefined
        ? {
            host: this.instance.dbInstanceEndpointAddress,
            port: this.instance.dbInstanceEndpointPort,
            resourceId: instanceResourceId,
            kind: 'instance',
          }
        : {
            host: this.proxy.endpoint,
            port: String(DATABASE_PORT),
            resourceId: this.proxy.resourceId,
            kind: 'RDS Proxy',
          };
    this.applicationAccess = new ApplicationAccess(this, 'ApplicationAccess', {
      resourceId: this.applicationEndpoint.resourceId,
      endpointKind: this.applicationEndpoint.kind,
    });

    // For operators and tools (check, tunnel) and kept in step by the rotation: always the
    // instance itself, since the proxy takes IAM tokens only.
    this.connectionSecret = createConnectionSecret(
      this,
      props.stage,
      this.kmsKey,
      { host: this.instance.dbInstanceEndpointAddress, port: this.instance.dbInstanceEndpointPort },
      this.credentialsSecret,
    );

    this.secretsManagerEndpoint = createSecretsManagerEndpoint(this, {
      vpc: this.vpc,
      subnets: this.isolatedSubnets.slice(0, props.secretsManagerEndpointAzs),
      securityGroup: this.endpointSecurityGroup,
    });

    this.bootstrap = new DatabaseBootstrap(this, 'Bootstrap', {
      instance: this.instance,
      instanceClass,
      credentialsSecret: this.credentialsSecret,
      encryptionKey: this.kmsKey,
      vpc: this.vpc,
      vpcSubnets: { subnets: [...this.isolatedSubnets] },
      securityGroup: this.lambdaSecurityGroup,
      reachableAfter: [this.secretsManagerEndpoint, securityGroups],
      logGroupNames: {
        function: logGroupName('bootstrap'),
        provider: logGroupName('bootstrap-provider'),
      },
      logs: logSettings,
    });

    // Clients of the proxy need the roles it logs in as.
    this.proxy?.proxy.node.addDependency(this.bootstrap.resource);

    const probe = new ProbeFunction(this, 'Probe', {
      vpc: this.vpc,
      subnets: this.isolatedSubnets,
      securityGroup: this.lambdaSecurityGroup,
      endpoint: this.applicationEndpoint,
      accessPolicy: this.applicationAccess.policy,
      logGroup: encryptedLogGroup(this, 'ProbeLogGroup', logGroupName('probe'), logSettings),
      ...(props.probeReservedConcurrency !== undefined && {
        reservedConcurrency: props.probeReservedConcurrency,
      }),
    });
    this.probeFunction = probe.function;

    if (props.passwordRotationInterval !== undefined) {
      // The Lambda security group reaches the database and the Secrets Manager endpoint, which
      // is all the function needs; it connects to the instance itself, never to the proxy.
      this.rotation = new DatabaseCredentialsRotation(this, 'Rotation', {
        credentialsSecret: this.credentialsSecret,
        connectionSecret: this.connectionSecret,
        encryptionKey: this.kmsKey,
        instance: this.instance,
        vpc: this.vpc,
        vpcSubnets: { subnets: [...this.isolatedSubnets] },
        securityGroup: this.lambdaSecurityGroup,
        secretsManagerEndpoint: this.secretsManagerEndpoint,
        automaticallyAfter: props.passwordRotationInterval,
        ...(props.rotationReservedConcurrency !== undefined && {
          reservedConcurrentExecutions: props.rotationReservedConcurrency,
        }),
        logGroupName: logGroupName('rotation'),
        logRetention: props.logRetention,
        logRemovalPolicy: props.logRemovalPolicy,
      });
      // The first rotation starts as soon as its schedule exists: let the bootstrap log in
      // with AWSCURRENT first. (It also copes with a rotation in flight, should one be.)
      this.rotation.schedule.node.addDependency(this.bootstrap.resource);
    }

    this.alarms = new DatabaseAlarms(this, 'Alarms', {
      instance: this.instance,
      instanceClass: `db.${props.instanceType.toString()}`,
      allocatedStorageGiB: props.allocatedStorageGiB,
      storageType: rds.StorageType.GP3,
      encryptionKey: this.kmsKey,
      namePrefix: alarmNamePrefix(props.stage),
      emailAddresses: props.alarmEmailAddresses,
    });

    if (props.accessHost) {
      this.accessHost = new AccessHost(this, 'AccessHost', {
        vpc: this.vpc,
        databaseSecurityGroup: this.databaseSecurityGroup,
        encryptionKey: this.kmsKey,
        instanceName: accessHostName(props.stage),
      });
    }

    acknowledgeFindings({
      instance: this.instance,
      monitoring,
      credentialsSecret: credentials,
      connectionSecret: this.connectionSecret,
      probe,
      network,
      multiAz: props.multiAz,
      deletionProtection: props.deletionProtection,
      passwordRotation: this.rotation !== undefined,
      probeReservedConcurrency: props.probeReservedConcurrency !== undefined,
      accessHost: this.accessHost !== undefined,
    });
  }
}
