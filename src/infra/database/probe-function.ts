import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  APP_USERNAME,
  APPLICATION_AUTH_METHOD,
  DATABASE_NAME,
  DatabaseEnvironment,
} from '../../shared/names.js';
import { createSpendSenseFunction } from '../lambda/spendsense-function.js';
import type { ApplicationEndpoint } from './application-access.js';

export const PROBE_ENTRY = fileURLToPath(new URL('../../lambda/probe/handler.ts', import.meta.url));

export interface ProbeFunctionProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: readonly ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  /** Where SpendSense functions connect (the instance, or RDS Proxy). */
  readonly endpoint: ApplicationEndpoint;
  /** `rds-db:connect` as `spendsense_app` there: the policy every SpendSense function attaches. */
  readonly accessPolicy: iam.IManagedPolicy;
  /**
   * Its encrypted log group, created by the caller at `ProbeLogGroup` beside it, where it was
   * before the function helper existed: the group has a fixed name, so its logical id must stay.
   */
  readonly logGroup: logs.ILogGroup;
  /** @default - no reservation */
  readonly reservedConcurrency?: number;
}

/**
 * The connectivity probe, the model SpendSense Lambda: placed exactly where they will be
 * (Lambda security group, isolated subnets), configured the way a later stack configures them
 * (the application connection descriptor in its environment, the exported access policy), it
 * logs in as `spendsense_app` with IAM authentication through the runtime module and reads no
 * secret. `spendsense-db verify` invokes it after a deployment to prove acceptance criterion 3
 * end to end.
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
      // Its failures are results, not stack traces; it should start like the functions it models.
      sourceMap: false,
      ...(props.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrency,
      }),
      vpc: props.vpc,
      vpcSubnets: { subnets: [...props.subnets] },
      securityGroups: [props.securityGroup],
      logGroup: props.logGroup,
      environment: applicationEnvironment(props.endpoint),
      managedPolicies: [props.accessPolicy],
    });
    this.function = probe.function;
    this.role = probe.role;
    this.policy = probe.policy;
  }
}

/** The environment the runtime module reads the application connection descriptor from. */
export function applicationEnvironment(endpoint: ApplicationEndpoint): Record<string, string> {
  return {
    [DatabaseEnvironment.Host]: endpoint.host,
    [DatabaseEnvironment.Port]: endpoint.port,
    [DatabaseEnvironment.Name]: DATABASE_NAME,
    [DatabaseEnvironment.User]: APP_USERNAME,
    [DatabaseEnvironment.AuthMethod]: APPLICATION_AUTH_METHOD,
  };
}
