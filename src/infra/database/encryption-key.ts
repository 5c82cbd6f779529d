import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { keyAliasName, logGroupPrefix, rdsLogGroupPrefix, type Stage } from '../../shared/names.js';

/** Log groups the key may encrypt: the RDS exports and the stack's own groups. */
export const logGroupPrefixes = (stage: Stage): string[] => [
  `${rdsLogGroupPrefix(stage)}/`,
  `${logGroupPrefix(stage)}/`,
];

/**
 * The one customer-managed key of the stage: storage, both secrets and every log group.
 * Retained when the stack is deleted, because the final snapshot is encrypted with it.
 */
export function createEncryptionKey(scope: Construct, stage: Stage): kms.Key {
  const key = new kms.Key(scope, 'Key', {
    description: `SpendSense ${stage} database: storage, secrets and logs`,
    alias: keyAliasName(stage),
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    removalPolicy: RemovalPolicy.RETAIN,
  });

  // CloudWatch Logs encrypts with the key only for this stack's log groups (its encryption
  // context names the log group).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisStageLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: [
        'kms:Encrypt*',
        'kms:Decrypt*',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:Describe*',
      ],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': logGroupPrefixes(stage).map(
            (prefix) =>
              `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${prefix}*`,
          ),
        },
      },
    }),
  );
  return key;
}
