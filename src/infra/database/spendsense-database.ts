import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENGINE_MAJOR_VERSION, type Stage } from '../../shared/names.js';
import { acknowledgeFindings } from './acknowledgements.js';
import { createEncryptionKey } from './encryption-key.js';
import { createDatabaseInstance } from './instance.js';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.js';
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
 * them, and a probe function that proves the path works.
 */
export class SpendSenseDatabase extends Construct {
  readonly stage: Stage;
  readonly instanceIdentifier: string;
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
  /** `{ url, engine, host, port, dbname, username, password }` for SpendSense code. */
  readonly connectionSecret: secretsmanager.Secret;
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;
  readonly probeFunction: lambda.IFunction;
  /** True when developer client CIDRs made the instance publicly accessible. */
  readonly publiclyAccessible: boolean;

  constructor(scope: Construct, id: string, spendSenseDatabaseProps: SpendSenseDatabaseProps) {
    super(scope, id);
    const props = resolveProps(spendSenseDatabaseProps);
    this.stage = props.stage;
    this.publiclyAccessible = props.clientCidrs.length > 0;
    this.instanceIdentifier = `spendsense-${props.stage}`;

    this.kmsKey = createEncryptionKey(this, props.stage, this.instanceIdentifier);
    const logSettings: LogGroupSettings = {
      encryptionKey: this.kmsKey,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    };
    const logPrefix = `/spendsense/${props.stage}/database`;

    const network = new DatabaseNetwork(this, 'Network', {
      flowLogGroupName: `${logPrefix}/vpc-flow-logs`,
      logs: logSettings,
      publicSubnets: this.publiclyAccessible,
    });
    this.vpc = network.vpc;
    this.isolatedSubnets = network.isolatedSubnets;

    const securityGroups = new DatabaseSecurityGroups(this, 'SecurityGroups', {
      vpc: this.vpc,
      clientCidrs: props.clientCidrs,
    });
    this.databaseSecurityGroup = securityGroups.database;
    this.lambdaSecurityGroup = securityGroups.lambda;
    this.endpointSecurityGroup = securityGroups.endpoint;

    const engine = rds.DatabaseInstanceEngine.postgres({
      // Major pinned, minor left to RDS: a pinned minor that RDS retires breaks the deploy.
      version: rds.PostgresEngineVersion.of(`${ENGINE_MAJOR_VERSION}`, `${ENGINE_MAJOR_VERSION}`),
    });
    this.parameterGroup = createParameterGroup(this, engine, props.stage);

    const credentials = createCredentialsSecret(this, props.stage, this.kmsKey);

    this.instance = createDatabaseInstance(this, props, {
      instanceIdentifier: this.instanceIdentifier,
      engine,
      parameterGroup: this.parameterGroup,
      credentials,
      vpc: this.vpc,
      securityGroup: this.databaseSecurityGroup,
      encryptionKey: this.kmsKey,
      logs: logSettings,
    });
    if (this.instance.secret === undefined) {
      throw new Error(
        'The instance has no attached credentials secret; expected one from `Credentials.fromSecret`.',
      );
    }
    this.credentialsSecret = this.instance.secret;

    this.connectionSecret = createConnectionSecret(
      this,
      props.stage,
      this.kmsKey,
      this.instance,
      this.credentialsSecret,
    );

    this.secretsManagerEndpoint = createSecretsManagerEndpoint(this, {
      vpc: this.vpc,
      subnets: this.isolatedSubnets.slice(0, props.secretsManagerEndpointAzs),
      securityGroup: this.endpointSecurityGroup,
    });

    const probe = new ProbeFunction(this, 'Probe', {
      vpc: this.vpc,
      subnets: this.isolatedSubnets,
      securityGroup: this.lambdaSecurityGroup,
      connectionSecret: this.connectionSecret,
      encryptionKey: this.kmsKey,
      logGroup: encryptedLogGroup(this, 'ProbeLogGroup', `${logPrefix}/probe`, logSettings),
      reservedConcurrency: props.probeReservedConcurrency,
    });
    this.probeFunction = probe.function;

    acknowledgeFindings({
      instance: this.instance,
      secrets: [credentials, this.connectionSecret],
      probe,
      network,
      multiAz: props.multiAz,
      deletionProtection: props.deletionProtection,
      publiclyAccessible: this.publiclyAccessible,
    });
  }
}
