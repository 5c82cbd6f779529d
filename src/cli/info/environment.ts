import { MASTER_USERNAME, type OutputKey, type Stage } from '../../shared/names.js';
import { consoleLinks } from '../aws/console-links.js';
import type { DeployedStack } from '../aws/deployed-stack.js';
import { missingOutputs } from '../aws/stack-outputs.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { cliCommand, shellLine } from '../ui/shell-command.js';

/** Where the RDS certificate bundle psql needs is published (our own tools ship the CAs). */
export const RDS_CA_BUNDLE_URL =
  'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

export interface NamedLink {
  readonly label: string;
  readonly url: string;
}

export interface ReadyCommand {
  readonly label: string;
  readonly command: string;
  readonly note: string;
}

/** One deployed stage as documented by `info`: only names, ids and ARNs, never a secret value. */
export interface EnvironmentInfo {
  readonly stage: Stage;
  readonly region: string;
  readonly stack: {
    readonly name: string;
    readonly id: string;
    readonly status: string;
    readonly lastUpdated: string | null;
  };
  readonly endpoint: { readonly address: string; readonly port: number; readonly database: string };
  readonly masterUsername: string;
  readonly instanceIdentifier: string;
  readonly parameterGroupName: string;
  /** The last migration the latest deploy applied (`none` before the first). */
  readonly schemaVersion: string;
  readonly probeFunctionName: string;
  readonly secrets: {
    readonly credentials: { readonly name: string; readonly arn: string };
    readonly connection: { readonly name: string; readonly arn: string };
  };
  readonly securityGroups: { readonly database: string; readonly lambda: string };
  readonly kmsKeyArn: string;
  /** Outputs of optional features; `null` when the feature is off in this stage. */
  readonly features: {
    readonly proxyEndpoint: string | null;
    readonly accessHostInstanceId: string | null;
    readonly alarmTopicArn: string | null;
  };
  readonly consoleLinks: readonly NamedLink[];
  readonly commands: readonly ReadyCommand[];
}

/**
 * Builds the environment's description from the stack outputs alone (so `info` needs nothing
 * but `cloudformation:DescribeStacks`). Fails, naming them, when outputs are missing.
 * @param options.profile the AWS profile `info` ran with: its commands then name it, so they work
 *   as printed (left out of the shared environment page, where profiles are personal)
 */
export function describeEnvironment(
  stage: Stage,
  stack: DeployedStack,
  options: { readonly profile?: string } = {},
): EnvironmentInfo {
  const missing = missingOutputs(stack.outputs);
  if (missing.length > 0) {
    throw new CliError(
      `Stack ${stack.name} lacks the outputs ${missing.join(', ')}.`,
      ExitCode.VerificationFailed,
      `Redeploy it from this version of the code: \`npx cdk deploy ${stack.name}\`.`,
    );
  }
  const output = (key: OutputKey): string => stack.outputs[key] as string;
  const optional = (key: OutputKey): string | null => {
    const value = stack.outputs[key] ?? '';
    return value === '' ? null : value;
  };
  const features = {
    proxyEndpoint: optional('ProxyEndpoint'),
    accessHostInstanceId: optional('AccessHostInstanceId'),
    alarmTopicArn: optional('AlarmTopicArn'),
  };
  const region = stack.region;
  const links = consoleLinks(region);
  const endpoint = {
    address: output('EndpointAddress'),
    port: Number(output('EndpointPort')),
    database: output('DatabaseName'),
  };
  const secrets = {
    credentials: { name: output('CredentialsSecretName'), arn: output('CredentialsSecretArn') },
    connection: { name: output('ConnectionSecretName'), arn: output('ConnectionSecretArn') },
  };
  const securityGroups = {
    database: output('DatabaseSecurityGroupId'),
    lambda: output('LambdaSecurityGroupId'),
  };
  const connectionArn = secrets.connection.arn;
  const aws = [
    '--region',
    region,
    ...(options.profile === undefined ? [] : ['--profile', options.profile]),
  ];
  const readSecret = shellLine('aws', [
    'secretsmanager',
    'get-secret-value',
    '--secret-id',
    connectionArn,
    ...aws,
    '--query',
    'SecretString',
    '--output',
    'text',
  ]);

  return {
    stage,
    region,
    stack: {
      name: stack.name,
      id: stack.id,
      status: stack.status,
      lastUpdated: stack.lastUpdated?.toISOString() ?? null,
    },
    endpoint,
    masterUsername: MASTER_USERNAME,
    instanceIdentifier: output('InstanceIdentifier'),
    parameterGroupName: output('ParameterGroupName'),
    schemaVersion: output('SchemaVersion'),
    probeFunctionName: output('ProbeFunctionName'),
    secrets,
    securityGroups,
    kmsKeyArn: output('KmsKeyArn'),
    features,
    consoleLinks: [
      { label: 'CloudFormation stack', url: links.stack(stack.id) },
      { label: 'RDS instance', url: links.dbInstance(output('InstanceIdentifier')) },
      { label: 'Connection secret', url: links.secret(secrets.connection.name) },
      { label: 'Credentials secret', url: links.secret(secrets.credentials.name) },
      { label: 'KMS key', url: links.kmsKey(output('KmsKeyArn')) },
      { label: 'Database security group', url: links.securityGroup(securityGroups.database) },
      { label: 'Lambda security group', url: links.securityGroup(securityGroups.lambda) },
      { label: 'Probe function', url: links.lambdaFunction(output('ProbeFunctionName')) },
    ],
    commands: [
      {
        label: 'Check the connection',
        command: cliCommand(['check', '--secret-id', connectionArn, ...aws]),
        note: 'DNS, TCP, TLS (RDS CA verified), authentication and readiness, each diagnosed.',
      },
      {
        label: 'Verify the deployment',
        command: cliCommand(['verify', '--stage', stage, ...aws]),
        note: 'Every acceptance criterion against the live stack, with evidence.',
      },
      ...(features.accessHostInstanceId === null
        ? []
        : [
            {
              label: 'Open a tunnel through the access host',
              command: cliCommand(['tunnel', '--stage', stage, ...aws]),
              note: 'SSM port forwarding to the private database; it prints the check and psql commands that work through it.',
            },
          ]),
      {
        label: 'Read the connection secret',
        command: readSecret,
        note: 'Prints the JSON { url, engine, host, port, dbname, username, password }: it holds the password, so keep it out of logs and shell history.',
      },
      {
        label: 'Open psql',
        command:
          `curl -fsSo rds-global-bundle.pem ${RDS_CA_BUNDLE_URL} && ` +
          `PGPASSWORD="$(${readSecret} | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).password')" ` +
          `psql "host=${endpoint.address} port=${endpoint.port} dbname=${endpoint.database} user=${MASTER_USERNAME} sslmode=verify-full sslrootcert=rds-global-bundle.pem"`,
        note: 'psql verifies the server against the RDS certificate bundle (downloaded once); sslmode=verify-full also checks the host name.',
      },
    ],
  };
}

/** Where the endpoint answers from, for the notes under the commands. */
export const REACHABILITY_NOTE =
  'The database answers only inside its VPC: run check and psql from a Lambda or through ' +
  '`spendsense-db tunnel --stage <stage>` (docs/operations.md).';
