import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { DATABASE_PORT } from '../../shared/names.js';

const HTTPS = ec2.Port.tcp(443);
const POSTGRES = ec2.Port.tcp(DATABASE_PORT);

export interface DatabaseSecurityGroupsProps {
  readonly vpc: ec2.IVpc;
}

/**
 * Three security groups, each admitting exactly one thing and none allowing all egress:
 * - database: PostgreSQL from the Lambda group (and from the proxy and the access host, which
 *   add their own rules); never from an address range;
 * - endpoint: HTTPS from the Lambda group to the Secrets Manager endpoint;
 * - lambda: exported for SpendSense Lambdas; may reach only the other two.
 */
export class DatabaseSecurityGroups extends Construct {
  readonly database: ec2.SecurityGroup;
  readonly lambda: ec2.SecurityGroup;
  readonly endpoint: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseSecurityGroupsProps) {
    super(scope, id);
    const { vpc } = props;

    this.database = new ec2.SecurityGroup(this, 'Database', {
      vpc,
      description: 'SpendSense PostgreSQL: only the Lambda security group on the database port',
      allowAllOutbound: false,
    });
    this.lambda = new ec2.SecurityGroup(this, 'Lambda', {
      vpc,
      description:
        'SpendSense Lambdas that use the database: reach PostgreSQL and Secrets Manager only',
      allowAllOutbound: false,
    });
    this.endpoint = new ec2.SecurityGroup(this, 'SecretsManagerEndpoint', {
      vpc,
      description: 'Secrets Manager interface endpoint: HTTPS from the Lambda security group only',
      allowAllOutbound: false,
    });

    // allowTo writes both halves as separate rule resources (egress on the Lambda group, ingress
    // on the target), which is how CloudFormation cross-references groups; the first egress
    // rule added this way also removes the group's default allow-all egress.
    this.lambda.connections.allowTo(this.database, POSTGRES, 'SpendSense Lambdas to PostgreSQL');
    this.lambda.connections.allowTo(this.endpoint, HTTPS, 'SpendSense Lambdas to Secrets Manager');
  }
}
