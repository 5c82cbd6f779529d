import type { IConstruct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge.js';
import type { DatabaseBootstrap } from './database-bootstrap.js';

const NO_RESERVATION =
  'Runs only while CloudFormation deploys the stack, one invocation at a time. A reservation would take capacity from the account for nothing, and fail the first deployment in a new account, whose concurrency quota can be as low as 10.';

/**
 * The cdk-nag findings the bootstrap accepts, each on the narrowest construct, with the reason a
 * reviewer needs. Listed in docs/database.md.
 */
export function acknowledgeBootstrapFindings(
  bootstrap: DatabaseBootstrap,
  frameworkFunction: IConstruct,
): void {
  acknowledge(
    bootstrap.function,
    'NIST.800.53.R5-LambdaDLQ',
    'Invoked synchronously by the CDK Provider framework during a deployment; a failure fails the deployment with its message, so there is nothing to retry later. A dead-letter queue only applies to asynchronous invocations.',
  );
  acknowledge(bootstrap.function, 'NIST.800.53.R5-LambdaConcurrency', NO_RESERVATION);

  const outside =
    "The CDK Provider framework's function answers CloudFormation's pre-signed S3 response URL, which isolated subnets (no NAT gateway, no S3 endpoint) cannot reach; that is why it runs outside the VPC. It holds no credentials and may only invoke the bootstrap function, which does the database work from inside the VPC.";
  acknowledge(frameworkFunction, 'NIST.800.53.R5-LambdaInsideVPC', outside);
  acknowledge(frameworkFunction, 'PCI.DSS.321-LambdaInsideVPC', outside);
  acknowledge(
    frameworkFunction,
    'NIST.800.53.R5-LambdaDLQ',
    'Invoked synchronously by CloudFormation through the custom resource; it reports every failure to CloudFormation itself. A dead-letter queue only applies to asynchronous invocations.',
  );
  acknowledge(frameworkFunction, 'NIST.800.53.R5-LambdaConcurrency', NO_RESERVATION);
}
