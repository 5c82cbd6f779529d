import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DATABASE_NAME, RotationEnvironment } from '../../shared/names.js';
import { createSpendSenseFunction } from '../lambda/spendsense-function.js';
import { acknowledgeRotationFindings } from './acknowledgements.js';

export const ROTATION_ENTRY = fileURLToPath(
  new URL('../../lambda/rotation/handler.ts', import.meta.url),
);

export interface DatabaseCredentialsRotationProps {
  /**
   * The master credentials, as attached to the instance (`instance.secret`): JSON holding
   * `username` and `password`. Its full ARN must be known: a secret or attachment of this app,
   * or one imported with `Secret.fromSecretCompleteArn`.
   */
  readonly credentialsSecret: secretsmanager.ISecret;

  /**
   * The connection secret (`{ url, engine, host, port, dbname, username, password }`) that the
   * rotation rewrites so it always holds the working password. Same full-ARN rule as
   * `credentialsSecret`.
   */
  readonly connectionSecret: secretsmanager.ISecret;

  /** The key both secrets are encrypted with. It also encrypts the function's log group. */
  readonly encryptionKey: kms.IKey;

  /**
   * The instance whose master password is rotated. The function connects to the instance's own
   * endpoint, never to a proxy, which would check passwords against the secret rather than
   * the database.
   */
  readonly instance: rds.IDatabaseInstance;

  /**
   * The database the function connects to.
   * @default 'spendsense'
   */
  readonly databaseName?: string;

  /** The VPC of the instance. */
  readonly vpc: ec2.IVpc;

  /**
   * Where the function runs.
   * @default - the VPC's isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The function's security group. The database security group must admit it on the database
   * port, and the Secrets Manager endpoint on 443: the Lambda security group of the stack does
   * both.
   */
  readonly securityGroup: ec2.ISecurityGroup;

  /**
   * The Secrets Manager interface endpoint the function reaches Secrets Manager through from
   * isolated subnets. A rotation starts as soon as the schedule is created, so the schedule
   * waits for the endpoint.
   * @default - no dependency: the subnets must reach Secrets Manager some other way
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;

  /**
   * Time between rotations: a whole number of days from 1 to 1000.
   * @default Duration.days(30)
   */
  readonly automaticallyAfter?: Duration;

  /**
   * Rotate once as soon as the schedule is created or changed, which also proves at deploy
   * time that the function can reach both Secrets Manager and the database.
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * Reserved concurrency of the function: capacity kept for rotations however busy the
   * account's other functions are. Lambda refuses a reservation that leaves less than its
   * minimum unreserved (100, or the whole quota of a new account with 10), so a reservation can
   * fail a first deploy: reserve only where `spendsense-db preflight` says the account has room.
   * Secrets Manager's guide on rotation functions warns that less than 10 can throttle one, so
   * less is refused.
   * @default - no reservation: the function draws on the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Name of the function's log group. The policy of `encryptionKey` must let CloudWatch Logs
   * use the key for this name (the database stack's key admits `/spendsense/<stage>/database/*`).
   */
  readonly logGroupName: string;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when the stack is deleted. `RemovalPolicy.SNAPSHOT` is not
   * supported by log groups.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Rotates the database master password on a schedule with our own rotation function
 * (Secrets Manager's four steps, single-user strategy), which also rewrites the connection
 * secret in the same rotation, so both secrets always agree with the database.
 *
 * The function runs beside the database (VPC, subnets, security group given) and may touch
 * only the two secrets, the key through Secrets Manager, and its own log group.
 */
export class DatabaseCredentialsRotation extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  /**
   * Secrets, key and logs: every statement names its resources. The function generates
   * passwords itself, so it needs no `secretsmanager:GetRandomPassword` (grantable only on `*`).
   */
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.ILogGroup;
  readonly schedule: secretsmanager.CfnRotationSchedule;

  constructor(scope: Construct, id: string, props: DatabaseCredentialsRotationProps) {
    super(scope, id);
    const days = rotationDays(props.automaticallyAfter ?? Duration.days(30));
    const reservedConcurrentExecutions = props.reservedConcurrentExecutions;
    if (
      reservedConcurrentExecutions !== undefined &&
      (!Number.isInteger(reservedConcurrentExecutions) || reservedConcurrentExecutions < 10)
    ) {
      throw new Error(
        `\`reservedConcurrentExecutions\` must be a whole number of at least 10: less can throttle a rotation function. Got ${reservedConcurrentExecutions}.`,
      );
    }
    const credentialsArn = fullArn(props.credentialsSecret, 'credentialsSecret');
    const connectionArn = fullArn(props.connectionSecret, 'connectionSecret');
    if (props.credentialsSecret === props.connectionSecret) {
      throw new Error(
        '`credentialsSecret` and `connectionSecret` must be different secrets: the rotation writes the connection secret from the credentials.',
      );
    }
    if (props.logRemovalPolicy === RemovalPolicy.SNAPSHOT) {
      throw new Error(
        '`logRemovalPolicy` cannot be `RemovalPolicy.SNAPSHOT`: log groups have no snapshots.',
      );
    }

    const rotation = createSpendSenseFunction(this, {
      description:
        'SpendSense database password rotation (single user), connection secret included',
      entry: ROTATION_ENTRY,
      // Worst case: four logins refused or timing out at 5 s each, plus Secrets Manager calls.
      timeout: Duration.minutes(2),
      ...(reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions }),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      logGroupName: props.logGroupName,
      logs: {
        encryptionKey: props.encryptionKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
      },
      environment: {
        [RotationEnvironment.ConnectionSecretId]: connectionArn,
        [RotationEnvironment.DatabaseHost]: props.instance.dbInstanceEndpointAddress,
        [RotationEnvironment.DatabasePort]: props.instance.dbInstanceEndpointPort,
        [RotationEnvironment.DatabaseName]: props.databaseName ?? DATABASE_NAME,
      },
      statements: [
        new iam.PolicyStatement({
          sid: 'RotateTheCredentials',
          actions: [
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
          resources: [credentialsArn],
        }),
        new iam.PolicyStatement({
          sid: 'RewriteTheConnectionSecret',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          resources: [connectionArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseTheKeyForTheseSecretsOnly',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com`,
              'kms:EncryptionContext:SecretARN': [credentialsArn, connectionArn],
            },
          },
        }),
      ],
    });
    this.function = rotation.function;
    this.role = rotation.role;
    this.policy = rotation.policy;
    this.logGroup = rotation.logGroup;

    // Against a confused deputy: this account, and this one secret (Secrets Manager's rotation
    // guide: with aws:SourceArn the function rotates only the secret named, which is the point).
    this.function.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: Aws.ACCOUNT_ID,
      sourceArn: credentialsArn,
    });
    const invoke = this.function.node.findChild('InvokedBySecretsManager');

    // The L1 resource on purpose: the L2 `RotationSchedule` also grants the function broad
    // key and secret permissions in an inline policy, duplicating the ones above.
    this.schedule = new secretsmanager.CfnRotationSchedule(this, 'Schedule', {
      secretId: props.credentialsSecret.secretArn,
      rotationLambdaArn: this.function.functionArn,
      rotationRules: { automaticallyAfterDays: days },
      rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? true,
    });
    // The first rotation starts when the schedule is created: everything it uses must exist.
    this.schedule.node.addDependency(this.function, invoke, this.policy);
    if (props.secretsManagerEndpoint !== undefined) {
      this.schedule.node.addDependency(props.secretsManagerEndpoint);
    }

    acknowledgeRotationFindings(this, reservedConcurrentExecutions !== undefined);
  }
}

function rotationDays(duration: Duration): number {
  if (duration.isUnresolved()) {
    throw new Error('`automaticallyAfter` must be a literal duration, not a token.');
  }
  const days = duration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    throw new Error(
      `\`automaticallyAfter\` must be a whole number of days from 1 to 1000. Got ${duration.toHumanString()}.`,
    );
  }
  return days;
}

function fullArn(secret: secretsmanager.ISecret, prop: string): string {
  if (secret.secretFullArn === undefined) {
    throw new Error(
      `\`${prop}\` must have a known full ARN (a secret of this app, or Secret.fromSecretCompleteArn): IAM and KMS conditions name the exact secret. Got a secret known by name only.`,
    );
  }
  return secret.secretFullArn;
}
