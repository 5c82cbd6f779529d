import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Aws, CustomResource, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import { migrationsHash, readMigrationFilesSync } from '../../runtime/migrations/files.js';
import { DATABASE_NAME } from '../../shared/names.js';
import { encryptedLogGroup, type LogGroupSettings } from '../database/log-groups.js';
import { createSpendSenseFunction } from '../lambda/spendsense-function.js';
import { acknowledgeBootstrapFindings } from './acknowledgements.js';

export const BOOTSTRAP_ENTRY = fileURLToPath(
  new URL('../../lambda/bootstrap/handler.ts', import.meta.url),
);

/**
 * The sources of the role SQL. Their hash is a property of the custom resource, so a change to
 * the roles, their privileges or the connection budget runs the bootstrap again.
 */
export const ROLE_SQL_SOURCES: readonly string[] = [
  '../../runtime/roles/definition.ts',
  '../../runtime/roles/converge.ts',
  '../../shared/connection-budget.ts',
].map((file) => fileURLToPath(new URL(file, import.meta.url)));

/**
 * The repository's migrations: copied beside the handler's bundle, and hashed (names and
 * contents) into the custom resource's `MigrationsHash`, so that a change to them runs the
 * bootstrap, and with it the pending migrations, on the next deploy.
 */
export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** SHA-256 of the files' contents, in order. */
export function contentHash(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export interface DatabaseBootstrapProps {
  /** The instance to set up: its own endpoint, never a proxy. */
  readonly instance: rds.IDatabaseInstance;

  /** `db.<family>.<size>`: a change of class changes `max_connections`, so it runs again. */
  readonly instanceClass: string;

  /** The master credentials (`username`, `password`), full ARN known. */
  readonly credentialsSecret: secretsmanager.ISecret;

  /** The key of the credentials secret; also encrypts the log groups. */
  readonly encryptionKey: kms.IKey;

  /** @default 'spendsense' */
  readonly databaseName?: string;

  /** Where the function runs: beside the database, in a group the database admits. */
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;

  /**
   * What must exist before the first run: the Secrets Manager endpoint, the security group
   * rules that let the function reach it and the database.
   * @default - nothing besides the instance and the secret
   */
  readonly reachableAfter?: readonly IDependable[];

  /** The function's log group, and the Provider framework function's. */
  readonly logGroupNames: { readonly function: string; readonly provider: string };
  readonly logs: LogGroupSettings;
}

/**
 * Creates and converges the database roles at deploy time, then applies the pending migrations
 * as `spendsense_migrator`, on every deployment whose inputs changed: a custom resource served by the CDK Provider framework. Our function runs inside the
 * VPC (Lambda security group, isolated subnets) to reach the database and, through the
 * interface endpoint, Secrets Manager; the framework's function, outside the VPC, invokes it
 * and answers CloudFormation's S3 response URL, which isolated subnets cannot reach.
 *
 * Properties carry ARNs, the endpoint and content hashes, never a value. Deleting the stack
 * leaves the roles alone.
 */
export class DatabaseBootstrap extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** The Provider framework function (outside the VPC) and its role. */
  readonly provider: cr.Provider;
  readonly providerRole: iam.Role;
  readonly providerPolicy: iam.ManagedPolicy;
  /** The custom resource: depend on it for anything that needs the roles. */
  readonly resource: CustomResource;
  /** The last migration applied by the deploy (`none` before the first). */
  readonly schemaVersion: string;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapProps) {
    super(scope, id);
    const secretArn = props.credentialsSecret.secretFullArn;
    if (secretArn === undefined) {
      throw new Error(
        '`credentialsSecret` must have a known full ARN (a secret of this app, or Secret.fromSecretCompleteArn): the policy names the exact secret. Got a secret known by name only.',
      );
    }

    const bootstrap = createSpendSenseFunction(new Construct(this, 'Handler'), {
      description:
        'SpendSense database bootstrap: creates and converges the database roles, then applies pending migrations',
      entry: BOOTSTRAP_ENTRY,
      // Three logins at 5 s each at worst, the role SQL, then the migrations: 60 s at most for
      // another run's lock, 2 minutes a statement (DEPLOY_MIGRATION_LIMITS). Below the Provider
      // framework function's 15 minutes, so the framework reports a timeout as a failure, and
      // CloudFormation starts the rollback.
      timeout: Duration.minutes(10),
      // The asset hash is the bundle's output's, these files included: a migration added changes
      // the function's code, which CloudFormation updates before the custom resource (it
      // depends on the function), so the handler that runs carries the migrations it is asked for.
      extraFiles: [{ source: MIGRATIONS_DIRECTORY, target: 'migrations' }],
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      logGroupName: props.logGroupNames.function,
      logs: props.logs,
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadTheMasterCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptThemThroughSecretsManagerOnly',
          actions: ['kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com`,
              'kms:EncryptionContext:SecretARN': secretArn,
            },
          },
        }),
      ],
    });
    this.function = bootstrap.function;
    this.role = bootstrap.role;
    this.policy = bootstrap.policy;

    // The framework's function: invokes ours and nothing else, logs to its own group.
    const providerLogGroup = encryptedLogGroup(
      this,
      'ProviderLogGroup',
      props.logGroupNames.provider,
      props.logs,
    );
    this.providerRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'SpendSense database bootstrap: the Provider framework invokes the handler',
    });
    this.providerPolicy = new iam.ManagedPolicy(this, 'ProviderPolicy', {
      description: 'SpendSense database bootstrap: the Provider framework invokes the handler',
      roles: [this.providerRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeTheBootstrapHandler',
          actions: ['lambda:InvokeFunction', 'lambda:GetFunction'],
          resources: [this.function.functionArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteItsOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [providerLogGroup.logGroupArn],
        }),
      ],
    });
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      // Immutable: the framework's own grants would add an inline policy beside ours.
      frameworkOnEventRole: this.providerRole.withoutPolicyUpdates(),
      logGroup: providerLogGroup,
      frameworkLambdaLoggingLevel: lambda.ApplicationLogLevel.INFO,
    });
    const frameworkFunction = this.provider.node.findChild('framework-onEvent');
    frameworkFunction.node.addDependency(this.providerPolicy);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::SpendSenseDatabaseBootstrap',
      // The framework waits for our function (10 minutes at most) and answers within its own 15:
      // fail then, not after CloudFormation's default hour.
      serviceTimeout: Duration.minutes(15),
      properties: {
        CredentialsSecretArn: secretArn,
        DatabaseHost: props.instance.dbInstanceEndpointAddress,
        DatabasePort: props.instance.dbInstanceEndpointPort,
        DatabaseName: props.databaseName ?? DATABASE_NAME,
        InstanceClass: props.instanceClass,
        RolesHash: contentHash(ROLE_SQL_SOURCES),
        MigrationsHash: migrationsHash(readMigrationFilesSync(MIGRATIONS_DIRECTORY)),
      },
    });
    this.schemaVersion = this.resource.getAttString('SchemaVersion');
    this.resource.node.addDependency(this.function, this.policy, ...(props.reachableAfter ?? []));

    acknowledgeBootstrapFindings(this, frameworkFunction);
  }
}
