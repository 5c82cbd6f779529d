import { acknowledge } from '../compliance/acknowledge.js';
import type { DatabaseCredentialsRotation } from './database-credentials-rotation.js';

const LAMBDA_ENI_POLICY =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaENIManagementAccess';

/**
 * The cdk-nag findings the rotation accepts, each on the narrowest construct, with the reason a
 * reviewer needs. Listed in docs/database.md (and docs/operations.md).
 */
export function acknowledgeRotationFindings(rotation: DatabaseCredentialsRotation): void {
  acknowledge(
    rotation.role,
    `AwsSolutions-IAM4[${LAMBDA_ENI_POLICY}]`,
    'A function in a VPC needs to create and delete its network interfaces; those EC2 actions support no resource-level permissions. AWSLambdaENIManagementAccess grants exactly them and nothing else; every other permission is in customer-managed policies naming single resources.',
  );
  acknowledge(
    rotation.passwordPolicy,
    'AwsSolutions-IAM5[Resource::*]',
    'secretsmanager:GetRandomPassword acts on no resource, so IAM accepts only "*" for it (Secrets Manager authorization reference). This policy holds that one action and nothing else; it returns random characters and reads or changes no secret.',
  );
  acknowledge(
    rotation.function,
    'NIST.800.53.R5-LambdaDLQ',
    'Secrets Manager invokes rotation functions synchronously and records a failed step itself (the rotation stays pending and is retried); a dead-letter queue only applies to asynchronous invocations. Failures are logged to the encrypted log group.',
  );
  acknowledge(
    rotation.function,
    'NIST.800.53.R5-LambdaConcurrency',
    "Secrets Manager runs one rotation per secret at a time and calls the steps one after another, so the function never scales out. AWS's rotation guide warns that a reserved concurrency below 10 can throttle rotation functions, and reserving 10 would take that much from the account's unreserved pool for a function that runs a few seconds a month.",
  );
}
