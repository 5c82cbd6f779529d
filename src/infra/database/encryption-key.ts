import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { keyAliasName, secretNamePrefix, type Stage } from '../../shared/names.js';

/** Log groups the key may encrypt: the RDS exports and the stack's own groups. */
export const logGroupPrefixes = (stage: Stage, instanceIdentifier: string): string[] => [
  `/aws/rds/instance/${instanceIdentifier}/`,
  `/spendsense/${stage}/database/`,
];

/**
 * The one customer-managed key of the stage: storage, both secrets and every log group.
 * Retained when the stack is deleted, because the final snapshot (and a retained log group) is
 * encrypted with it; its description names the instance of its creation, so a retained key is
 * found beside that instance's snapshot. Its alias is deleted with the stack and reused.
 */
export function createEncryptionKey(
  scope: Construct,
  stage: Stage,
  instanceIdentifier: string,
): kms.Key {
  const key = new kms.Key(scope, 'Key', {
    description: `SpendSense ${stage} database ${instanceIdentifier}: storage, secrets and logs`,
    alias: keyAliasName(stage),
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    // Kept when the stack is deleted or the key replaced, not when the stack's first creation
    // fails and rolls back: a failed create holds no data, and its key would be an orphan.
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });

  // Secrets Manager encrypts and decrypts on behalf of the caller (whose IAM policy must allow
  // it too), only for this stage's secrets: it always sends the secret's ARN as the encryption
  // context. It never needs a grant (Secrets Manager guide, "How Secrets Manager uses your KMS
  // key"), so this statement allows none.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowSecretsManagerForThisStageSecrets',
      principals: [new iam.AccountPrincipal(Aws.ACCOUNT_ID)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com`,
          'kms:CallerAccount': Aws.ACCOUNT_ID,
        },
        ArnLike: {
          'kms:EncryptionContext:SecretARN': `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${secretNamePrefix(stage)}*`,
        },
      },
    }),
  );
  // Grants only through an AWS service acting for the caller (RDS for storage, EC2 for the
  // access host's volume): no principal, the account root included, can hand out a grant on
  // this key by itself.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsNotForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'false' } },
    }),
  );

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
          'kms:EncryptionContext:aws:logs:arn': logGroupPrefixes(stage, instanceIdentifier).map(
            (prefix) =>
              `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${prefix}*`,
          ),
        },
      },
    }),
  );
  return key;
}
