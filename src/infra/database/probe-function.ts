import { fileURLToPath } from 'node:url';
import { Aws, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONNECTION_SECRET_ENV } from '../../shared/names.js';
import { createSpendSenseFunction } from '../lambda/spendsense-function.js';
import type { LogGroupSettings } from './log-groups.js';

export const PROBE_ENTRY = fileURLToPath(new URL('../../lambda/probe/handler.ts', import.meta.url));

export interface ProbeFunctionProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: readonly ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  readonly connectionSecret: secretsmanager.ISecret;
  readonly encryptionKey: kms.IKey;
  readonly logGroupName: string;
  readonly logs: LogGroupSettings;
  readonly reservedConcurrency: number;
}

/**
 * The connectivity probe: a Lambda placed exactly where SpendSense Lambdas will be (Lambda
 * security group, isolated subnets), using the runtime module to connect. `spendsense-db
 * verify` invokes it after a deployment to prove acceptance criterion 3 end to end.
 *
 * Its role can read one secret and decrypt with the stage key through Secrets Manager only.
 */
export class ProbeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ProbeFunctionProps) {
    super(scope, id);
    const probe = createSpendSenseFunction(this, {
      description: 'SpendSense database probe: connects like a SpendSense Lambda and reports',
      entry: PROBE_ENTRY,
      timeout: Duration.seconds(15),
      reservedConcurrentExecutions: props.reservedConcurrency,
      vpc: props.vpc,
      vpcSubnets: { subnets: [...props.subnets] },
      securityGroups: [props.securityGroup],
      logGroupName: props.logGroupName,
      logs: props.logs,
      environment: { [CONNECTION_SECRET_ENV]: props.connectionSecret.secretArn },
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
            StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` },
          },
        }),
      ],
    });
    this.function = probe.function;
    this.role = probe.role;
    this.policy = probe.policy;
  }
}
