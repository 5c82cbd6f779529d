import { CfnOutput, Fn, type Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  APP_USERNAME,
  APPLICATION_AUTH_METHOD,
  ApplicationOutputKeys,
  applicationAccessPolicyExportName,
  applicationAccessPolicyParameterName,
  applicationDescriptorParameterName,
  type ApplicationDescriptorField,
  DATABASE_NAME,
  OutputKeys,
  connectionSecretArnParameterName,
  connectionSecretName,
  credentialsSecretName,
  isolatedSubnetIdsParameterName,
  kmsKeyArnParameterName,
  lambdaSecurityGroupExportName,
  lambdaSecurityGroupParameterName,
  vpcIdParameterName,
  type OutputKey,
} from '../../shared/names.js';
import type { SpendSenseDatabase } from '../database/spendsense-database.js';

type OutputValues = Partial<Record<OutputKey, [value: string, description: string]>>;

/**
 * What other tools read from a deployed stack. `verify`, `info`, `tunnel` and the docs read the
 * outputs by these exact keys (created at stack scope, so the key is the logical id); the
 * access host and proxy outputs exist only when those features do. Lambda stacks, which live in
 * other apps, find the network, the secret and the key through SSM parameters (the Lambda
 * security group through an export too).
 */
export function addDatabaseOutputs(stack: Stack, database: SpendSenseDatabase): void {
  const { stage } = database;
  const values: OutputValues = {
    EndpointAddress: [database.instance.dbInstanceEndpointAddress, 'PostgreSQL host name'],
    EndpointPort: [database.instance.dbInstanceEndpointPort, 'PostgreSQL port'],
    DatabaseName: [DATABASE_NAME, 'Database name'],
    InstanceIdentifier: [database.instance.instanceIdentifier, 'RDS instance identifier'],
    CredentialsSecretName: [
      credentialsSecretName(stage),
      'Secret holding the generated master credentials',
    ],
    CredentialsSecretArn: [database.credentialsSecret.secretArn, 'ARN of the credentials secret'],
    ConnectionSecretName: [
      connectionSecretName(stage),
      'Secret holding the connection JSON (url, host, port, ...)',
    ],
    ConnectionSecretArn: [database.connectionSecret.secretArn, 'ARN of the connection secret'],
    DatabaseSecurityGroupId: [
      database.databaseSecurityGroup.securityGroupId,
      'Security group of the instance',
    ],
    LambdaSecurityGroupId: [
      database.lambdaSecurityGroup.securityGroupId,
      'Security group SpendSense Lambdas join to reach the database',
    ],
    KmsKeyArn: [database.kmsKey.keyArn, 'Customer-managed key for storage, secrets and logs'],
    // Binding again returns the group the instance already uses (bindToInstance is idempotent).
    ParameterGroupName: [
      database.parameterGroup.bindToInstance({}).parameterGroupName,
      'DB parameter group',
    ],
    ProbeFunctionName: [
      database.probeFunction.functionName,
      'Connectivity probe invoked by spendsense-db verify',
    ],
    AlarmTopicArn: [database.alarms.topic.topicArn, 'SNS topic the database alarms notify'],
    SchemaVersion: [
      database.bootstrap.schemaVersion,
      'Last migration applied when the deploy finished (none before the first)',
    ],
    ...(database.accessHost !== undefined && {
      AccessHostInstanceId: [
        database.accessHost.instanceId,
        'SSM-managed access host spendsense-db tunnel forwards through',
      ],
    }),
    ...(database.proxy !== undefined && {
      ProxyEndpoint: [
        database.proxy.endpoint,
        'RDS Proxy endpoint SpendSense Lambdas connect to (IAM authentication)',
      ],
    }),
  };

  for (const [key, [value, description]] of Object.entries(values) as [
    OutputKey,
    [string, string],
  ][]) {
    new CfnOutput(stack, OutputKeys[key], {
      value,
      description,
      ...(key === 'LambdaSecurityGroupId' && { exportName: lambdaSecurityGroupExportName(stage) }),
    });
  }

  const parameters: [id: string, name: string, value: string, description: string][] = [
    [
      'LambdaSecurityGroupParameter',
      lambdaSecurityGroupParameterName(stage),
      database.lambdaSecurityGroup.securityGroupId,
      `Security group SpendSense ${stage} Lambdas join to reach the database`,
    ],
    [
      'VpcIdParameter',
      vpcIdParameterName(stage),
      database.vpc.vpcId,
      `VPC of the SpendSense ${stage} database`,
    ],
    [
      'IsolatedSubnetIdsParameter',
      isolatedSubnetIdsParameterName(stage),
      Fn.join(
        ',',
        database.isolatedSubnets.map((subnet) => subnet.subnetId),
      ),
      `Isolated subnets (comma-separated, AZ order) SpendSense ${stage} Lambdas run in`,
    ],
    [
      'ConnectionSecretArnParameter',
      connectionSecretArnParameterName(stage),
      database.connectionSecret.secretArn,
      `Connection secret of the SpendSense ${stage} master user, for operators and tools`,
    ],
    [
      'KmsKeyArnParameter',
      kmsKeyArnParameterName(stage),
      database.kmsKey.keyArn,
      `Key that encrypts the SpendSense ${stage} database secrets`,
    ],
  ];
  for (const [id, parameterName, stringValue, description] of parameters) {
    new ssm.StringParameter(stack, id, { parameterName, stringValue, description });
  }
  addApplicationDescriptor(stack, database);
}

/**
 * What a later Lambda stack needs to log in as `spendsense_app`, and nothing else: where to
 * connect and as whom (no password: IAM authentication), and the managed policy that allows
 * it. Outputs for people, SSM parameters and an export for stacks.
 */
function addApplicationDescriptor(stack: Stack, database: SpendSenseDatabase): void {
  const { stage, applicationEndpoint: endpoint } = database;
  const policyArn = database.applicationAccess.policy.managedPolicyArn;
  const fields: [ApplicationDescriptorField, keyof typeof ApplicationOutputKeys, string, string][] =
    [
      [
        'host',
        'Host',
        endpoint.host,
        `Host SpendSense ${stage} Lambdas connect to (${endpoint.kind})`,
      ],
      ['port', 'Port', endpoint.port, 'Port SpendSense Lambdas connect to'],
      ['database', 'Database', DATABASE_NAME, 'Database SpendSense Lambdas use'],
      ['user', 'User', APP_USERNAME, 'Database user SpendSense Lambdas log in as'],
      [
        'auth-method',
        'AuthMethod',
        APPLICATION_AUTH_METHOD,
        'How SpendSense Lambdas authenticate: IAM tokens, no password',
      ],
    ];
  for (const [field, outputKey, value, description] of fields) {
    new CfnOutput(stack, ApplicationOutputKeys[outputKey], { value, description });
    new ssm.StringParameter(stack, `Application${outputKey}Parameter`, {
      parameterName: applicationDescriptorParameterName(stage, field),
      stringValue: value,
      description: `${description} (SpendSense ${stage})`,
    });
  }
  new CfnOutput(stack, ApplicationOutputKeys.AccessPolicyArn, {
    value: policyArn,
    description: `Managed policy SpendSense ${stage} Lambdas attach: rds-db:connect as ${APP_USERNAME}`,
    exportName: applicationAccessPolicyExportName(stage),
  });
  new ssm.StringParameter(stack, 'ApplicationAccessPolicyArnParameter', {
    parameterName: applicationAccessPolicyParameterName(stage),
    stringValue: policyArn,
    description: `Managed policy SpendSense ${stage} Lambdas attach: rds-db:connect as ${APP_USERNAME}`,
  });
}
