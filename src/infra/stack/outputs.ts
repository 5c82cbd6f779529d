import { CfnOutput, type Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  DATABASE_NAME,
  OutputKeys,
  connectionSecretName,
  credentialsSecretName,
  lambdaSecurityGroupExportName,
  lambdaSecurityGroupParameterName,
  type OutputKey,
} from '../../shared/names.js';
import type { SpendSenseDatabase } from '../database/spendsense-database.js';

/** Output keys of features later issues add (access host, alarms, proxy); not created here. */
type LaterOutputKey = 'AccessHostInstanceId' | 'AlarmTopicArn' | 'ProxyEndpoint';

/**
 * What other tools read from a deployed stack. `verify`, `info` and the docs read the outputs
 * by these exact keys (created at stack scope, so the key is the logical id); later Lambda
 * stacks find the Lambda security group through the export or the SSM parameter.
 */
export function addDatabaseOutputs(stack: Stack, database: SpendSenseDatabase): void {
  const { stage } = database;
  const values: Record<Exclude<OutputKey, LaterOutputKey>, [value: string, description: string]> = {
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

  new ssm.StringParameter(stack, 'LambdaSecurityGroupParameter', {
    parameterName: lambdaSecurityGroupParameterName(stage),
    stringValue: database.lambdaSecurityGroup.securityGroupId,
    description: `Security group SpendSense ${stage} Lambdas join to reach the database`,
  });
}
