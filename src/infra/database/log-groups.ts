import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface LogGroupSettings {
  readonly encryptionKey: kms.IKey;
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Every log group of the stack is created here, named, encrypted with the stage key and given
 * a retention: nothing is left for a service to create unencrypted and kept forever.
 */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  logGroupName: string,
  settings: LogGroupSettings,
): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName,
    encryptionKey: settings.encryptionKey,
    retention: settings.retention,
    removalPolicy: settings.removalPolicy,
  });
}
