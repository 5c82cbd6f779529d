import { fileURLToPath } from 'node:url';
import { Aws, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONNECTION_SECRET_ENV } from '../../shared/names.js';
import { createSpendSenseFunction } from '../lambda/spendsense-function.js';

export const PROBE_ENTRY = fileURLToPath(new URL('../../lambda/probe/handler.ts', import.meta.url));

export interface ProbeFunctionProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: readonly ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  readonly connectionSecret: secretsmanager.ISecret;
  readonly encryptionKey: kms.IKey;
  readonly logGroup: logs.ILogGroup;
  /** @default - no reservation */
  readonly reservedConcurrency?: number;
}

/**
 * The connectivity probe: a Lambda placed exactly where SpendSense Lambdas will be (Lambda
 * security group, isolated subnets), using the runtime module to connect. `spendsense-db
 * verify` invokes it after a deployment to prove acceptance criterion 3 end to end.
 *
 * Its role can read one secret and decrypt with the stage key through Secrets Manager only;
 * the AWS-managed ENI policy is what any function in a VPC needs.
 */
export class ProbeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ProbeFunctionProps) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'SpendSense database probe: read the connection secret, write its own logs',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaENIManagementAccess'),
      ],
    });
    // A customer-managed policy rather than an inline one (NIST AC-6 / PCI 7.1: reviewable,
    // versioned); every statement names its one resource.
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'SpendSense database probe: read the connection secret, write its own logs',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadTheConnectionSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.connectionSecret.secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptThroughSecretsManagerOnly',
          actions: ['kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com`,
              'kms:EncryptionContext:SecretARN': props.connectionSecret.secretArn,
            },
          },
        }),
        new iam.PolicyStatement({
          sid: 'WriteItsOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [props.logGroup.logGroupArn],
        }),
      ],
    });

    this.function = createSpendSenseFunction(this, 'Function', {
      description: 'SpendSense database probe: connects like a SpendSense Lambda and reports',
      entry: PROBE_ENTRY,
      memorySize: 256,
      timeout: Duration.seconds(15),
      ...(props.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrency,
      }),
      role: this.role,
      logGroup: props.logGroup,
      vpc: props.vpc,
      vpcSubnets: { subnets: [...props.subnets] },
      securityGroups: [props.securityGroup],
      environment: { [CONNECTION_SECRET_ENV]: props.connectionSecret.secretArn },
    });
    // Not invocable before it may read its secret.
    this.function.node.addDependency(this.policy);
  }
}
