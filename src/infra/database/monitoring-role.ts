import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The log group RDS writes enhanced monitoring metrics to, one per account and region. */
export const ENHANCED_MONITORING_LOG_GROUP = 'RDSOSMetrics';

/**
 * The role RDS enhanced monitoring publishes OS metrics with: the actions of the AWS-managed
 * `AmazonRDSEnhancedMonitoringRole`, but only on the `RDSOSMetrics` log group of this account
 * and region (the managed policy allows every `RDS*` group in every region and account).
 */
export interface EnhancedMonitoringRoleProps {
  /** The identifier of the one instance that may use the role (its trust names it). */
  readonly instanceIdentifier: string;
}

export class EnhancedMonitoringRole extends Construct {
  readonly role: iam.Role;
  /** Customer-managed rather than inline (NIST AC-6 / PCI 7.1: reviewable, versioned). */
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: EnhancedMonitoringRoleProps) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      // The confused-deputy guard the RDS user guide recommends ("Protecting against the
      // confused deputy problem", Enhanced Monitoring): RDS acting for this account, for this
      // instance only. Its ARN is built from the identifier, known before the instance exists.
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:db:${props.instanceIdentifier}`,
          },
        },
      }),
      description: 'SpendSense database: RDS enhanced monitoring writes OS metrics to RDSOSMetrics',
    });

    // Pseudo parameters rather than the stage's literal region: the same finding in every stage.
    const logGroupArn = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${ENHANCED_MONITORING_LOG_GROUP}`;
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'SpendSense database: RDS enhanced monitoring, the RDSOSMetrics log group only',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'PublishOsMetricsToRdsOsMetrics',
          actions: [
            'logs:CreateLogGroup',
            'logs:PutRetentionPolicy',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:DescribeLogStreams',
            'logs:GetLogEvents',
          ],
          // `<group>:*` is the group's ARN as IAM evaluates log actions (the bare form serves
          // tagging only) and also covers its streams, one per instance, named by the
          // instance's resource id, which the role cannot name before the instance exists.
          resources: [logGroupArn, `${logGroupArn}:*`],
        }),
      ],
    });
  }
}
